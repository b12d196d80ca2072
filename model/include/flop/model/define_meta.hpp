#pragma once
// define/define_meta.yaml: which components a model has, their DSL module, and for each alias
// the buffers (file name -> protobuf message name).
#include <optional>
#include <string>
#include <vector>

namespace flop::model {

struct BufferDef {
  std::string modelName;    // file name under variables/data/<comp>/<alias>/
  std::string messageName;  // protobuf message class, e.g. LRModelParam
};

struct AliasDef {
  std::string alias;
  std::vector<BufferDef> buffers;
};

struct ComponentDef {
  std::string name;
  std::string module;  // DSL module_name (drives converter dispatch)
  std::vector<AliasDef> aliases;
};

struct DefineMeta {
  bool hasDescribe = false;  // 1.5-1.8 files start with `describe:`
  std::vector<ComponentDef> components;

  const ComponentDef* find(const std::string& name) const;
};

// Throws flop::InvalidInput naming `where` for malformed YAML or a missing section.
DefineMeta parseDefineMeta(const std::string& yamlText, const std::string& where);

// The file FATE-Flow 1.9+ regenerates from its database: no `describe`, components sorted by
// name, ruamel block style with 2-space indent.
std::string emitDefineMeta(const DefineMeta& meta);

}  // namespace flop::model
