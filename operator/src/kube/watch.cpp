#include "flop/kube/watch.hpp"

#include "flop/error.hpp"

namespace flop::kube {
namespace {
constexpr std::string_view kWhere = "watch stream";

std::string excerpt(std::string_view line) {
  constexpr std::size_t kMax = 120;
  return std::string(line.substr(0, kMax)) + (line.size() > kMax ? "..." : "");
}
}  // namespace

const char* toString(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::Added:
      return "ADDED";
    case WatchEvent::Type::Modified:
      return "MODIFIED";
    case WatchEvent::Type::Deleted:
      return "DELETED";
    case WatchEvent::Type::Bookmark:
      return "BOOKMARK";
    case WatchEvent::Type::Error:
      return "ERROR";
  }
  return "?";
}

std::vector<WatchEvent> WatchStreamParser::feed(std::string_view chunk) {
  std::vector<WatchEvent> events;
  // Parse complete lines straight from the chunk when nothing is buffered (the common case
  // for small events), so large streams are not copied twice.
  while (!chunk.empty()) {
    auto newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (buffer_.size() + chunk.size() > maxLine_)
        throw InvalidInput(std::string(kWhere), "line " + std::to_string(lineNumber_ + 1) +
                                                    " exceeds " + std::to_string(maxLine_) +
                                                    " bytes");
      buffer_.append(chunk);
      break;
    }
    std::string_view line = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    if (buffer_.empty()) {
      if (!line.empty() && line != "\r") events.push_back(parseLine(line));
    } else {
      buffer_.append(line);
      std::string whole;
      whole.swap(buffer_);
      events.push_back(parseLine(whole));
    }
  }
  return events;
}

std::vector<WatchEvent> WatchStreamParser::finish() {
  std::vector<WatchEvent> events;
  if (buffer_.find_first_not_of(" \t\r\n") != std::string::npos) {
    std::string whole;
    whole.swap(buffer_);
    events.push_back(parseLine(whole));
  }
  buffer_.clear();
  return events;
}

WatchEvent WatchStreamParser::parseLine(std::string_view line) {
  ++lineNumber_;
  auto where = [&] { return std::string(kWhere); };
  auto prefix = [&] { return "line " + std::to_string(lineNumber_) + ": "; };
  // {"type":..,"object":{"metadata":{"managedFields":..}}}: the key sits at depth 3.
  Json::parser_callback_t dropManagedFields = [](int depth, Json::parse_event_t event,
                                                 Json& value) {
    return !(depth == 3 && event == Json::parse_event_t::key && value == "managedFields");
  };
  Json parsed = Json::parse(line.begin(), line.end(),
                            dropManagedFields_ ? dropManagedFields : nullptr, false);
  if (parsed.is_discarded())
    throw InvalidInput(where(), prefix() + "not valid JSON: " + excerpt(line));
  if (!parsed.is_object() || !parsed.contains("type") || !parsed["type"].is_string())
    throw InvalidInput(where(), prefix() + "no \"type\" field: " + excerpt(line));
  auto object = parsed.find("object");
  if (object == parsed.end() || !object->is_object())
    throw InvalidInput(where(), prefix() + "no \"object\" field: " + excerpt(line));
  const std::string& type = parsed["type"].get_ref<const std::string&>();
  WatchEvent event{WatchEvent::Type::Added, std::move(*object)};
  if (type == "ADDED")
    event.type = WatchEvent::Type::Added;
  else if (type == "MODIFIED")
    event.type = WatchEvent::Type::Modified;
  else if (type == "DELETED")
    event.type = WatchEvent::Type::Deleted;
  else if (type == "BOOKMARK")
    event.type = WatchEvent::Type::Bookmark;
  else if (type == "ERROR")
    event.type = WatchEvent::Type::Error;
  else
    throw InvalidInput(where(), prefix() + "unknown event type \"" + type + "\"");
  return event;
}

}  // namespace flop::kube
