#pragma once
// Structured logging through spdlog: key=value text or one JSON object per line.
#include <string>

namespace flop::manager {

// Sets the default logger. level: trace|debug|info|warn|error; format: text|json.
void setupLogging(const std::string& level, const std::string& format);

// Escapes `value` for a JSON string or a quoted key=value field.
std::string quoteForLog(const std::string& value);

}  // namespace flop::manager
