#pragma once
// `fl-model fetch URL --sha256 HEX --output FILE`: the transfer step's download of a model
// archive. The body is streamed to a temporary file beside FILE while its sha256 is computed;
// FILE appears (atomic rename) only when the digest matches, so a reader never sees a partial or
// wrong archive.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "flop/error.hpp"
#include "flop/http/transport.hpp"

namespace flop::model {

// The server answered but not with the archive (non-2xx status) or the bytes are not the ones
// expected. Unreachable servers and I/O failures are flop::http::TransportError / flop::Error.
class FetchError : public Error {
 public:
  enum class Kind { HttpStatus, Sha256Mismatch };
  FetchError(Kind kind, int httpStatus, const std::string& what)
      : Error(what), kind_(kind), httpStatus_(httpStatus) {}
  Kind kind() const noexcept { return kind_; }
  int httpStatus() const noexcept { return httpStatus_; }

 private:
  Kind kind_;
  int httpStatus_;
};

struct FetchResult {
  std::filesystem::path path;
  std::string sha256;
  uint64_t bytes = 0;
  bool downloaded = true;  // false: FILE already held exactly these bytes
};

// `sha256Hex` must be 64 hex digits (flop::InvalidInput otherwise); the parent of `output` must
// exist. An existing `output` with the expected digest is kept without downloading; otherwise it
// is replaced only by a verified download.
FetchResult fetchToFile(http::Transport& transport, const std::string& url,
                        const std::string& sha256Hex, const std::filesystem::path& output,
                        std::chrono::milliseconds timeout = std::chrono::minutes(10));

// scheme://host[:port]/path of `url`: no user info and no query (they may carry credentials).
std::string redactUrl(const std::string& url);

}  // namespace flop::model
