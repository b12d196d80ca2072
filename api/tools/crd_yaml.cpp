#include "crd_yaml.hpp"

#include <regex>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "flop/error.hpp"

namespace flop::api::tools {

namespace {
nlohmann::json plain_scalar(const std::string& text) {
  static const std::regex integer(R"([-+]?[0-9]+)");
  static const std::regex floating(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (std::regex_match(text, integer)) return std::stoll(text);
  if (std::regex_match(text, floating)) return std::stod(text);
  return text;
}

nlohmann::json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // Tag "!" marks a quoted (non-plain) scalar: always a string.
      return node.Tag() == "!" ? nlohmann::json(node.Scalar()) : plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& item : node) out[item.first.Scalar()] = to_json(item.second);
      return out;
    }
    case YAML::NodeType::Undefined:
      break;
  }
  throw Error("undefined YAML node");
}
}  // namespace

std::vector<nlohmann::json> load_yaml_documents(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAllFromFile(file.string());
  } catch (const YAML::Exception& e) {
    throw InvalidInput(file.string(), e.what());
  }
  for (const auto& doc : docs) {
    if (!doc.IsNull()) out.push_back(to_json(doc));
  }
  return out;
}

nlohmann::json load_yaml(const std::filesystem::path& file) {
  auto docs = load_yaml_documents(file);
  if (docs.size() != 1) {
    throw InvalidInput(file.string(),
                       "expected one YAML document, found " + std::to_string(docs.size()));
  }
  return docs.front();
}

}  // namespace flop::api::tools
