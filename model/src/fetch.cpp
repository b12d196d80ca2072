#include "flop/model/fetch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>

#include "flop/model/digest.hpp"

namespace flop::model {

namespace fs = std::filesystem;

namespace {

std::string normalizedSha256(const std::string& hex) {
  std::string out = hex;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool valid = out.size() == 64 && std::all_of(out.begin(), out.end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c));
                     });
  if (!valid) throw InvalidInput("--sha256", "expected 64 hex digits, got '" + hex + "'");
  return out;
}

// The temporary download: created exclusively beside the destination, removed unless kept.
class PartFile {
 public:
  explicit PartFile(const fs::path& destination) {
    std::random_device rd;
    path_ = destination.parent_path() / ("." + destination.filename().string() + ".part-" +
                                         std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(path_.string() + ": cannot create: " + std::strerror(errno));
  }
  ~PartFile() {
    if (fd_ >= 0) ::close(fd_);
    std::error_code ec;
    if (!kept_) fs::remove(path_, ec);
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(path_.string() + ": write failed: " + std::strerror(errno));
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Flushes to disk and renames over `destination`.
  void commit(const fs::path& destination) {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      throw Error(path_.string() + ": flush failed: " + std::strerror(errno));
    }
    fd_ = -1;
    fs::rename(path_, destination);
    kept_ = true;
  }

 private:
  fs::path path_;
  int fd_ = -1;
  bool kept_ = false;
};

}  // namespace

std::string redactUrl(const std::string& url) {
  const auto scheme = url.find("://");
  const size_t hostStart = scheme == std::string::npos ? 0 : scheme + 3;
  std::string out = url.substr(0, hostStart);
  std::string rest = url.substr(hostStart);
  const auto cut = rest.find_first_of("?#");
  if (cut != std::string::npos) rest.erase(cut);
  const auto slash = rest.find('/');
  const auto at = rest.rfind('@', slash);
  if (at != std::string::npos) rest.erase(0, at + 1);
  return out + rest;
}

FetchResult fetchToFile(http::Transport& transport, const std::string& url,
                        const std::string& sha256Hex, const fs::path& output,
                        std::chrono::milliseconds timeout) {
  const std::string want = normalizedSha256(sha256Hex);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw InvalidInput(redactUrl(url), "only http:// and https:// URLs are fetched");
  }
  const fs::path destination = fs::absolute(output).lexically_normal();
  if (!fs::is_directory(destination.parent_path())) {
    throw InvalidInput(destination.parent_path().string(), "output directory does not exist");
  }
  if (fs::is_directory(destination)) {
    throw InvalidInput(destination.string(), "is a directory; --output names the archive file");
  }
  FetchResult result;
  result.path = destination;
  if (fs::is_regular_file(destination) && fileSha256Hex(destination) == want) {
    result.sha256 = want;
    result.bytes = fs::file_size(destination);
    result.downloaded = false;
    return result;
  }

  PartFile part(destination);
  Sha256Stream digest;
  http::Request request;
  request.method = "GET";
  request.url = url;
  request.timeout = timeout;
  const std::string where = redactUrl(url);
  http::Response response;
  try {
    response = transport.stream(request, [&](std::string_view chunk) {
      part.write(chunk);
      digest.update(chunk);
      result.bytes += chunk.size();
      return true;
    });
  } catch (const http::TransportError& e) {
    // Messages name the URL without credentials.
    std::string msg = e.what();
    for (auto pos = msg.find(url); pos != std::string::npos; pos = msg.find(url, pos)) {
      msg.replace(pos, url.size(), where);
      pos += where.size();
    }
    throw http::TransportError(e.kind(), msg);
  }
  if (response.status < 200 || response.status >= 300) {
    // A short, one-line excerpt of what the server said.
    std::string body;
    for (const char c : response.body.substr(0, 400)) {
      const bool blank = !std::isprint(static_cast<unsigned char>(c)) || c == ' ';
      if (blank && (body.empty() || body.back() == ' ')) continue;
      body += blank ? ' ' : c;
    }
    if (body.size() > 200) body.resize(200);
    throw FetchError(FetchError::Kind::HttpStatus, response.status,
                     where + ": HTTP " + std::to_string(response.status) +
                         (body.empty() ? "" : " (" + body + ")"));
  }
  result.sha256 = digest.hexDigest();
  if (result.sha256 != want) {
    throw FetchError(FetchError::Kind::Sha256Mismatch, response.status,
                     where + ": sha256 of the " + std::to_string(result.bytes) +
                         " bytes received is " + result.sha256 + ", expected " + want +
                         "; nothing written");
  }
  part.commit(destination);
  return result;
}

}  // namespace flop::model
