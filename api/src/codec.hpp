#pragma once
// Internal: one `describe(visitor, object)` function per struct lists its JSON fields once, and
// two visitors use it — Decoder (JSON -> C++, errors name the field path) and Encoder
// (C++ -> JSON, empty optional parts omitted). Reading and writing therefore cannot disagree.
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/api/common.hpp"
#include "flop/error.hpp"

namespace flop::api::detail {

using nlohmann::json;

// `S` is T or const T: describe() serves both the decoder (mutable) and the encoder (const).
template <class S, class T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

std::string type_name(const json& value);
std::string join_path(const std::string& parent, const std::string& key);

class Decoder;
class Encoder;

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// ---- decoding -------------------------------------------------------------------------------
void decode_value(const json& j, const std::string& path, std::string& out);
void decode_value(const json& j, const std::string& path, bool& out);
void decode_value(const json& j, const std::string& path, std::int32_t& out);
void decode_value(const json& j, const std::string& path, std::int64_t& out);
void decode_value(const json& j, const std::string& path, double& out);
void decode_value(const json& j, const std::string& path, json& out);
void decode_value(const json& j, const std::string& path, Quantity& out);
// Unknown metadata keys are kept in ObjectMeta::other.
void decode_value(const json& j, const std::string& path, ObjectMeta& out);

template <class T>
void decode_value(const json& j, const std::string& path, std::optional<T>& out);
template <class T>
void decode_value(const json& j, const std::string& path, std::vector<T>& out);
template <class T>
void decode_value(const json& j, const std::string& path, std::map<std::string, T>& out);
template <class T>
requires std::is_class_v<T>
void decode_value(const json& j, const std::string& path, T& out);

class Decoder {
 public:
  Decoder(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) {
      throw InvalidInput(path_.empty() ? "object" : path_,
                         "must be an object, got " + type_name(object_));
    }
  }
  // The key must be present (and not null).
  template <class T>
  void required(const char* key, T& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      throw InvalidInput(join_path(path_, key), "is required");
    }
    decode_value(*it, join_path(path_, key), out);
  }
  // An absent or null key leaves `out` at its default (nullopt, empty, null).
  template <class T>
  void optional(const char* key, T& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      out = T{};
      return;
    }
    decode_value(*it, join_path(path_, key), out);
  }
  const json& object() const { return object_; }
  const std::string& path() const { return path_; }

 private:
  const json& object_;
  std::string path_;
};

template <class T>
void decode_value(const json& j, const std::string& path, std::optional<T>& out) {
  T value{};
  decode_value(j, path, value);
  out = std::move(value);
}

template <class T>
void decode_value(const json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) throw InvalidInput(path, "must be an array, got " + type_name(j));
  out.clear();
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    T value{};
    decode_value(j[i], path + "[" + std::to_string(i) + "]", value);
    out.push_back(std::move(value));
  }
}

template <class T>
void decode_value(const json& j, const std::string& path, std::map<std::string, T>& out) {
  if (!j.is_object()) throw InvalidInput(path, "must be an object, got " + type_name(j));
  out.clear();
  for (const auto& [key, item] : j.items()) {
    T value{};
    decode_value(item, join_path(path, key), value);
    out.emplace(key, std::move(value));
  }
}

template <class T>
requires std::is_class_v<T>
void decode_value(const json& j, const std::string& path, T& out) {
  Decoder decoder(j, path);
  out = T{};
  describe(decoder, out);
}

// ---- encoding -------------------------------------------------------------------------------
json encode_value(const std::string& value);
json encode_value(bool value);
json encode_value(std::int32_t value);
json encode_value(std::int64_t value);
json encode_value(double value);
json encode_value(const json& value);
json encode_value(const Quantity& value);
json encode_value(const ObjectMeta& value);

template <class T>
json encode_value(const std::optional<T>& value);
template <class T>
json encode_value(const std::vector<T>& value);
template <class T>
json encode_value(const std::map<std::string, T>& value);
template <class T>
requires std::is_class_v<T> json encode_value(const T& value);

class Encoder {
 public:
  template <class T>
  void required(const char* key, const T& value) {
    object_[key] = encode_value(value);
  }
  // Omitted when unset: nullopt, an empty list or map, JSON null, or a struct with no field set.
  template <class T>
  void optional(const char* key, const T& value) {
    if (is_unset(value)) return;
    json encoded = encode_value(value);
    if (encoded.is_null()) return;
    if (is_plain_struct<T> && encoded.is_object() && encoded.empty()) return;
    object_[key] = std::move(encoded);
  }
  json take() { return std::move(object_); }

 private:
  template <class T>
  static constexpr bool is_plain_struct =
      std::is_class_v<T> && !std::is_same_v<T, std::string> && !std::is_same_v<T, json> &&
      !std::is_same_v<T, Quantity> && !IsOptional<T>::value;

  template <class T>
  static bool is_unset(const std::optional<T>& value) {
    return !value.has_value();
  }
  template <class T>
  static bool is_unset(const std::vector<T>& value) {
    return value.empty();
  }
  template <class T>
  static bool is_unset(const std::map<std::string, T>& value) {
    return value.empty();
  }
  template <class T>
  static bool is_unset(const T&) {
    return false;
  }

  json object_ = json::object();
};

template <class T>
json encode_value(const std::optional<T>& value) {
  return value ? encode_value(*value) : json();
}

template <class T>
json encode_value(const std::vector<T>& value) {
  json out = json::array();
  for (const auto& item : value) out.push_back(encode_value(item));
  return out;
}

template <class T>
json encode_value(const std::map<std::string, T>& value) {
  json out = json::object();
  for (const auto& [key, item] : value) out[key] = encode_value(item);
  return out;
}

template <class T>
requires std::is_class_v<T> json encode_value(const T& value) {
  Encoder encoder;
  describe(encoder, value);
  return encoder.take();
}

}  // namespace flop::api::detail
