#pragma once
// JSON exactly as FATE writes it. FATE stores JSON documents inside protobuf bytes fields and in
// sidecar files using Python's json.dumps; re-dumping a document we loaded must reproduce it byte
// for byte (separators ", " and ": ", ensure_ascii, insertion order, Python float repr).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace flop::model {

// Insertion-ordered, like a Python dict.
using Json = nlohmann::ordered_json;

// Parses a JSON document; throws flop::InvalidInput naming `where` when it is not valid JSON.
Json parseJson(std::string_view text, const std::string& where);

// Python json.dumps(value): one line, ", " / ": " separators, ASCII-only output.
std::string pyDumps(const Json& value);

// Python json.dumps(value, indent=N): newline + N spaces per level, "," / ": " separators.
std::string pyDumpsIndented(const Json& value, int indent);

// Appends a JSON string literal exactly as json.dumps writes it (ensure_ascii).
void appendPyString(std::string& out, const std::string& s);

// Python repr() of a float: shortest round-trip digits, exponent form below 1e-4 or from 1e16.
std::string pyFloatRepr(double value);
// The same, appended to `out` without temporaries.
void appendPyFloat(std::string& out, double value);

}  // namespace flop::model
