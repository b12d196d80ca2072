#pragma once
// The watch stream: newline-delimited JSON events arriving in arbitrary chunks.
#include <string>
#include <string_view>
#include <vector>

#include "flop/kube/object.hpp"

namespace flop::kube {

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };
  Type type;
  Json object;  // the object; for Error a Status; for Bookmark only metadata.resourceVersion
};

const char* toString(WatchEvent::Type type);

// Incremental parser: feed chunks as they arrive (lines may be split anywhere, several may
// share a chunk); each complete line yields one event. A line that is not a watch event throws
// InvalidInput("watch stream", ...) — the stream is then unusable and must be restarted.
class WatchStreamParser {
 public:
  explicit WatchStreamParser(std::size_t maxLineBytes = 64u << 20, bool dropManagedFields = false)
      : maxLine_(maxLineBytes), dropManagedFields_(dropManagedFields) {}
  std::vector<WatchEvent> feed(std::string_view chunk);
  // Call at end of stream: a trailing line without newline is parsed; returns its event if any.
  std::vector<WatchEvent> finish();
  std::size_t buffered() const { return buffer_.size(); }

 private:
  WatchEvent parseLine(std::string_view line);
  std::string buffer_;
  std::size_t maxLine_;
  bool dropManagedFields_;
  std::size_t lineNumber_ = 0;
};

}  // namespace flop::kube
