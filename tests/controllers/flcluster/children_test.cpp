// Desired children of an FLCluster as pure JSON (issue 5 "Children").
#include "flop/flcluster/children.hpp"

#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/flcluster/fl_config.hpp"

namespace flop::flcluster {
namespace {

using nlohmann::json;

api::FLCluster clusterFrom(json mindspore) {
  json object{
      {"apiVersion", "federatedlearning.dev/v1alpha1"},
      {"kind", "FLCluster"},
      {"metadata", {{"name", "party-a"}, {"namespace", "fl"}, {"uid", "uid-1"}, {"generation", 3}}},
      {"spec", {{"partyId", 9999}, {"mindspore", mindspore}}}};
  return object.get<api::FLCluster>();
}

json basicSpec() {
  return {{"schedulerApi", "1.5"},
          {"scheduler", {{"image", "ms:1.5"}}},
          {"servers",
           {{"image", "ms:1.5"},
            {"replicas", 4},
            {"command", {"python3", "run.py"}},
            {"env", {{{"name", "EXTRA"}, {"value", "1"}}}}}}};
}

const json* envNamed(const json& container, const std::string& name) {
  for (const auto& e : container["env"])
    if (e["name"] == name) return &e;
  return nullptr;
}

TEST(ChildNames, StatefulSetNameLeavesRoomForOrdinalsAndRevisionHashes) {
  auto names = childNames(std::string(60, 'a'));
  EXPECT_LE(names.servers.size(), 52u);
  EXPECT_EQ(childNames("party-a").servers, "party-a-server");
  EXPECT_NE(childNames(std::string(60, 'a')).servers, childNames(std::string(61, 'a')).servers);
}

TEST(Children, EveryChildIsOwnedByTheCluster) {
  auto cluster = clusterFrom(basicSpec());
  for (const auto& child :
       {schedulerDeployment(cluster, {}), schedulerService(cluster, {}),
        schedulerTokenSecret(cluster, "t"), serverStatefulSet(cluster, 4, "10.0.0.7"),
        serverHeadlessService(cluster), deviceService(cluster), flConfigMap(cluster, 4)}) {
    const auto& ref = child["metadata"]["ownerReferences"].at(0);
    EXPECT_EQ(ref["kind"], "FLCluster") << child["kind"];
    EXPECT_EQ(ref["uid"], "uid-1");
    EXPECT_EQ(ref["controller"], true);
    EXPECT_EQ(child["metadata"]["namespace"], "fl");
    EXPECT_EQ(child["metadata"]["labels"]["app.kubernetes.io/managed-by"], "fl-operator");
  }
}

TEST(Children, SchedulerBindsItsPodIpAndHasTheManagementSidecar) {
  auto deployment = schedulerDeployment(clusterFrom(basicSpec()), {"op:1", 11203});
  EXPECT_EQ(deployment["spec"]["replicas"], 1);
  EXPECT_EQ(deployment["spec"]["strategy"]["type"], "Recreate");
  const auto& pod = deployment["spec"]["template"]["spec"];
  ASSERT_EQ(pod["containers"].size(), 2u);
  const auto& scheduler = pod["containers"][0];
  EXPECT_EQ((*envNamed(scheduler, "MS_SCHED_HOST"))["valueFrom"]["fieldRef"]["fieldPath"],
            "status.podIP");
  EXPECT_EQ((*envNamed(scheduler, "MS_ROLE"))["value"], "MS_SCHED");
  EXPECT_EQ((*envNamed(scheduler, "MS_SCHED_MANAGE_PORT"))["value"], "11202");
  const auto& sidecar = pod["containers"][1];
  EXPECT_EQ(sidecar["image"], "op:1");
  EXPECT_EQ(sidecar["args"][2], "--upstream=http://127.0.0.1:11202");
  // The token is a mounted file, never an argument.
  EXPECT_EQ(sidecar["args"][3], "--token-file=/var/run/fl-operator/token");
  EXPECT_EQ(pod["volumes"][1]["secret"]["secretName"], "party-a-scheduler-token");
  auto service = schedulerService(clusterFrom(basicSpec()), {"op:1", 11203});
  EXPECT_EQ(service["spec"]["type"], "ClusterIP");
  EXPECT_EQ(service["spec"]["ports"].size(), 2u);
}

TEST(Children, ExternalManagementUrlDropsTheSidecar) {
  auto spec = basicSpec();
  spec["scheduler"]["externalManagementUrl"] = "https://mgmt.example:443";
  auto cluster = clusterFrom(spec);
  EXPECT_EQ(schedulerDeployment(cluster, {})["spec"]["template"]["spec"]["containers"].size(), 1u);
  EXPECT_EQ(schedulerService(cluster, {})["spec"]["ports"].size(), 1u);
}

TEST(Children, ServersHaveStableIdentityAndTakeServerNumFromTheConfigMap) {
  auto set = serverStatefulSet(clusterFrom(basicSpec()), 6, "10.96.0.12");
  EXPECT_EQ(set["spec"]["replicas"], 6);
  EXPECT_EQ(set["spec"]["serviceName"], "party-a-server-headless");
  EXPECT_EQ(set["spec"]["updateStrategy"]["type"], "OnDelete");
  const auto& server = set["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ((*envNamed(server, "MS_NODE_ID"))["valueFrom"]["fieldRef"]["fieldPath"],
            "metadata.name");
  EXPECT_EQ((*envNamed(server, "MS_SCHED_HOST"))["value"], "10.96.0.12");
  const auto& serverNum = (*envNamed(server, "MS_SERVER_NUM"))["valueFrom"]["configMapKeyRef"];
  EXPECT_EQ(serverNum["name"], "party-a-fl-config");
  EXPECT_EQ(serverNum["key"], "server_num");
  EXPECT_EQ((*envNamed(server, "MS_WORKER_NUM"))["value"], "0");
  ASSERT_NE(envNamed(server, "EXTRA"), nullptr);
  EXPECT_EQ(server["readinessProbe"]["tcpSocket"]["port"], "fl");
  // Ready also needs the scheduler to count the server (the operator sets the gate).
  EXPECT_EQ(set["spec"]["template"]["spec"]["readinessGates"],
            json::parse(R"([{"conditionType":"federatedlearning.dev/registered"}])"));
  EXPECT_EQ(server["ports"][0]["containerPort"], 6668);
  EXPECT_EQ(server["command"], json({"python3", "run.py"}));
  EXPECT_FALSE(set["spec"].contains("volumeClaimTemplates"));
}

TEST(Children, ServerTemplateDoesNotChangeWithServerNum) {
  auto cluster = clusterFrom(basicSpec());
  EXPECT_EQ(serverStatefulSet(cluster, 4, "10.0.0.1")["spec"]["template"],
            serverStatefulSet(cluster, 6, "10.0.0.1")["spec"]["template"]);
  EXPECT_EQ(flConfigMap(cluster, 6)["data"]["server_num"], "6");
}

TEST(Children, RecoveryGivesEachServerItsOwnVolumeAndConfigKeys) {
  auto spec = basicSpec();
  spec["recovery"] = {{"enabled", true}, {"size", "2Gi"}, {"storageClassName", "fast"}};
  auto cluster = clusterFrom(spec);
  auto set = serverStatefulSet(cluster, 4, "10.0.0.1");
  const auto& claim = set["spec"]["volumeClaimTemplates"][0];
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "2Gi");
  EXPECT_EQ(claim["spec"]["storageClassName"], "fast");
  EXPECT_EQ(set["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"], "Delete");
  auto config = json::parse(flConfigMap(cluster, 4)["data"]["config.json"].get<std::string>());
  EXPECT_EQ(config["recovery"]["storage_type"], 1);
  EXPECT_EQ(config["recovery"]["storage_file_path"], "/var/lib/fl-server/recovery.json");
  EXPECT_EQ(config["metrics"]["storage_file_path"], "/var/lib/fl-server/metrics.json");
}

TEST(Children, HeadlessAndDeviceServicesSelectTheServers) {
  auto cluster = clusterFrom(basicSpec());
  auto headless = serverHeadlessService(cluster);
  EXPECT_EQ(headless["spec"]["clusterIP"], "None");
  auto devices = deviceService(cluster);
  EXPECT_EQ(devices["spec"]["ports"][0]["port"], 6668);
  EXPECT_EQ(devices["spec"]["selector"]["app.kubernetes.io/component"], "server");
  EXPECT_EQ(devices["spec"]["selector"],
            serverStatefulSet(cluster, 1, "x")["spec"]["selector"]["matchLabels"]);
}

TEST(Children, HorizontalPodAutoscalerTargetsTheScaleSubresource) {
  auto cluster = clusterFrom(basicSpec());
  EXPECT_FALSE(horizontalPodAutoscaler(cluster));
  auto spec = basicSpec();
  spec["autoscaling"] = {{"minReplicas", 2}, {"maxReplicas", 8}};
  auto hpa = horizontalPodAutoscaler(clusterFrom(spec));
  ASSERT_TRUE(hpa);
  EXPECT_EQ((*hpa)["apiVersion"], "autoscaling/v2");
  EXPECT_EQ((*hpa)["spec"]["scaleTargetRef"]["kind"], "FLCluster");
  EXPECT_EQ((*hpa)["spec"]["scaleTargetRef"]["name"], "party-a");
  EXPECT_EQ((*hpa)["spec"]["minReplicas"], 2);
  EXPECT_EQ((*hpa)["spec"]["metrics"][0]["resource"]["name"], "cpu");
}

TEST(FlConfig, RejectsStorgeMisspellingsAnywhere) {
  for (const char* section : {"recovery", "metrics", "server_recovery"}) {
    auto spec = basicSpec();
    spec["config"] = {{section, {{"storge_file_path", "/x.json"}}}};
    try {
      flConfigMap(clusterFrom(spec), 1);
      FAIL() << section;
    } catch (const InvalidInput& e) {
      EXPECT_EQ(e.where(), std::string("spec.mindspore.config.") + section + ".storge_file_path");
      EXPECT_NE(std::string(e.what()).find("storage_file_path"), std::string::npos);
    }
  }
  EXPECT_THROW(validateConfigJson(json{{"recovery", {{"storge_type", 1}}}}), InvalidInput);
}

TEST(FlConfig, RejectsRecoveryFilePointingAtConfigJsonAndOtherStorageTypes) {
  EXPECT_THROW(
      validateConfigJson(json{{"recovery", {{"storage_file_path", "./conf/config.json"}}}}),
      InvalidInput);
  EXPECT_THROW(validateConfigJson(json{{"recovery", {{"storage_type", 2}}}}), InvalidInput);
  EXPECT_NO_THROW(validateConfigJson(
      json{{"recovery", {{"storage_type", 1}, {"storage_file_path", "/d/r.json"}}},
           {"cipher_list", "x"}}));
  EXPECT_NO_THROW(validateConfigJson(nullptr));
  EXPECT_THROW(validateConfigJson(json::array()), InvalidInput);
}

TEST(FlConfig, UserKeysAreKeptAndFlContextCarriesTheSettings) {
  auto spec = basicSpec();
  spec["config"] = {{"cipher_list", "ECDHE"}, {"node_id", "ignored-when-env-set"}};
  spec["fl"] = {
      {"flName", "lenet"}, {"encryptType", "DP_ENCRYPT"}, {"startFLJobTimeWindowMs", 3000}};
  auto data = flConfigMap(clusterFrom(spec), 4)["data"];
  EXPECT_EQ(json::parse(data["config.json"].get<std::string>())["cipher_list"], "ECDHE");
  auto ctx = json::parse(data["fl_context.json"].get<std::string>());
  EXPECT_EQ(ctx["fl_name"], "lenet");
  EXPECT_EQ(ctx["encrypt_type"], "DP_ENCRYPT");
  EXPECT_EQ(ctx["start_fl_job_time_window"], 3000);
  EXPECT_EQ(ctx["scheduler_manage_port"], 11202);
  EXPECT_EQ(ctx["config_file_path"], "/etc/fl-operator/config.json");
  EXPECT_EQ(ctx["enable_fl"], true);
}

}  // namespace
}  // namespace flop::flcluster
