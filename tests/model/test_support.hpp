#pragma once
// Helpers shared by the fl-model tests: locating shared test data, scratch directories, and
// reading a model (zip or tree) into memory for comparison.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "flop/model/model_source.hpp"

namespace flop::model::testing {

inline std::filesystem::path testdataDir() {
  const char* d = std::getenv("FLOP_TESTDATA_DIR");
  return d ? std::filesystem::path(d) : std::filesystem::path("/work/shared/testdata");
}

// A fresh directory removed at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("flmodel-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ModelContents {
  std::map<std::string, std::string> files;  // path -> bytes
  std::set<std::string> directories;         // "a/b/"
};

inline ModelContents readModel(const std::filesystem::path& p) {
  ModelContents out;
  const auto src = openModel(p, ArchiveLimits{});
  for (const auto& e : src->entries()) {
    if (e.isDir) {
      out.directories.insert(e.path);
    } else {
      out.files[e.path] = src->read(e.path);
    }
  }
  return out;
}

inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeFile(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace flop::model::testing
