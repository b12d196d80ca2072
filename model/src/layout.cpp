#include "flop/model/layout.hpp"

namespace flop::model {

std::string bufferPath(const std::string& component, const std::string& alias,
                       const std::string& model) {
  return "variables/data/" + component + "/" + alias + "/" + model;
}

std::string Layout::name() const {
  switch (generation) {
    case LayoutGeneration::Fate15to16:
      return "1.5-1.6";
    case LayoutGeneration::Fate17to18:
      return "1.7-1.8";
    case LayoutGeneration::Fate19Plus:
      return "1.9+";
  }
  return "unknown";
}

std::string Layout::describe() const {
  std::string out = "FATE " + name() + " layout (fate_version " +
                    (fateVersion.empty() ? std::string("unset") : fateVersion) + "; ";
  out += hasDescribe ? "define_meta has describe" : "define_meta without describe";
  out += hasDefineProto ? ", define/proto" : "";
  out += hasSidecars ? ", .json sidecars" : ", no .json sidecars";
  out += hasRunParameters ? ", run_parameters/" : "";
  out += hasRootPipeline ? ", root pipeline.pb" : "";
  out += hasLock ? ", .lock" : "";
  out += hasCheckpoints ? ", checkpoint/" : "";
  return out + ")";
}

Layout detectLayout(const ModelSource& source, const DefineMeta& meta,
                    const std::string& fateVersion) {
  Layout l;
  l.fateVersion = fateVersion;
  l.hasDescribe = meta.hasDescribe;
  for (const auto& e : source.entries()) {
    const auto& p = e.path;
    if (p.rfind("variables/data/", 0) == 0 && p.size() > 5 &&
        p.compare(p.size() - 5, 5, ".json") == 0) {
      l.hasSidecars = true;
    }
    if (p.rfind("run_parameters/", 0) == 0) l.hasRunParameters = true;
    if (p == ".lock") l.hasLock = true;
    if (p == "pipeline.pb") l.hasRootPipeline = true;
    if (p.rfind("define/proto/", 0) == 0) l.hasDefineProto = true;
    if (p.rfind("checkpoint/", 0) == 0) l.hasCheckpoints = true;
  }
  if (!l.hasSidecars && !l.hasRunParameters) {
    l.generation = LayoutGeneration::Fate15to16;
  } else if (l.hasDescribe || l.hasDefineProto) {
    l.generation = LayoutGeneration::Fate17to18;
  } else {
    l.generation = LayoutGeneration::Fate19Plus;
  }
  return l;
}

}  // namespace flop::model
