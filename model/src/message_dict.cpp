#include "flop/model/message_dict.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "flop/model/pyjson.hpp"

namespace flop::model {

namespace gp = google::protobuf;

namespace {

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

Json doubleValue(double d) {
  // MessageToDict turns non-finite doubles into strings.
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

Json toDict(const gp::Message& message, const KnownJsonNames* known);

Json scalar(const gp::Message& m, const gp::FieldDescriptor* f, int index,
            const KnownJsonNames* known) {
  const auto* r = m.GetReflection();
  const bool rep = index >= 0;
  using T = gp::FieldDescriptor;
  switch (f->cpp_type()) {
    case T::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case T::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case T::CPPTYPE_INT64:
      return std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case T::CPPTYPE_UINT64:
      return std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case T::CPPTYPE_DOUBLE:
      return doubleValue(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
    case T::CPPTYPE_FLOAT:
      return doubleValue(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
    case T::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case T::CPPTYPE_ENUM: {
      const auto* e = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
      return e->name();
    }
    case T::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() == T::TYPE_BYTES) return base64(s);
      return s;
    }
    case T::CPPTYPE_MESSAGE:
      return toDict(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), known);
  }
  return nullptr;
}

std::string mapKey(const gp::Message& entry) {
  const auto* f = entry.GetDescriptor()->map_key();
  const auto* r = entry.GetReflection();
  using T = gp::FieldDescriptor;
  switch (f->cpp_type()) {
    case T::CPPTYPE_INT32:
      return std::to_string(r->GetInt32(entry, f));
    case T::CPPTYPE_INT64:
      return std::to_string(r->GetInt64(entry, f));
    case T::CPPTYPE_UINT32:
      return std::to_string(r->GetUInt32(entry, f));
    case T::CPPTYPE_UINT64:
      return std::to_string(r->GetUInt64(entry, f));
    case T::CPPTYPE_BOOL:
      return r->GetBool(entry, f) ? "true" : "false";
    default:
      return r->GetString(entry, f);
  }
}

Json fieldValue(const gp::Message& m, const gp::FieldDescriptor* f, const KnownJsonNames* known) {
  const auto* r = m.GetReflection();
  if (f->is_map()) {
    Json obj = Json::object();
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) {
      const auto& entry = r->GetRepeatedMessage(m, f, i);
      obj[mapKey(entry)] = scalar(entry, f->message_type()->map_value(), -1, known);
    }
    return obj;
  }
  if (f->is_repeated()) {
    Json arr = Json::array();
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) arr.push_back(scalar(m, f, i, known));
    return arr;
  }
  return scalar(m, f, -1, known);
}

bool allowed(const gp::FieldDescriptor* f, const KnownJsonNames* known) {
  return known == nullptr || known->count(f->json_name()) > 0;
}

Json toDict(const gp::Message& message, const KnownJsonNames* known) {
  Json out = Json::object();
  const auto* r = message.GetReflection();
  std::vector<const gp::FieldDescriptor*> set;
  r->ListFields(message, &set);  // field-number order
  for (const auto* f : set) {
    if (allowed(f, known)) out[f->json_name()] = fieldValue(message, f, known);
  }
  const auto* d = message.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if ((!f->is_repeated() && f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) ||
        f->containing_oneof() != nullptr || !allowed(f, known) || out.contains(f->json_name())) {
      continue;
    }
    if (f->is_map()) {
      out[f->json_name()] = Json::object();
    } else if (f->is_repeated()) {
      out[f->json_name()] = Json::array();
    } else {
      out[f->json_name()] = fieldValue(message, f, known);
    }
  }
  return out;
}

void collect(const Json& v, KnownJsonNames& names) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      names.insert(it.key());
      collect(it.value(), names);
    }
  } else if (v.is_array()) {
    for (const auto& item : v) collect(item, names);
  }
}

}  // namespace

KnownJsonNames collectJsonNames(const Json& sidecar) {
  KnownJsonNames names;
  collect(sidecar, names);
  return names;
}

Json messageToDict(const gp::Message& message, const KnownJsonNames* known) {
  return toDict(message, known);
}

}  // namespace flop::model
