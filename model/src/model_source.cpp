#include "flop/model/model_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "flop/error.hpp"
#include "zip_file_io.hpp"
#include "zip_raw_entries.hpp"

namespace flop::model {

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InvalidInput(p.string(), "cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

class DirSource final : public ModelSource {
 public:
  explicit DirSource(fs::path root) : root_(std::move(root)) {
    if (!fs::is_directory(root_)) throw InvalidInput(root_.string(), "not a directory");
    walk(root_, "");
  }
  const std::vector<SourceEntry>& entries() const override { return entries_; }
  bool has(const std::string& path) const override { return index_.count(path) > 0; }
  std::string read(const std::string& path) const override {
    if (!index_.count(path)) throw InvalidInput(location() + "/" + path, "no such file in model");
    return readFile(root_ / path);
  }
  std::string location() const override { return root_.string(); }

 private:
  // Top-down, sorted, so output order does not depend on the file system.
  void walk(const fs::path& dir, const std::string& prefix) {
    std::vector<fs::directory_entry> items(fs::directory_iterator(dir), {});
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    for (const auto& item : items) {
      const auto name = prefix + item.path().filename().string();
      const auto st = item.symlink_status();
      if (fs::is_symlink(st)) throw InvalidInput(item.path().string(), "symbolic link in model");
      if (fs::is_directory(st)) {
        entries_.push_back({name + "/", 0, true});
        walk(item.path(), name + "/");
      } else if (fs::is_regular_file(st)) {
        entries_.push_back({name, static_cast<uint64_t>(fs::file_size(item.path())), false});
        index_.insert(name);
      } else {
        throw InvalidInput(item.path().string(), "not a regular file or directory");
      }
    }
  }
  fs::path root_;
  std::vector<SourceEntry> entries_;
  std::set<std::string> index_;
};

bool isUnixSpecial(zip_uint8_t opsys, zip_uint32_t attributes, bool& symlink) {
  if (opsys != ZIP_OPSYS_UNIX) return false;
  const mode_t mode = attributes >> 16;
  symlink = S_ISLNK(mode);
  return S_ISLNK(mode) || S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode);
}

class ZipSource final : public ModelSource {
 public:
  ZipSource(fs::path path, const ArchiveLimits& limits) : path_(std::move(path)) {
    // Read through 1 MB buffers (libzip's own file source reads 4 KB at a time).
    zip_error_t ze;
    zip_error_init(&ze);
    if (zip_source_t* src = openBufferedFileSource(path_, &ze)) {
      za_ = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
      if (za_ == nullptr) zip_source_free(src);
    }
    if (za_ == nullptr) {
      std::string msg = zip_error_strerror(&ze);
      if (zip_error_code_zip(&ze) == ZIP_ER_EXISTS) msg = "duplicate entry name";  // libzip's check
      zip_error_fini(&ze);
      throw InvalidInput(path_.string(), "not a readable zip archive: " + msg);
    }
    zip_error_fini(&ze);
    try {
      validate(limits);
    } catch (...) {
      zip_discard(za_);
      throw;
    }
    // A second descriptor for copying unchanged entries' compressed bytes file to file; without
    // it every entry is copied through libzip.
    rawFd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (rawFd_ >= 0 && ::fstat(rawFd_, &st) == 0 && S_ISREG(st.st_mode)) {
      raw_ = readRawZipEntries(rawFd_, static_cast<uint64_t>(st.st_size), za_);
    }
  }
  ~ZipSource() override {
    if (za_) zip_discard(za_);
    if (rawFd_ >= 0) ::close(rawFd_);
  }
  ZipSource(const ZipSource&) = delete;
  ZipSource& operator=(const ZipSource&) = delete;

  const std::vector<SourceEntry>& entries() const override { return entries_; }
  bool has(const std::string& path) const override { return index_.count(path) > 0; }
  std::string read(const std::string& path) const override {
    const auto it = index_.find(path);
    if (it == index_.end()) throw InvalidInput(location() + ":" + path, "no such entry in archive");
    // Owned so that a short read (a truncated or corrupt entry) still closes the file.
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(za_, it->second, 0),
                                                        zip_fclose);
    if (!f) throw InvalidInput(location() + ":" + path, zip_strerror(za_));
    std::string out(sizes_.at(path), '\0');
    zip_int64_t got = 0;
    while (static_cast<uint64_t>(got) < out.size()) {
      const auto n = zip_fread(f.get(), out.data() + got, out.size() - static_cast<uint64_t>(got));
      if (n <= 0) break;
      got += n;
    }
    const bool bad = static_cast<uint64_t>(got) != out.size() || zip_fclose(f.release()) != 0;
    if (bad) throw InvalidInput(location() + ":" + path, "corrupt or truncated entry");
    return out;
  }
  std::string location() const override { return path_.string(); }
  struct zip* zipHandle() const override {
    return za_;
  }
  int64_t zipIndex(const std::string& path) const override {
    const auto it = index_.find(path);
    return it == index_.end() ? -1 : static_cast<int64_t>(it->second);
  }
  std::optional<RawZipEntry> rawZipEntry(const std::string& path) const override {
    const auto it = index_.find(path);
    if (it == index_.end() || it->second >= raw_.size()) return std::nullopt;
    return raw_[it->second];
  }

 private:
  void validate(const ArchiveLimits& limits) {
    const auto where = path_.string();
    const zip_int64_t n = zip_get_num_entries(za_, 0);
    if (n < 0) throw InvalidInput(where, "cannot list entries");
    if (static_cast<uint64_t>(n) > limits.maxEntries) {
      throw InvalidInput(where, "too many entries (" + std::to_string(n) + " > limit " +
                                    std::to_string(limits.maxEntries) + ")");
    }
    uint64_t total = 0;
    std::set<std::string> seen;
    for (zip_int64_t i = 0; i < n; ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(za_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &st) != 0) {
        throw InvalidInput(where, "cannot stat entry " + std::to_string(i));
      }
      const std::string name = checkEntryName(st.name, where);
      zip_uint8_t opsys = 0;
      zip_uint32_t attributes = 0;
      zip_file_get_external_attributes(za_, static_cast<zip_uint64_t>(i), 0, &opsys, &attributes);
      bool symlink = false;
      if (isUnixSpecial(opsys, attributes, symlink)) {
        throw InvalidInput(where + ": entry '" + name + "'",
                           symlink ? "symbolic link" : "device, FIFO or socket entry");
      }
      const bool isDir = name.back() == '/';
      const std::string key = isDir ? name.substr(0, name.size() - 1) : name;
      if (!seen.insert(key).second) {
        throw InvalidInput(where + ": entry '" + name + "'", "duplicate entry name");
      }
      if (st.size > limits.maxEntryBytes) {
        throw InvalidInput(where + ": entry '" + name + "'", "uncompressed size over limit");
      }
      total += st.size;
      if (total > limits.maxTotalBytes) {
        throw InvalidInput(where, "total uncompressed size over limit (" +
                                      std::to_string(limits.maxTotalBytes) + " bytes)");
      }
      if (st.size > (1u << 20) &&
          static_cast<double>(st.size) > limits.maxRatio * static_cast<double>(st.comp_size)) {
        throw InvalidInput(where + ": entry '" + name + "'", "compression ratio over limit");
      }
      entries_.push_back({name, st.size, isDir});
      if (!isDir) {
        index_[name] = static_cast<zip_uint64_t>(i);
        sizes_[name] = st.size;
      }
    }
    // A file may not also be used as a directory ("a" and "a/b").
    for (const auto& e : entries_) {
      for (auto slash = e.path.find('/'); slash != std::string::npos && slash + 1 < e.path.size();
           slash = e.path.find('/', slash + 1)) {
        if (index_.count(e.path.substr(0, slash))) {
          throw InvalidInput(where + ": entry '" + e.path + "'", "parent is a file entry");
        }
      }
    }
  }

  fs::path path_;
  zip_t* za_ = nullptr;
  std::vector<SourceEntry> entries_;
  std::map<std::string, zip_uint64_t> index_;
  std::map<std::string, uint64_t> sizes_;
  int rawFd_ = -1;
  std::vector<std::optional<RawZipEntry>> raw_;  // per libzip index
};

}  // namespace

std::unique_ptr<ModelSource> openModelDir(const fs::path& dir) {
  return std::make_unique<DirSource>(dir);
}

std::unique_ptr<ModelSource> openModelZip(const fs::path& zipPath, const ArchiveLimits& limits) {
  return std::make_unique<ZipSource>(zipPath, limits);
}

std::unique_ptr<ModelSource> openModel(const fs::path& path, const ArchiveLimits& limits) {
  if (fs::is_directory(path)) return openModelDir(path);
  if (!fs::exists(path)) throw InvalidInput(path.string(), "does not exist");
  return openModelZip(path, limits);
}

}  // namespace flop::model
