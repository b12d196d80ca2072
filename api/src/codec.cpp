#include "codec.hpp"

namespace flop::api::detail {

std::string type_name(const json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

void decode_value(const json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) throw InvalidInput(path, "must be a string, got " + type_name(j));
  out = j.get<std::string>();
}

void decode_value(const json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) throw InvalidInput(path, "must be a boolean, got " + type_name(j));
  out = j.get<bool>();
}

namespace {
std::int64_t decode_integer(const json& j, const std::string& path, std::int64_t min,
                            std::int64_t max) {
  if (!j.is_number_integer()) throw InvalidInput(path, "must be an integer, got " + type_name(j));
  if (j.is_number_unsigned() &&
      j.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw InvalidInput(path, "integer " + j.dump() + " is out of range");
  }
  const auto value = j.get<std::int64_t>();
  if (value < min || value > max) {
    throw InvalidInput(path, "integer " + std::to_string(value) + " is out of range [" +
                                 std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}
}  // namespace

void decode_value(const json& j, const std::string& path, std::int32_t& out) {
  out = static_cast<std::int32_t>(decode_integer(j, path, std::numeric_limits<std::int32_t>::min(),
                                                 std::numeric_limits<std::int32_t>::max()));
}

void decode_value(const json& j, const std::string& path, std::int64_t& out) {
  out = decode_integer(j, path, std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::int64_t>::max());
}

void decode_value(const json& j, const std::string& path, double& out) {
  if (!j.is_number()) throw InvalidInput(path, "must be a number, got " + type_name(j));
  out = j.get<double>();
}

void decode_value(const json& j, const std::string&, json& out) { out = j; }

void decode_value(const json& j, const std::string& path, Quantity& out) {
  if (j.is_string()) {
    out = j.get<std::string>();
  } else if (j.is_number_integer()) {
    std::int64_t value = 0;
    decode_value(j, path, value);
    out = value;
  } else {
    throw InvalidInput(path, "must be a quantity (string or integer), got " + type_name(j));
  }
}

json encode_value(const std::string& value) { return value; }
json encode_value(bool value) { return value; }
json encode_value(std::int32_t value) { return value; }
json encode_value(std::int64_t value) { return value; }
json encode_value(double value) { return value; }
json encode_value(const json& value) { return value; }
json encode_value(const Quantity& value) {
  return std::visit([](const auto& v) { return json(v); }, value);
}

}  // namespace flop::api::detail
