#include "flop/model/define_meta.hpp"

#include <algorithm>
#include <map>

#include <yaml-cpp/yaml.h>

#include "flop/error.hpp"

namespace flop::model {

const ComponentDef* DefineMeta::find(const std::string& name) const {
  for (const auto& c : components) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

DefineMeta parseDefineMeta(const std::string& yamlText, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yamlText);
  } catch (const YAML::Exception& e) {
    throw InvalidInput(where, std::string("not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw InvalidInput(where, "expected a mapping at the top level");
  DefineMeta meta;
  meta.hasDescribe = static_cast<bool>(root["describe"]);
  const auto defines = root["component_define"];
  const auto protos = root["model_proto"];
  if (!protos || !protos.IsMap()) throw InvalidInput(where, "missing mapping `model_proto`");
  if (defines && !defines.IsMap()) throw InvalidInput(where, "`component_define` is not a mapping");
  try {
    for (const auto& comp : protos) {
      ComponentDef c;
      c.name = comp.first.as<std::string>();
      if (defines && defines[c.name] && defines[c.name]["module_name"]) {
        c.module = defines[c.name]["module_name"].as<std::string>();
      }
      if (!comp.second.IsMap()) {
        throw InvalidInput(where, "model_proto." + c.name + " is not a mapping");
      }
      for (const auto& alias : comp.second) {
        AliasDef a;
        a.alias = alias.first.as<std::string>();
        if (!alias.second.IsMap()) {
          throw InvalidInput(where, "model_proto." + c.name + "." + a.alias + " is not a mapping");
        }
        for (const auto& buf : alias.second) {
          a.buffers.push_back({buf.first.as<std::string>(), buf.second.as<std::string>()});
        }
        c.aliases.push_back(std::move(a));
      }
      meta.components.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    throw InvalidInput(where, std::string("unexpected YAML shape: ") + e.what());
  }
  return meta;
}

std::string emitDefineMeta(const DefineMeta& meta) {
  std::vector<const ComponentDef*> sorted;
  for (const auto& c : meta.components) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  std::string out = "component_define:\n";
  for (const auto* c : sorted) {
    out += "  " + c->name + ":\n    module_name: " + c->module + "\n";
  }
  out += "model_proto:\n";
  for (const auto* c : sorted) {
    out += "  " + c->name + ":\n";
    for (const auto& a : c->aliases) {
      out += "    " + a.alias + ":\n";
      for (const auto& b : a.buffers) out += "      " + b.modelName + ": " + b.messageName + "\n";
    }
  }
  return out;
}

}  // namespace flop::model
