#pragma once
// What a model copy looks like on disk, and which FATE generation wrote it. Detected from the
// files present, never guessed silently: `describe()` says what was found.
#include <string>

#include "flop/model/define_meta.hpp"
#include "flop/model/model_source.hpp"

namespace flop::model {

inline constexpr const char* kDefineMetaPath = "define/define_meta.yaml";
inline constexpr const char* kPipelinePath = "variables/data/pipeline/pipeline/Pipeline";

enum class LayoutGeneration { Fate15to16, Fate17to18, Fate19Plus };

struct Layout {
  LayoutGeneration generation = LayoutGeneration::Fate19Plus;
  bool hasSidecars = false;       // variables/data/**/<Model>.json
  bool hasRunParameters = false;  // run_parameters/
  bool hasLock = false;           // .lock
  bool hasRootPipeline = false;   // pipeline.pb
  bool hasDescribe = false;       // define_meta.yaml `describe:`
  bool hasDefineProto = false;    // define/proto/
  bool hasCheckpoints = false;    // checkpoint/
  std::string fateVersion;        // Pipeline.fate_version

  std::string name() const;      // "1.5-1.6", "1.7-1.8", "1.9+"
  std::string describe() const;  // the evidence, for messages
};

Layout detectLayout(const ModelSource& source, const DefineMeta& meta,
                    const std::string& fateVersion);

// variables/data/<comp>/<alias>/<model>
std::string bufferPath(const std::string& component, const std::string& alias,
                       const std::string& model);

}  // namespace flop::model
