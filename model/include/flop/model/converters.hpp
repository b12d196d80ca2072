#pragma once
// FATE's per-component model converters (federatedml protobuf/model_migrate), dispatched on the
// DSL module name exactly as FATE does. Only the Param buffer is rewritten; Meta never changes.
#include <memory>
#include <string>

#include <google/protobuf/message.h>

#include "flop/model/party_rename.hpp"

namespace flop::model {

// True when FATE has a converter for `module` in that generation (DataTransform only from 1.9).
bool hasConverter(const std::string& module, ConverterGeneration gen);

// A new, empty message of a class named in define_meta.yaml, or nullptr when fl-model has no
// schema for it (such buffers are copied byte for byte and only checked for wire validity).
std::unique_ptr<google::protobuf::Message> newMessage(const std::string& messageName);

// Parses `bytes` as `messageName` the way FATE's reader does (the 5-byte DefaultEmptyFillMessage
// stands for an empty message). Throws flop::InvalidInput naming `where` when it does not parse.
std::unique_ptr<google::protobuf::Message> parseBuffer(const std::string& messageName,
                                                       const std::string& bytes,
                                                       const std::string& where);

// True when `bytes` is a valid protobuf wire encoding (any message).
bool isValidWire(const std::string& bytes);

// Rewrites the Param message of a component in place. `param` must be the message class the
// module's converter expects; throws flop::InvalidInput otherwise or when FATE would fail.
void convertParam(const std::string& module, google::protobuf::Message& param,
                  const PartyRenamer& renamer, const std::string& where);

// The 5 bytes FATE stores for an empty message.
inline constexpr std::string_view kEmptyFill{"\x0a\x03set", 5};

}  // namespace flop::model
