#include "isal_deflate.hpp"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "flop/error.hpp"

namespace flop::model {

struct IsalDeflater::State {
  isal_zstream stream{};
  std::vector<uint8_t> levelBuffer = std::vector<uint8_t>(ISAL_DEF_LVL1_DEFAULT);
  bool ended = false;
};

IsalDeflater::IsalDeflater() : state_(std::make_unique<State>()) {
  auto& s = state_->stream;
  isal_deflate_init(&s);
  s.level = 1;
  s.level_buf = state_->levelBuffer.data();
  s.level_buf_size = static_cast<uint32_t>(state_->levelBuffer.size());
  s.gzip_flag = IGZIP_DEFLATE;  // raw deflate, no gzip/zlib framing
  s.flush = NO_FLUSH;
}

IsalDeflater::~IsalDeflater() = default;

void IsalDeflater::add(std::string_view piece, bool last) {
  if (state_->ended) throw Error("deflate: data after the end of the stream");
  auto& s = state_->stream;
  // igzip counts output in 32 bits; a bigger entry would need zip64 sizes anyway.
  if (size_ + piece.size() >= (uint64_t{1} << 32) - (uint64_t{1} << 20))
    throw Error("deflate: an entry of 4 GiB or more is not supported");
  crc_ = crc32Continue(crc_, piece);
  size_ += piece.size();
  s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(piece.data()));
  s.avail_in = static_cast<uint32_t>(piece.size());
  s.end_of_stream = last ? 1 : 0;
  for (;;) {
    if (s.avail_out == 0) {  // room for at least the input again (stored blocks never exceed it)
      const size_t used = s.total_out;
      out_.resize(std::max<size_t>(out_.size() * 2, used + piece.size() + 4096));
      s.next_out = reinterpret_cast<uint8_t*>(out_.data()) + used;
      s.avail_out = static_cast<uint32_t>(
          std::min<size_t>(out_.size() - used, std::numeric_limits<uint32_t>::max()));
    }
    if (isal_deflate(&s) != COMP_OK) throw Error("deflate: ISA-L igzip failed");
    const bool inputTaken = s.avail_in == 0;
    const bool done = last ? s.internal_state.state == ZSTATE_END : inputTaken;
    if (done && s.avail_out > 0) break;
  }
  if (last) {
    state_->ended = true;
    out_.resize(s.total_out);
    out_.shrink_to_fit();  // held until libzip writes it: no doubling slack
  }
}

std::string IsalDeflater::takeCompressed() {
  if (!state_->ended) throw Error("deflate: stream not ended");
  return std::move(out_);
}

uint32_t crc32Continue(uint32_t crc, std::string_view data) {
  return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

}  // namespace flop::model
