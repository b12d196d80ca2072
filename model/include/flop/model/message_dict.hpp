#pragma once
// The `.json` sidecars FATE 1.7+ writes next to every buffer: protobuf's Python
// MessageToDict(including_default_value_fields=True), then json.dumps. Set fields come first in
// field-number order, then unset scalars/repeated/maps in declaration order; unset sub-messages
// are omitted; int64 as strings; bytes base64; enums by name.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "flop/model/pyjson.hpp"

namespace flop::model {

// The field names a sidecar's generation of the schema knows. FATE 1.7/1.8 wrote sidecars with
// older protos; when rewriting such a sidecar only the names it already used are kept.
using KnownJsonNames = std::set<std::string>;

// Collects every object key in a sidecar (map keys included; harmless as a filter).
KnownJsonNames collectJsonNames(const Json& sidecar);

// json.dumps(MessageToDict(message)) written straight to text (sidecars can be hundreds of MB;
// no intermediate tree). When `known` is given, fields whose JSON name is not in it are left out.
std::string messageToPyJson(const google::protobuf::Message& message,
                            const KnownJsonNames* known = nullptr);

// Writes messages as json.dumps(MessageToDict(...)) does. Keeps what it learns about each message
// type (field order, escaped keys), so one writer is meant for one document; not thread-safe.
class PyJsonWriter {
 public:
  // `generatedFastPaths`: write SecureBoost's NodeParam through its generated accessors (the
  // same output; off only to compare the two in tests).
  explicit PyJsonWriter(const KnownJsonNames* known = nullptr, bool generatedFastPaths = true);
  ~PyJsonWriter();
  PyJsonWriter(const PyJsonWriter&) = delete;
  PyJsonWriter& operator=(const PyJsonWriter&) = delete;

  void appendMessage(std::string& out, const google::protobuf::Message& message);

 private:
  friend class MessageJsonStream;
  struct TypeInfo;
  const TypeInfo& info(const google::protobuf::Message& m);
  // Indexes (into TypeInfo::byNumber) of the fields written for `m`, in output order.
  std::vector<size_t> emissionOrder(const google::protobuf::Message& m);
  static bool isSet(const google::protobuf::Message& m, const google::protobuf::Reflection* r,
                    const google::protobuf::FieldDescriptor* f);
  void appendField(std::string& out, const google::protobuf::Message& m,
                   const google::protobuf::Reflection* r,
                   const google::protobuf::FieldDescriptor* f);
  void appendScalar(std::string& out, const google::protobuf::Message& m,
                    const google::protobuf::Reflection* r,
                    const google::protobuf::FieldDescriptor* f, int index);
  bool appendGenerated(std::string& out, const google::protobuf::Message& m);

  const KnownJsonNames* known_;
  bool generatedFastPaths_;
  const TypeInfo* nodeParamInfo_ = nullptr;  // info() of NodeParam, looked up once
  std::map<const google::protobuf::Descriptor*, std::unique_ptr<TypeInfo>> types_;
};

// messageToPyJson in pieces, so a sidecar of hundreds of MB is never held whole: the top-level
// fields one by one, a repeated message field (SecureBoost's trees) element by element. The
// message must outlive the stream and stay unchanged.
class MessageJsonStream {
 public:
  explicit MessageJsonStream(const google::protobuf::Message& message,
                             const KnownJsonNames* known = nullptr);
  // Appends the next pieces to `out` until it holds at least `atLeast` bytes or the document
  // ends; returns false (appending nothing) once the whole document has been produced.
  bool next(std::string& out, size_t atLeast);

 private:
  const google::protobuf::Message& message_;
  PyJsonWriter writer_;
  std::vector<size_t> order_;
  size_t field_ = 0;
  bool started_ = false, inField_ = false, done_ = false;
  int element_ = 0, elements_ = 0;
};

// The same as a JSON value (for inspection and tests).
Json messageToDict(const google::protobuf::Message& message, const KnownJsonNames* known = nullptr);

}  // namespace flop::model
