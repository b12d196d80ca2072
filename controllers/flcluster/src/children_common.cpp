#include <variant>

#include "children_common.hpp"
#include "flop/api/names.hpp"
#include "flop/error.hpp"
#include "flop/flcluster/children.hpp"
#include "flop/flcluster/fl_config.hpp"

namespace flop::flcluster {

ChildNames childNames(const std::string& clusterName) {
  // StatefulSet names stay <= 52 so pod names and controller-revision labels stay <= 63.
  return ChildNames{
      api::child_name({clusterName, "scheduler"}),
      api::child_name({clusterName, "scheduler-token"}),
      api::child_name({clusterName, "server"}, 52),
      api::child_name({clusterName, "server-headless"}),
      api::child_name({clusterName, "devices"}),
      api::child_name({clusterName, "fl-config"}),
      api::child_name({clusterName}),
  };
}

nlohmann::json ownerReference(const api::FLCluster& cluster) {
  return {{"apiVersion", api::kApiVersion},
          {"kind", api::kFLCluster.kind},
          {"name", cluster.metadata.name},
          {"uid", cluster.metadata.uid.value_or("")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

std::map<std::string, std::string> serverSelector(const api::FLCluster& cluster) {
  auto labels = api::owner_labels(api::kFLCluster, cluster.metadata.name);
  labels[std::string(api::label::kComponent)] = "server";
  return labels;
}

nlohmann::json flConfigMap(const api::FLCluster& cluster, std::int32_t serverNum) {
  const auto& ms = detail::mindspore(cluster);
  auto object = detail::objectBase(cluster, "v1", "ConfigMap",
                                   childNames(cluster.metadata.name).config, "config");
  object["data"] = {{"config.json", buildConfigJson(ms).dump(2)},
                    {"fl_context.json", buildFlContext(ms).dump(2)},
                    {kServerNumKey, std::to_string(serverNum)}};
  return object;
}

std::optional<nlohmann::json> horizontalPodAutoscaler(const api::FLCluster& cluster) {
  const auto& ms = detail::mindspore(cluster);
  if (!ms.autoscaling) return std::nullopt;
  const auto& autoscaling = *ms.autoscaling;
  auto object = detail::objectBase(cluster, "autoscaling/v2", "HorizontalPodAutoscaler",
                                   childNames(cluster.metadata.name).autoscaler, "autoscaler");
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& metric : autoscaling.metrics) metrics.push_back(metric);
  if (metrics.empty())
    metrics.push_back(
        {{"type", "Resource"},
         {"resource",
          {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 80}}}}}});
  object["spec"] = {
      {"scaleTargetRef",
       {{"apiVersion", api::kApiVersion},
        {"kind", api::kFLCluster.kind},
        {"name", cluster.metadata.name}}},
      {"minReplicas", autoscaling.minReplicas.value_or(1)},
      {"maxReplicas", autoscaling.maxReplicas},
      {"metrics", metrics},
  };
  return object;
}

namespace detail {

const api::MindSporeSpec& mindspore(const api::FLCluster& cluster) {
  if (!cluster.spec.mindspore) throw InvalidInput("spec.mindspore", "is not set");
  return *cluster.spec.mindspore;
}

nlohmann::json componentLabels(const api::FLCluster& cluster, const std::string& component) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : api::owner_labels(api::kFLCluster, cluster.metadata.name))
    labels[key] = value;
  labels[std::string(api::label::kComponent)] = component;
  return labels;
}

nlohmann::json objectBase(const api::FLCluster& cluster, const char* apiVersion, const char* kind,
                          const std::string& name, const std::string& component) {
  return {{"apiVersion", apiVersion},
          {"kind", kind},
          {"metadata",
           {{"name", name},
            {"namespace", cluster.metadata.namespace_},
            {"labels", componentLabels(cluster, component)},
            {"ownerReferences", nlohmann::json::array({ownerReference(cluster)})}}}};
}

nlohmann::json valueEnv(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

nlohmann::json fieldEnv(const std::string& name, const std::string& fieldPath) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", fieldPath}}}}}};
}

nlohmann::json configMapEnv(const std::string& name, const std::string& configMap,
                            const std::string& key) {
  return {{"name", name},
          {"valueFrom", {{"configMapKeyRef", {{"name", configMap}, {"key", key}}}}}};
}

namespace {
nlohmann::json keySelector(const api::KeySelector& selector) {
  nlohmann::json out{{"name", selector.name}, {"key", selector.key}};
  if (selector.optional) out["optional"] = *selector.optional;
  return out;
}
}  // namespace

nlohmann::json quantity(const api::Quantity& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

nlohmann::json envVar(const api::EnvVar& var) {
  nlohmann::json out{{"name", var.name}};
  if (var.value) out["value"] = *var.value;
  if (var.valueFrom) {
    nlohmann::json from = nlohmann::json::object();
    if (var.valueFrom->secretKeyRef)
      from["secretKeyRef"] = keySelector(*var.valueFrom->secretKeyRef);
    if (var.valueFrom->configMapKeyRef)
      from["configMapKeyRef"] = keySelector(*var.valueFrom->configMapKeyRef);
    if (var.valueFrom->fieldRef) {
      from["fieldRef"] = {{"fieldPath", var.valueFrom->fieldRef->fieldPath}};
      if (var.valueFrom->fieldRef->apiVersion)
        from["fieldRef"]["apiVersion"] = *var.valueFrom->fieldRef->apiVersion;
    }
    out["valueFrom"] = from;
  }
  return out;
}

nlohmann::json resources(const api::ResourceRequirements& requirements) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : requirements.limits) out["limits"][name] = quantity(value);
  for (const auto& [name, value] : requirements.requests) out["requests"][name] = quantity(value);
  return out;
}

nlohmann::json flContainer(const api::FLCluster& cluster, const std::string& image,
                           const std::optional<std::string>& pullPolicy, nlohmann::json roleEnv) {
  const auto& ms = mindspore(cluster);
  const auto names = childNames(cluster.metadata.name);
  const auto schedulerPort = ms.scheduler.port.value_or(kDefaultSchedulerPort);
  const auto managePort = ms.scheduler.managementPort.value_or(kDefaultManagePort);
  // MindSpore reads these once and an unset one overwrites its default with 0/empty: set all.
  roleEnv.push_back(configMapEnv("MS_SERVER_NUM", names.config, kServerNumKey));
  roleEnv.push_back(valueEnv("MS_WORKER_NUM", "0"));
  roleEnv.push_back(valueEnv("MS_SCHED_PORT", std::to_string(schedulerPort)));
  roleEnv.push_back(valueEnv("MS_SCHED_MANAGE_PORT", std::to_string(managePort)));
  roleEnv.push_back(valueEnv("FL_CONTEXT_FILE", kFlContextPath));
  roleEnv.push_back(valueEnv("FL_CONFIG_FILE", kConfigJsonPath));
  for (const auto& var : ms.servers.env) roleEnv.push_back(envVar(var));
  nlohmann::json container{
      {"image", image},
      {"env", roleEnv},
      {"volumeMounts", {{{"name", "fl-config"}, {"mountPath", kConfigDir}, {"readOnly", true}}}}};
  if (pullPolicy) container["imagePullPolicy"] = *pullPolicy;
  if (!ms.servers.command.empty()) container["command"] = ms.servers.command;
  if (!ms.servers.args.empty()) container["args"] = ms.servers.args;
  return container;
}

}  // namespace detail
}  // namespace flop::flcluster
