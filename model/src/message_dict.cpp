#include "flop/model/message_dict.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "boosting_tree.pb.h"
#include "flop/model/pyjson.hpp"

namespace flop::model {

namespace gp = google::protobuf;
namespace buf = com::webank::ai::fate::core::mlmodel::buffer;

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
    appendPyFloat(out, d);
  }
}

// A map entry's key: its text as MessageToDict writes it, and its value for ordering.
struct MapKey {
  std::string text;
  int64_t signedValue = 0;
  uint64_t unsignedValue = 0;
  const gp::Message* entry = nullptr;
};

MapKey mapKey(const gp::Message& entry) {
  const auto* f = entry.GetDescriptor()->map_key();
  const auto* r = entry.GetReflection();
  MapKey k;
  k.entry = &entry;
  using T = gp::FieldDescriptor;
  switch (f->cpp_type()) {
    case T::CPPTYPE_INT32:
      k.signedValue = r->GetInt32(entry, f);
      k.text = std::to_string(k.signedValue);
      break;
    case T::CPPTYPE_INT64:
      k.signedValue = r->GetInt64(entry, f);
      k.text = std::to_string(k.signedValue);
      break;
    case T::CPPTYPE_UINT32:
      k.unsignedValue = r->GetUInt32(entry, f);
      k.text = std::to_string(k.unsignedValue);
      break;
    case T::CPPTYPE_UINT64:
      k.unsignedValue = r->GetUInt64(entry, f);
      k.text = std::to_string(k.unsignedValue);
      break;
    case T::CPPTYPE_BOOL:
      k.signedValue = r->GetBool(entry, f);
      k.text = k.signedValue ? "true" : "false";
      break;
    default:
      k.text = r->GetString(entry, f);
  }
  return k;
}

// Map entries in key order (numeric keys by value), as deterministic serialization orders them:
// the hash order protobuf iterates in depends on memory layout, and FATE's own order cannot be
// reproduced anyway (fate-model-format.md 9.3).
std::vector<MapKey> sortedMapKeys(const gp::Message& m, const gp::Reflection* r,
                                  const gp::FieldDescriptor* f) {
  std::vector<MapKey> keys;
  const int n = r->FieldSize(m, f);
  keys.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) keys.push_back(mapKey(r->GetRepeatedMessage(m, f, i)));
  const bool isString =
      f->message_type()->map_key()->cpp_type() == gp::FieldDescriptor::CPPTYPE_STRING;
  std::sort(keys.begin(), keys.end(), [isString](const MapKey& a, const MapKey& b) {
    if (isString) return a.text < b.text;
    if (a.signedValue != b.signedValue) return a.signedValue < b.signedValue;
    return a.unsignedValue < b.unsignedValue;
  });
  return keys;
}

void appendInt(std::string& out, auto value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  out.append(buf, end);
}

}  // namespace

// What MessageToDict needs of one message type, computed once per type and writer: the fields in
// number order (set fields come first in that order), the unset fields that are still written
// (declaration order), and each key already escaped.
struct PyJsonWriter::TypeInfo {
  const gp::Reflection* reflection = nullptr;
  std::vector<const gp::FieldDescriptor*> byNumber;
  std::vector<std::string> keyByNumber;  // "\"jsonName\": "
  // Index into byNumber of every field that is written when unset, in declaration order.
  std::vector<size_t> unsetOrder;
};

PyJsonWriter::PyJsonWriter(const KnownJsonNames* known, bool generatedFastPaths)
    : known_(known), generatedFastPaths_(generatedFastPaths) {}
PyJsonWriter::~PyJsonWriter() = default;

const PyJsonWriter::TypeInfo& PyJsonWriter::info(const gp::Message& m) {
  const auto* d = m.GetDescriptor();
  auto& slot = types_[d];
  if (slot) return *slot;
  slot = std::make_unique<TypeInfo>();
  auto& t = *slot;
  t.reflection = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (known_ == nullptr || known_->count(f->json_name()) > 0) t.byNumber.push_back(f);
  }
  std::sort(t.byNumber.begin(), t.byNumber.end(),
            [](const auto* a, const auto* b) { return a->number() < b->number(); });
  for (const auto* f : t.byNumber) {
    std::string key;
    appendPyString(key, f->json_name());
    key += ": ";
    t.keyByNumber.push_back(std::move(key));
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    // Unset singular sub-messages and oneof members are omitted.
    if ((!f->is_repeated() && f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) ||
        f->containing_oneof() != nullptr) {
      continue;
    }
    const auto it = std::find(t.byNumber.begin(), t.byNumber.end(), f);
    if (it != t.byNumber.end())
      t.unsetOrder.push_back(static_cast<size_t>(it - t.byNumber.begin()));
  }
  return t;
}

void PyJsonWriter::appendScalar(std::string& out, const gp::Message& m, const gp::Reflection* r,
                                const gp::FieldDescriptor* f, int index) {
  const bool rep = index >= 0;
  using T = gp::FieldDescriptor;
  switch (f->cpp_type()) {
    case T::CPPTYPE_INT32:
      appendInt(out, rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case T::CPPTYPE_UINT32:
      appendInt(out, rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case T::CPPTYPE_INT64:  // 64-bit integers are strings in MessageToDict
      out += '"';
      appendInt(out, rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      out += '"';
      break;
    case T::CPPTYPE_UINT64:
      out += '"';
      appendInt(out, rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      out += '"';
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
      appendMessage(out, rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
      break;
  }
}

void PyJsonWriter::appendField(std::string& out, const gp::Message& m, const gp::Reflection* r,
                               const gp::FieldDescriptor* f) {
  if (f->is_map()) {
    out += '{';
    bool first = true;
    for (const auto& key : sortedMapKeys(m, r, f)) {
      if (!first) out += ", ";
      first = false;
      appendPyString(out, key.text);
      out += ": ";
      appendScalar(out, *key.entry, key.entry->GetReflection(), f->message_type()->map_value(), -1);
    }
    out += '}';
  } else if (f->is_repeated()) {
    out += '[';
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) {
      if (i) out += ", ";
      appendScalar(out, m, r, f, i);
    }
    out += ']';
  } else {
    appendScalar(out, m, r, f, -1);
  }
}

bool PyJsonWriter::isSet(const gp::Message& m, const gp::Reflection* r,
                         const gp::FieldDescriptor* f) {
  return f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
}

std::vector<size_t> PyJsonWriter::emissionOrder(const gp::Message& m) {
  const auto& t = info(m);
  std::vector<size_t> order;
  std::vector<char> set(t.byNumber.size());
  for (size_t i = 0; i < t.byNumber.size(); ++i) {
    set[i] = isSet(m, t.reflection, t.byNumber[i]);
    if (set[i]) order.push_back(i);
  }
  for (const auto i : t.unsetOrder) {
    if (!set[i]) order.push_back(i);
  }
  return order;
}

namespace {

// MessageToDict's order: present fields by number, then the fields it writes when absent, in
// declaration order. `present(i)` and `value(i)` take an index into `t.byNumber`.
template <typename Info, typename Present, typename Value>
void appendInDictOrder(std::string& out, const Info& t, Present present, Value value) {
  const size_t n = t.byNumber.size();
  // Presence of each field, on the stack for the usual small message.
  constexpr size_t kSmall = 64;
  bool small[kSmall];
  std::vector<char> large(n > kSmall ? n : 0);
  auto seen = [&](size_t i) -> bool { return n > kSmall ? large[i] : small[i]; };
  bool first = true;
  out += '{';
  for (size_t i = 0; i < n; ++i) {
    const bool s = present(i);
    if (n > kSmall) {
      large[i] = s;
    } else {
      small[i] = s;
    }
    if (!s) continue;
    if (!first) out += ", ";
    first = false;
    out += t.keyByNumber[i];
    value(i);
  }
  for (const auto i : t.unsetOrder) {
    if (seen(i)) continue;
    if (!first) out += ", ";
    first = false;
    out += t.keyByNumber[i];
    value(i);
  }
  out += '}';
}

}  // namespace

// A SecureBoost sidecar is hundreds of thousands of NodeParams; reflection was a quarter of a
// migration's CPU. The same rules through the generated accessors: present = not the default
// (doubles by their bits, as protobuf's proto3 presence does, so -0.0 is present), present fields
// by number, then absent ones in declaration order; keys and the field filter from TypeInfo.
bool PyJsonWriter::appendGenerated(std::string& out, const gp::Message& m) {
  if (m.GetDescriptor() != buf::NodeParam::descriptor()) return false;
  const auto* node = dynamic_cast<const buf::NodeParam*>(&m);
  if (node == nullptr) return false;
  const auto& n = *node;
  if (nodeParamInfo_ == nullptr) nodeParamInfo_ = &info(m);
  const auto& t = *nodeParamInfo_;
  auto present = [&n](int number) {
    switch (number) {
      case buf::NodeParam::kIdFieldNumber:
        return n.id() != 0;
      case buf::NodeParam::kSitenameFieldNumber:
        return !n.sitename().empty();
      case buf::NodeParam::kFidFieldNumber:
        return n.fid() != 0;
      case buf::NodeParam::kBidFieldNumber:
        return std::bit_cast<uint64_t>(n.bid()) != 0;
      case buf::NodeParam::kWeightFieldNumber:
        return std::bit_cast<uint64_t>(n.weight()) != 0;
      case buf::NodeParam::kIsLeafFieldNumber:
        return n.is_leaf();
      case buf::NodeParam::kLeftNodeidFieldNumber:
        return n.left_nodeid() != 0;
      case buf::NodeParam::kRightNodeidFieldNumber:
        return n.right_nodeid() != 0;
      case buf::NodeParam::kMissingDirFieldNumber:
        return n.missing_dir() != 0;
      case buf::NodeParam::kMoWeightFieldNumber:
        return n.mo_weight_size() > 0;
    }
    return false;
  };
  auto value = [&n, &out](int number) {
    switch (number) {
      case buf::NodeParam::kIdFieldNumber:
        return appendInt(out, n.id());
      case buf::NodeParam::kSitenameFieldNumber:
        return appendPyString(out, n.sitename());
      case buf::NodeParam::kFidFieldNumber:
        return appendInt(out, n.fid());
      case buf::NodeParam::kBidFieldNumber:
        return appendDouble(out, n.bid());
      case buf::NodeParam::kWeightFieldNumber:
        return appendDouble(out, n.weight());
      case buf::NodeParam::kIsLeafFieldNumber:
        out += n.is_leaf() ? "true" : "false";
        return;
      case buf::NodeParam::kLeftNodeidFieldNumber:
        return appendInt(out, n.left_nodeid());
      case buf::NodeParam::kRightNodeidFieldNumber:
        return appendInt(out, n.right_nodeid());
      case buf::NodeParam::kMissingDirFieldNumber:
        return appendInt(out, n.missing_dir());
      case buf::NodeParam::kMoWeightFieldNumber:
        out += '[';
        for (int i = 0; i < n.mo_weight_size(); ++i) {
          if (i) out += ", ";
          appendDouble(out, n.mo_weight(i));
        }
        out += ']';
        return;
    }
  };
  appendInDictOrder(
      out, t, [&](size_t i) { return present(t.byNumber[i]->number()); },
      [&](size_t i) { value(t.byNumber[i]->number()); });
  return true;
}

void PyJsonWriter::appendMessage(std::string& out, const gp::Message& m) {
  if (generatedFastPaths_ && appendGenerated(out, m)) return;
  const auto& t = info(m);
  const auto* r = t.reflection;
  appendInDictOrder(
      out, t, [&](size_t i) { return isSet(m, r, t.byNumber[i]); },
      [&](size_t i) { appendField(out, m, r, t.byNumber[i]); });
}

namespace {

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
  PyJsonWriter(known).appendMessage(out, message);
  return out;
}

MessageJsonStream::MessageJsonStream(const gp::Message& message, const KnownJsonNames* known)
    : message_(message), writer_(known), order_(writer_.emissionOrder(message)) {}

bool MessageJsonStream::next(std::string& out, size_t atLeast) {
  if (done_) return false;
  const auto& t = writer_.info(message_);
  const auto* r = t.reflection;
  if (field_ == 0 && !inField_ && !started_) {
    out += '{';
    started_ = true;
  }
  while (out.size() < atLeast && field_ < order_.size()) {
    const auto i = order_[field_];
    const auto* f = t.byNumber[i];
    if (!inField_) {
      if (field_ > 0) out += ", ";
      out += t.keyByNumber[i];
      if (!f->is_repeated() || f->is_map() ||
          f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) {
        writer_.appendField(out, message_, r, f);
        ++field_;
        continue;
      }
      // A repeated message field (SecureBoost's trees) goes out one element at a time.
      out += '[';
      inField_ = true;
      element_ = 0;
      elements_ = r->FieldSize(message_, f);
    }
    if (element_ < elements_) {
      if (element_ > 0) out += ", ";
      writer_.appendMessage(out, r->GetRepeatedMessage(message_, f, element_));
      ++element_;
      continue;
    }
    out += ']';
    inField_ = false;
    ++field_;
  }
  if (field_ == order_.size()) {
    out += '}';
    done_ = true;
  }
  return true;
}

Json messageToDict(const gp::Message& message, const KnownJsonNames* known) {
  return parseJson(messageToPyJson(message, known), message.GetDescriptor()->name());
}

}  // namespace flop::model
