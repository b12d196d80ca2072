#include <unistd.h>
#include <zip.h>

#include <deque>
#include <fstream>
#include <random>

#include "flop/error.hpp"
#include "flop/model/output_writer.hpp"

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

class ZipWriter final : public OutputWriter {
 public:
  ZipWriter(fs::path destination, int level)
      : destination_(std::move(destination)), temp_(temporaryBeside(destination_)), level_(level) {
    refuseExisting(destination_);
    int err = 0;
    za_ = zip_open(temp_.c_str(), ZIP_CREATE | ZIP_EXCL, &err);
    if (!za_)
      throw Error(temp_.string() + ": cannot create zip (libzip error " + std::to_string(err) +
                  ")");
  }
  ~ZipWriter() override {
    if (za_) zip_discard(za_);
    std::error_code ec;
    if (!committed_) fs::remove(temp_, ec);
  }

  void addDirectory(const std::string& path) override {
    if (zip_dir_add(za_, path.substr(0, path.size() - 1).c_str(), ZIP_FL_ENC_UTF_8) < 0) {
      fail(path);
    }
  }
  void addBytes(const std::string& path, std::string bytes) override {
    // libzip reads the buffer at close time; keep it alive until then.
    auto& kept = kept_.emplace_back(std::move(bytes));
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
  void addUnchanged(const std::string& path, const ModelSource& source) override {
    const auto index = source.zipIndex(path);
    if (source.zipHandle() == nullptr || index < 0) {
      addBytes(path, source.read(path));
      return;
    }
    // start 0, length -1: libzip copies the compressed data without recompressing.
    zip_source_t* src =
        zip_source_zip(za_, source.zipHandle(), static_cast<zip_uint64_t>(index), 0, 0, -1);
    if (!src) fail(path);
    if (zip_file_add(za_, path.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
      zip_source_free(src);
      fail(path);
    }
  }
  fs::path commit() override {
    if (zip_close(za_) != 0) {
      const std::string msg = zip_strerror(za_);
      zip_discard(za_);
      za_ = nullptr;
      throw Error(temp_.string() + ": writing zip failed: " + msg);
    }
    za_ = nullptr;
    kept_.clear();
    refuseExisting(destination_);
    fs::rename(temp_, destination_);
    committed_ = true;
    return destination_;
  }

 private:
  [[noreturn]] void fail(const std::string& path) {
    throw Error(temp_.string() + ": adding '" + path + "' failed: " + zip_strerror(za_));
  }
  fs::path destination_;
  fs::path temp_;
  int level_;
  zip_t* za_ = nullptr;
  std::deque<std::string> kept_;
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

std::unique_ptr<OutputWriter> makeZipWriter(const fs::path& destination, int deflateLevel) {
  return std::make_unique<ZipWriter>(destination, deflateLevel);
}

std::unique_ptr<OutputWriter> makeDirWriter(const fs::path& destination) {
  return std::make_unique<DirWriter>(destination);
}

}  // namespace flop::model
