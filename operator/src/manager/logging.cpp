#include "flop/manager/logging.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "flop/error.hpp"

namespace flop::manager {

std::string quoteForLog(const std::string& value) {
  // nlohmann::json already escapes JSON strings; invalid UTF-8 is replaced, never thrown.
  std::string quoted =
      nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

namespace {
// %* in a pattern: the message escaped for a JSON string, so a quote in a message cannot break
// the line's JSON.
class EscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto text = quoteForLog(std::string(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<EscapedMessage>();
  }
};
}  // namespace

void setupLogging(const std::string& level, const std::string& format) {
  auto logger = spdlog::get("fl-operator");
  if (!logger) logger = spdlog::stderr_logger_mt("fl-operator");
  if (format == "json") {
    // Messages are "text key=value ..." and are embedded as one JSON string field.
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<EscapedMessage>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else if (format == "text") {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  } else {
    throw InvalidInput("--log-format", "expected json or text, got \"" + format + "\"");
  }
  auto parsed = spdlog::level::from_str(level);
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace flop::manager
