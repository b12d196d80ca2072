#pragma once
// The `.json` sidecars FATE 1.7+ writes next to every buffer: protobuf's Python
// MessageToDict(including_default_value_fields=True), then json.dumps. Set fields come first in
// field-number order, then unset scalars/repeated/maps in declaration order; unset sub-messages
// are omitted; int64 as strings; bytes base64; enums by name.
#include <set>
#include <string>

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

// The same as a JSON value (for inspection and tests).
Json messageToDict(const google::protobuf::Message& message, const KnownJsonNames* known = nullptr);

}  // namespace flop::model
