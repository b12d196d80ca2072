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

void appendDouble(std::string& out, double d) {
  // MessageToDict turns non-finite doubles into strings.
  if (std::isnan(d)) {
    out += "\"NaN\"";
  } else if (std::isinf(d)) {
    out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    out += pyFloatRepr(d);
  }
}

void appendMessage(std::string& out, const gp::Message& m, const KnownJsonNames* known);

void appendScalar(std::string& out, const gp::Message& m, const gp::FieldDescriptor* f, int index,
                  const KnownJsonNames* known) {
  const auto* r = m.GetReflection();
  const bool rep = index >= 0;
  using T = gp::FieldDescriptor;
  switch (f->cpp_type()) {
    case T::CPPTYPE_INT32:
      out += std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case T::CPPTYPE_UINT32:
      out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case T::CPPTYPE_INT64:  // 64-bit integers are strings in MessageToDict
      out += '"' + std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)) + '"';
      break;
    case T::CPPTYPE_UINT64:
      out +=
          '"' + std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)) + '"';
      break;
    case T::CPPTYPE_DOUBLE:
      appendDouble(out, rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
      break;
    case T::CPPTYPE_FLOAT:
      appendDouble(out, rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
      break;
    case T::CPPTYPE_BOOL:
      out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case T::CPPTYPE_ENUM:
      appendPyString(out, (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name());
      break;
    case T::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      appendPyString(out, f->type() == T::TYPE_BYTES ? base64(s) : s);
      break;
    }
    case T::CPPTYPE_MESSAGE:
      appendMessage(out, rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), known);
      break;
  }
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

void appendField(std::string& out, const gp::Message& m, const gp::FieldDescriptor* f,
                 const KnownJsonNames* known) {
  const auto* r = m.GetReflection();
  if (f->is_map()) {
    out += '{';
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) {
      if (i) out += ", ";
      const auto& entry = r->GetRepeatedMessage(m, f, i);
      appendPyString(out, mapKey(entry));
      out += ": ";
      appendScalar(out, entry, f->message_type()->map_value(), -1, known);
    }
    out += '}';
  } else if (f->is_repeated()) {
    out += '[';
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) {
      if (i) out += ", ";
      appendScalar(out, m, f, i, known);
    }
    out += ']';
  } else {
    appendScalar(out, m, f, -1, known);
  }
}

bool allowed(const gp::FieldDescriptor* f, const KnownJsonNames* known) {
  return known == nullptr || known->count(f->json_name()) > 0;
}

void appendMessage(std::string& out, const gp::Message& message, const KnownJsonNames* known) {
  const auto* r = message.GetReflection();
  std::vector<const gp::FieldDescriptor*> set;
  r->ListFields(message, &set);  // field-number order
  bool first = true;
  auto key = [&](const gp::FieldDescriptor* f) {
    if (!first) out += ", ";
    first = false;
    appendPyString(out, f->json_name());
    out += ": ";
  };
  out += '{';
  for (const auto* f : set) {
    if (!allowed(f, known)) continue;
    key(f);
    appendField(out, message, f, known);
  }
  // Then every unset field (declaration order), except singular sub-messages and oneofs.
  const auto* d = message.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if ((!f->is_repeated() && f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) ||
        f->containing_oneof() != nullptr || !allowed(f, known) ||
        std::find(set.begin(), set.end(), f) != set.end()) {
      continue;
    }
    key(f);
    appendField(out, message, f, known);
  }
  out += '}';
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

std::string messageToPyJson(const gp::Message& message, const KnownJsonNames* known) {
  std::string out;
  appendMessage(out, message, known);
  return out;
}

Json messageToDict(const gp::Message& message, const KnownJsonNames* known) {
  return parseJson(messageToPyJson(message, known), message.GetDescriptor()->name());
}

}  // namespace flop::model
