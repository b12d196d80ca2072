#pragma once
// Hex digests FATE uses: `<zip>.sha1` sidecars (1.5.2-1.8) and sha256 archive hashes (1.9+).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace flop::model {

std::string sha1Hex(std::string_view bytes);
std::string sha256Hex(std::string_view bytes);
// Streams the file; memory does not grow with its size.
std::string fileSha1Hex(const std::filesystem::path& file);
std::string fileSha256Hex(const std::filesystem::path& file);

// sha256 of data fed in pieces (a download as it arrives). A copy carries the state so far
// (a checkpoint to return to).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream& other);
  Sha256Stream& operator=(const Sha256Stream& other);
  void update(std::string_view bytes);
  std::string hexDigest();  // ends the stream

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace flop::model
