#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <random>
#include <vector>

#include "flop/error.hpp"
#include "flop/model/output_writer.hpp"

#include <spdlog/spdlog.h>
#include "isal_deflate.hpp"
#include "zip_file_io.hpp"

namespace flop::model {

namespace fs = std::filesystem;

namespace {

fs::path temporaryBeside(const fs::path& destination) {
  std::random_device rd;
  return destination.parent_path() / ("." + destination.filename().string() + ".tmp-" +
                                      std::to_string(::getpid()) + "-" + std::to_string(rd()));
}

void refuseExisting(const fs::path& destination) {
  if (fs::exists(fs::symlink_status(destination))) {
    throw InvalidInput(destination.string(), "already exists; refusing to overwrite");
  }
  if (!fs::is_directory(destination.parent_path())) {
    throw InvalidInput(destination.parent_path().string(), "output directory does not exist");
  }
}

// A libzip source whose data is produced piece by piece and deflated here (ISA-L, much faster
// than the zlib libzip would use) when libzip first asks about the entry, during zip_close:
// libzip then copies the deflated bytes as they are. Only the entry's compressed bytes are held,
// and only until libzip has written them.
struct LazySource {
  std::function<ChunkProducer()> open;
  bool deflated = false;
  std::string compressed;
  uint64_t compressedSize = 0;
  uint64_t size = 0;
  uint32_t crc = 0;
  time_t mtime = 0;
  size_t offset = 0;
  std::string error;  // first exception message
  zip_error_t zerr;

  void deflate() {
    if (deflated) return;
    IsalDeflater deflater;
    auto producer = open();
    std::string piece;
    for (bool more = true; more;) {
      piece.clear();
      more = producer(piece);
      deflater.add(piece, !more);
    }
    compressed = deflater.takeCompressed();
    compressedSize = compressed.size();
    size = deflater.size();
    crc = deflater.crc();
    mtime = std::time(nullptr);
    deflated = true;
  }
};

zip_int64_t lazyCallback(void* userdata, void* out, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* s = static_cast<LazySource*>(userdata);
  try {
    switch (cmd) {
      case ZIP_SOURCE_OPEN:
        s->deflate();
        s->offset = 0;
        return 0;
      case ZIP_SOURCE_READ: {
        const size_t n = std::min<size_t>(len, s->compressed.size() - s->offset);
        std::memcpy(out, s->compressed.data() + s->offset, n);
        s->offset += n;
        return static_cast<zip_int64_t>(n);
      }
      case ZIP_SOURCE_CLOSE:
        s->compressed = std::string();  // written: only the sizes and CRC are still asked for
        return 0;
      case ZIP_SOURCE_STAT:
        s->deflate();
        return statDeflated(out, s->size, s->compressedSize, s->crc, s->mtime);
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&s->zerr, out, len);
      case ZIP_SOURCE_FREE:
        return 0;
      case ZIP_SOURCE_SUPPORTS:
        return deflatedSourceSupports();
      default:
        zip_error_set(&s->zerr, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  } catch (const std::exception& e) {
    if (s->error.empty()) s->error = e.what();
    zip_error_set(&s->zerr, ZIP_ER_INTERNAL, 0);
    return -1;
  }
}

class ZipWriter final : public OutputWriter {
 public:
  ZipWriter(fs::path destination, int level, bool digest)
      : destination_(std::move(destination)),
        temp_(temporaryBeside(destination_)),
        sink_(temp_, digest),
        level_(level) {
    refuseExisting(destination_);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t* src = sink_.source(&ze);
    if (src) {
      za_ = zip_open_from_source(src, ZIP_CREATE | ZIP_EXCL, &ze);
      if (!za_) zip_source_free(src);
    }
    const std::string reason = za_ ? "" : zip_error_strerror(&ze);
    zip_error_fini(&ze);
    if (!za_) throw Error(temp_.string() + ": cannot create zip: " + reason);
  }
  ~ZipWriter() override {
    if (za_) zip_discard(za_);
    std::error_code ec;
    if (!committed_) fs::remove(temp_, ec);
  }

  // Entries copied file to file are written first (libzip writes in the order entries are
  // added), so where each lands is known in advance; everything else is added at commit.
  void addDirectory(const std::string& path) override {
    deferred_.push_back([this, path] {
      if (zip_dir_add(za_, path.substr(0, path.size() - 1).c_str(), ZIP_FL_ENC_UTF_8) < 0) {
        fail(path);
      }
    });
  }
  void addBytes(const std::string& path, std::string bytes) override {
    // libzip reads the buffer at close time; keep it alive until then.
    auto& kept = kept_.emplace_back(std::move(bytes));
    deferred_.push_back([this, path, &kept] { addBuffer(path, kept); });
  }
  void addStreamed(const std::string& path, std::function<ChunkProducer()> open) override {
    auto& lazy = lazy_.emplace_back(std::make_unique<LazySource>());
    lazy->open = std::move(open);
    deferred_.push_back([this, path, source = lazy.get()] { addLazy(path, *source); });
  }
  void addUnchanged(const std::string& path, const ModelSource& source) override {
    const auto index = source.zipIndex(path);
    if (source.zipHandle() == nullptr || index < 0) {
      addBytes(path, source.read(path));
      return;
    }
    // A deflated entry's compressed bytes are copied file to file by the sink, at once; any
    // other entry by libzip (start 0, length -1: the compressed data, not recompressed).
    if (const auto raw = source.rawZipEntry(path)) {
      addRaw(path, *raw);
      return;
    }
    deferred_.push_back([this, path, &source, index] {
      zip_source_t* src =
          zip_source_zip(za_, source.zipHandle(), static_cast<zip_uint64_t>(index), 0, 0, -1);
      if (!src) fail(path);
      if (zip_file_add(za_, path.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(src);
        fail(path);
      }
    });
  }
  fs::path commit() override {
    for (auto& add : deferred_) add();
    deferred_.clear();
    return close();
  }
  std::string committedSha256() const override { return committed_ ? sink_.sha256() : ""; }

 private:
  // A raw entry's data is copied with copy_file_range, which is fastest when source and output
  // offsets agree modulo the page size (each output page then comes from one source page, not
  // two). A padding extra field in the local header (as zipalign does; readers skip unknown
  // fields) moves the data there. The offset is predicted from the entries before it, all raw;
  // a wrong prediction would cost speed, never correctness.
  void addRaw(const std::string& path, const RawZipEntry& raw) {
    constexpr uint64_t kPage = 4096, kLocalHeader = 30, kFieldHeader = 4;
    constexpr zip_uint16_t kPaddingFieldId = 0xD935;  // the id zipalign uses for its padding
    zip_source_t* src = sink_.rawCopySource(za_, raw);
    if (!src) fail(path);
    const auto idx = zip_file_add(za_, path.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      fail(path);
    }
    const uint64_t base = rawEnd_ + kLocalHeader + path.size() + kFieldHeader;
    const uint64_t pad = (raw.dataOffset % kPage + kPage - base % kPage) % kPage;
    const std::vector<zip_uint8_t> zeros(pad, 0);
    if (zip_file_extra_field_set(za_, static_cast<zip_uint64_t>(idx), kPaddingFieldId,
                                 ZIP_EXTRA_FIELD_NEW, zeros.data(), static_cast<zip_uint16_t>(pad),
                                 ZIP_FL_LOCAL) < 0) {
      fail(path);
    }
    rawEnd_ = base + pad + raw.compSize;
  }
  void addBuffer(const std::string& path, const std::string& kept) {
    zip_source_t* src = zip_source_buffer(za_, kept.data(), kept.size(), 0);
    if (!src) fail(path);
    const auto idx = zip_file_add(za_, path.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      fail(path);
    }
    zip_set_file_compression(za_, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE,
                             static_cast<zip_uint32_t>(level_));
  }
  void addLazy(const std::string& path, LazySource& lazy) {
    zip_error_init(&lazy.zerr);
    zip_source_t* src = zip_source_function(za_, lazyCallback, &lazy);
    if (!src) fail(path);
    const auto idx = zip_file_add(za_, path.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      fail(path);
    }
  }
  fs::path close() {
    if (zip_close(za_) != 0) {
      std::string msg = zip_strerror(za_);
      for (const auto& l : lazy_) {
        if (!l->error.empty()) msg = l->error;  // the real cause, naming the buffer
      }
      zip_discard(za_);
      za_ = nullptr;
      throw Error(temp_.string() + ": writing zip failed: " + msg);
    }
    za_ = nullptr;
    kept_.clear();
    spdlog::debug("{}: {} bytes copied file to file, {} read back to hash, {} header guess misses",
                  destination_.string(), sink_.rawCopiedBytes(), sink_.readBackBytes(),
                  sink_.headerGuessMisses());
    refuseExisting(destination_);
    fs::rename(temp_, destination_);
    committed_ = true;
    return destination_;
  }
  [[noreturn]] void fail(const std::string& path) {
    throw Error(temp_.string() + ": adding '" + path + "' failed: " + zip_strerror(za_));
  }
  fs::path destination_;
  fs::path temp_;
  HashingFileSink sink_;  // the file libzip writes, hashed as it is written
  int level_;
  zip_t* za_ = nullptr;
  std::deque<std::string> kept_;
  std::vector<std::unique_ptr<LazySource>> lazy_;
  std::vector<std::function<void()>> deferred_;  // entries added at commit, after the raw ones
  uint64_t rawEnd_ = 0;                          // where the raw entries written so far end
  bool committed_ = false;
};

class DirWriter final : public OutputWriter {
 public:
  explicit DirWriter(fs::path destination)
      : destination_(std::move(destination)), temp_(temporaryBeside(destination_)) {
    refuseExisting(destination_);
    fs::create_directory(temp_);
  }
  ~DirWriter() override {
    std::error_code ec;
    if (!committed_) fs::remove_all(temp_, ec);
  }
  void addDirectory(const std::string& path) override { fs::create_directories(temp_ / path); }
  void addBytes(const std::string& path, std::string bytes) override {
    const fs::path target = temp_ / path;
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error(target.string() + ": write failed");
  }
  void addStreamed(const std::string& path, std::function<ChunkProducer()> open) override {
    const fs::path target = temp_ / path;
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    const ChunkProducer next = open();
    std::string piece;
    for (bool more = true; more;) {
      piece.clear();
      more = next(piece);
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    }
    if (!out) throw Error(target.string() + ": write failed");
  }
  void addUnchanged(const std::string& path, const ModelSource& source) override {
    addBytes(path, source.read(path));
  }
  fs::path commit() override {
    refuseExisting(destination_);
    fs::rename(temp_, destination_);
    committed_ = true;
    return destination_;
  }

 private:
  fs::path destination_;
  fs::path temp_;
  bool committed_ = false;
};

}  // namespace

void OutputWriter::addGenerated(const std::string& path, std::function<std::string()> produce) {
  auto shared = std::make_shared<std::function<std::string()>>(std::move(produce));
  addStreamed(path, [shared]() -> ChunkProducer {
    return [shared, done = false](std::string& out) mutable {
      if (done) return false;
      out = (*shared)();
      done = true;
      return true;
    };
  });
}

std::unique_ptr<OutputWriter> makeZipWriter(const fs::path& destination, int deflateLevel,
                                            bool digest) {
  return std::make_unique<ZipWriter>(destination, deflateLevel, digest);
}

std::unique_ptr<OutputWriter> makeDirWriter(const fs::path& destination) {
  return std::make_unique<DirWriter>(destination);
}

}  // namespace flop::model
