#include "api_docs.hpp"

#include <algorithm>
#include <sstream>

#include "flop/error.hpp"

namespace flop::api::tools {

using nlohmann::json;

namespace {

// Markdown table cells cannot hold raw pipes or newlines.
std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string code(const std::string& text) { return "`" + cell(text) + "`"; }

std::string type_of(const json& schema) {
  if (schema.value("x-kubernetes-int-or-string", false)) return "int-or-string";
  const std::string type = schema.value("type", "");
  if (type == "array") return "[]" + type_of(schema.at("items"));
  if (type == "object" && schema.contains("additionalProperties")) {
    return "map[string]" + type_of(schema["additionalProperties"]);
  }
  if (type == "object" && schema.value("x-kubernetes-preserve-unknown-fields", false)) {
    return "object (free-form)";
  }
  if (type.empty()) return "any";
  if (schema.contains("format") && (type == "integer" || type == "string")) {
    return type + " (" + schema["format"].get<std::string>() + ")";
  }
  return type;
}

bool is_immutable(const json& schema) {
  for (const auto& rule : schema.value("x-kubernetes-validations", json::array())) {
    if (rule.value("rule", "") == "self == oldSelf") return true;
  }
  return false;
}

std::string constraints_of(const json& schema) {
  std::vector<std::string> parts;
  if (schema.contains("enum")) {
    std::string values;
    for (const auto& value : schema["enum"]) {
      if (!values.empty()) values += ", ";
      values += code(value.is_string() ? value.get<std::string>() : value.dump());
    }
    parts.push_back("one of " + values);
  }
  if (schema.contains("pattern")) parts.push_back("pattern " + code(schema["pattern"]));
  const auto bound = [&](const char* key, const char* label) {
    if (schema.contains(key)) parts.push_back(std::string(label) + " " + schema[key].dump());
  };
  const bool exclusive_min = schema.value("exclusiveMinimum", false);
  const bool exclusive_max = schema.value("exclusiveMaximum", false);
  bound("minimum", exclusive_min ? ">" : ">=");
  bound("maximum", exclusive_max ? "<" : "<=");
  bound("minLength", "min length");
  bound("maxLength", "max length");
  bound("minItems", "min items");
  bound("maxItems", "max items");
  bound("minProperties", "min properties");
  bound("maxProperties", "max properties");
  if (schema.contains("x-kubernetes-list-type")) {
    std::string list = "list " + schema["x-kubernetes-list-type"].get<std::string>();
    if (schema.contains("x-kubernetes-list-map-keys")) {
      std::string keys;
      for (const auto& key : schema["x-kubernetes-list-map-keys"]) {
        keys += (keys.empty() ? "" : ", ") + key.get<std::string>();
      }
      list += " by " + keys;
    }
    parts.push_back(list);
  }
  if (is_immutable(schema)) parts.push_back("**immutable**");
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

struct Walker {
  std::ostringstream& fields;
  std::vector<std::pair<std::string, json>> rules;  // (field path, rule)

  void walk(const json& schema, const std::string& path, bool required) {
    if (!path.empty()) {
      fields << "| " << code(path) << " | " << cell(type_of(schema)) << " | "
             << (required ? "yes" : "") << " | " << constraints_of(schema) << " | "
             << cell(schema.value("description", "")) << " |\n";
    }
    collect_rules(schema, path);
    const std::string type = schema.value("type", "");
    if (type == "array") {
      collect_rules(schema.at("items"), path + "[]");  // rules on each element
      walk_children(schema.at("items"), path + "[]");
      return;
    }
    walk_children(schema, path);
  }

  void collect_rules(const json& schema, const std::string& path) {
    for (const auto& rule : schema.value("x-kubernetes-validations", json::array())) {
      if (rule.value("rule", "") == "self == oldSelf") continue;  // shown as "immutable"
      rules.emplace_back(path + rule.value("fieldPath", ""), rule);
    }
  }

  void walk_children(const json& schema, const std::string& path) {
    const json required = schema.value("required", json::array());
    const json properties = schema.value("properties", json::object());
    for (const auto& [name, property] : properties.items()) {
      const bool is_required =
          std::find(required.begin(), required.end(), json(name)) != required.end();
      walk(property, path.empty() ? name : path + "." + name, is_required);
    }
    if (schema.contains("additionalProperties") &&
        schema["additionalProperties"].contains("properties")) {
      walk_children(schema["additionalProperties"], path + ".*");
    }
  }
};

void render_kind(std::ostringstream& out, const json& crd) {
  const json& names = crd.at("spec").at("names");
  const json& version = crd.at("spec").at("versions").at(0);
  const json& schema = version.at("schema").at("openAPIV3Schema");
  const std::string kind = names.at("kind");
  out << "\n## " << kind << "\n\n" << schema.value("description", "") << "\n\n";
  std::string short_names;
  for (const auto& name : names.value("shortNames", json::array())) {
    short_names += (short_names.empty() ? "" : ", ") + code(name);
  }
  std::string categories;
  for (const auto& name : names.value("categories", json::array())) {
    categories += (categories.empty() ? "" : ", ") + code(name);
  }
  out << "- Resource: "
      << code(names.at("plural").get<std::string>() + "." +
              crd.at("spec").at("group").get<std::string>())
      << ", " << crd.at("spec").at("scope").get<std::string>() << ", version "
      << code(version.at("name")) << "\n";
  out << "- Short names: " << short_names << "; categories: " << categories << "\n";
  std::string subresources;
  const json subresource_specs = version.value("subresources", json::object());
  for (const auto& [name, value] : subresource_specs.items()) {
    subresources += (subresources.empty() ? "" : ", ") + code(name);
    if (name == "scale") {
      subresources += " (spec " + code(value.at("specReplicasPath")) + ", status " +
                      code(value.at("statusReplicasPath")) + ", selector " +
                      code(value.at("labelSelectorPath")) + ")";
    }
  }
  out << "- Subresources: " << subresources << "\n";
  out << "\n### Printer columns\n\n| column | JSONPath | shown |\n|---|---|---|\n";
  for (const auto& column : version.value("additionalPrinterColumns", json::array())) {
    out << "| " << cell(column.at("name")) << " | " << code(column.at("jsonPath")) << " | "
        << (column.value("priority", 0) > 0 ? "`-o wide`" : "always") << " |\n";
  }
  std::ostringstream fields;
  Walker walker{fields, {}};
  walker.walk(schema.at("properties").at("spec"), "spec", true);
  out << "\n### Spec fields\n\n| field | type | required | constraints | description |\n"
      << "|---|---|---|---|---|\n"
      << fields.str();
  if (!walker.rules.empty()) {
    out << "\n### Cross-field rules (CEL)\n\n| field | rule | message |\n|---|---|---|\n";
    for (const auto& [field, rule] : walker.rules) {
      out << "| " << code(field) << " | " << code(rule.value("rule", "")) << " | "
          << cell(rule.value("message", "")) << " |\n";
    }
  }
  std::ostringstream status_fields;
  Walker status_walker{status_fields, {}};
  status_walker.walk(schema.at("properties").at("status"), "status", false);
  out << "\n### Status fields\n\n| field | type | required | constraints | description |\n"
      << "|---|---|---|---|---|\n"
      << status_fields.str();
}

}  // namespace

std::string render_api_reference(const std::vector<json>& crds) {
  std::ostringstream out;
  for (const auto& crd : crds) render_kind(out, crd);
  return out.str();
}

std::string replace_generated_part(const std::string& document, const std::string& generated) {
  const auto marker = document.find(kGeneratedMarker);
  if (marker == std::string::npos) {
    throw InvalidInput("docs/api.md", std::string("marker line missing: ") + kGeneratedMarker);
  }
  return document.substr(0, marker) + kGeneratedMarker + "\n" + generated;
}

}  // namespace flop::api::tools
