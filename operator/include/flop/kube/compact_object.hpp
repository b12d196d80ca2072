#pragma once
// The form in which stores keep objects: CBOR bytes instead of a parsed nlohmann::json tree.
// A parsed tree costs about three times the object's JSON size (a map node, a heap string and
// allocator overhead per field: ~3.0 KB for a 1 KB ConfigMap); its CBOR encoding costs about
// the JSON size (~1.1 KB). Reading decodes, which takes a few microseconds per kilobyte.
#include <cstdint>
#include <memory>
#include <string_view>

#include "flop/kube/object.hpp"

namespace flop::kube {

class CompactObject {
 public:
  explicit CompactObject(const Json& object);

  Json json() const;  // the decoded object
  ObjectPtr decode() const { return std::make_shared<const Json>(json()); }
  // Kept beside the encoding so that stores file and compare objects without decoding them.
  std::string_view key() const { return {data_.get(), keySize_}; }  // ObjectKey::str()
  std::string_view resourceVersion() const { return {data_.get() + keySize_, versionSize_}; }
  std::size_t encodedSize() const { return cborSize_; }

 private:
  const char* cbor() const { return data_.get() + keySize_ + versionSize_; }

  // One allocation: the key, the resourceVersion, then the CBOR encoding.
  std::unique_ptr<char[]> data_;
  std::uint32_t keySize_ = 0, versionSize_ = 0, cborSize_ = 0;
};

// Immutable once built; shared between a store and the deltas it hands out.
using CompactPtr = std::shared_ptr<const CompactObject>;

inline CompactPtr compact(const Json& object) {
  return std::make_shared<const CompactObject>(object);
}

}  // namespace flop::kube
