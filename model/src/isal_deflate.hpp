#pragma once
// Raw deflate (what a zip entry holds) with Intel's ISA-L igzip at its level 1: about 4x faster
// than zlib's level 1 on the SecureBoost sidecars for a similar size (zlib is what libzip would
// use). Fed piece by piece; the compressed bytes grow in memory (a fraction of the entry).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace flop::model {

class IsalDeflater {
 public:
  IsalDeflater();
  ~IsalDeflater();
  IsalDeflater(const IsalDeflater&) = delete;
  IsalDeflater& operator=(const IsalDeflater&) = delete;

  // The next piece of the entry; `last` ends the deflate stream (a piece may be empty).
  void add(std::string_view piece, bool last);
  // After the last piece: the compressed bytes (moved out), CRC-32 and size of the input.
  std::string takeCompressed();
  uint32_t crc() const { return crc_; }
  uint64_t size() const { return size_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string out_;
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
};

// CRC-32 (the zip/gzip one), continued from `crc` (0 to start).
uint32_t crc32Continue(uint32_t crc, std::string_view data);

}  // namespace flop::model
