#pragma once
// Runs a Job spec the operator created on this machine instead of a kubelet: every volume
// mount becomes a host directory (PVCs under one root, keyed by claim name and subPath;
// ConfigMaps written out from the fake API server; emptyDirs fresh), container paths in the
// args and env values are rewritten to those directories, env from secretKeyRef is read from
// the fake API server's Secrets, and the container's exact command/args/env are executed. The
// termination message file is read back like a kubelet.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_cluster.hpp"
#include "flop/base64.hpp"
#include "flop/error.hpp"

namespace flop::modelmigration::testing {

namespace fs = std::filesystem;

struct LocalRun {
  int exitCode = -1;
  std::string terminationMessage;
  std::string argv;  // the rewritten command line, for failure messages
};

class LocalJobRunner {
 public:
  // `pvcRoot/<claimName>` is a PVC's root; `scratch` holds emptyDirs, ConfigMaps and
  // termination logs; `binDir` is put first on PATH (where fl-model is).
  LocalJobRunner(fs::path pvcRoot, fs::path scratch, fs::path binDir)
      : pvcRoot_(std::move(pvcRoot)), scratch_(std::move(scratch)), binDir_(std::move(binDir)) {}

  LocalRun run(const nlohmann::json& job, const FakeCluster& cluster) const {
    const std::string name = job["metadata"]["name"];
    const std::string ns = job["metadata"]["namespace"];
    const auto& pod = job["spec"]["template"]["spec"];
    const auto& container = pod["containers"].at(0);
    const fs::path jobDir = scratch_ / name;
    fs::create_directories(jobDir);

    std::map<std::string, fs::path> mounts;  // container path -> host path
    for (const auto& mount : container.value("volumeMounts", nlohmann::json::array())) {
      const nlohmann::json& volume = findVolume(pod, mount["name"]);
      fs::path host;
      if (volume.contains("persistentVolumeClaim")) {
        host = pvcRoot_ / volume["persistentVolumeClaim"]["claimName"].get<std::string>();
      } else if (volume.contains("emptyDir")) {
        host = jobDir / ("emptydir-" + mount["name"].get<std::string>());
      } else if (volume.contains("configMap")) {
        const std::string cmName = volume["configMap"]["name"];
        host = jobDir / ("configmap-" + cmName);
        fs::create_directories(host);
        const auto configMap = cluster.get(kube::resources::configMaps, ns, cmName);
        if (!configMap) throw Error("Job " + name + " mounts missing ConfigMap " + cmName);
        for (const auto& [key, value] : configMap->at("data").items()) {
          std::ofstream(host / key) << value.get<std::string>();
        }
      } else {
        throw Error("Job " + name + ": volume kind not supported locally: " + volume.dump());
      }
      if (mount.contains("subPath")) host /= mount["subPath"].get<std::string>();
      fs::create_directories(host);  // kubelet creates a missing subPath
      mounts[mount["mountPath"]] = host;
    }
    const fs::path terminationLog = jobDir / "termination-log";
    std::ofstream(terminationLog).close();
    const std::string terminationPath =
        container.value("terminationMessagePath", "/dev/termination-log");

    auto rewrite = [&](const std::string& value) {
      if (value == terminationPath) return terminationLog.string();
      std::string best;
      for (const auto& [mountPath, host] : mounts) {
        const bool prefix = value == mountPath || value.rfind(mountPath + "/", 0) == 0;
        if (prefix && mountPath.size() > best.size()) best = mountPath;
      }
      return best.empty() ? value : mounts.at(best).string() + value.substr(best.size());
    };

    std::vector<std::string> argv;
    for (const auto& part : container.value("command", nlohmann::json::array())) {
      argv.push_back(rewrite(part));
    }
    for (const auto& part : container.value("args", nlohmann::json::array())) {
      argv.push_back(rewrite(part));
    }
    std::vector<std::string> env{"PATH=" + binDir_.string() + ":/usr/bin:/bin",
                                 "HOME=" + jobDir.string()};
    for (const auto& var : container.value("env", nlohmann::json::array())) {
      const std::string varName = var["name"];
      if (var.contains("value")) {
        env.push_back(varName + "=" + rewrite(var["value"]));
        continue;
      }
      const auto& ref = var["valueFrom"].at("secretKeyRef");
      const auto secret = cluster.get(kube::resources::secrets, ns, ref["name"]);
      if (!secret || !secret->contains("data") || !(*secret)["data"].contains(ref["key"])) {
        throw Error("Job " + name + ": env " + varName + " refers to a missing Secret key");
      }
      env.push_back(
          varName + "=" +
          base64Decode((*secret)["data"][ref["key"].get<std::string>()].get<std::string>(),
                       "Secret " + ref["name"].get<std::string>()));
    }

    LocalRun run;
    for (const auto& a : argv) run.argv += "'" + a + "' ";
    run.exitCode = execute(argv, env, jobDir / "log");
    std::ifstream in(terminationLog);
    std::ostringstream text;
    text << in.rdbuf();
    run.terminationMessage = text.str();
    return run;
  }

 private:
  static const nlohmann::json& findVolume(const nlohmann::json& pod, const nlohmann::json& name) {
    for (const auto& volume : pod["volumes"]) {
      if (volume["name"] == name) return volume;
    }
    throw Error("no volume " + name.dump());
  }

  static int execute(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const fs::path& log) {
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t child = fork();
    if (child == 0) {
      FILE* out = std::fopen(log.c_str(), "w");
      if (out) {
        dup2(fileno(out), 1);
        dup2(fileno(out), 2);
      }
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  fs::path pvcRoot_;
  fs::path scratch_;
  fs::path binDir_;
};

}  // namespace flop::modelmigration::testing
