#include "flop/kube/compact_object.hpp"

#include <algorithm>
#include <vector>

namespace flop::kube {

CompactObject::CompactObject(const Json& object) {
  const std::string key = ObjectKey::of(object).str();
  const std::string version = resourceVersionOf(object);
  const std::vector<std::uint8_t> cbor = Json::to_cbor(object);
  keySize_ = static_cast<std::uint32_t>(key.size());
  versionSize_ = static_cast<std::uint32_t>(version.size());
  cborSize_ = static_cast<std::uint32_t>(cbor.size());
  data_ = std::make_unique_for_overwrite<char[]>(key.size() + version.size() + cbor.size());
  char* out = std::copy(key.begin(), key.end(), data_.get());
  out = std::copy(version.begin(), version.end(), out);
  std::copy(cbor.begin(), cbor.end(), reinterpret_cast<std::uint8_t*>(out));
}

Json CompactObject::json() const {
  const auto* begin = reinterpret_cast<const std::uint8_t*>(cbor());
  return Json::from_cbor(begin, begin + cborSize_);
}

}  // namespace flop::kube
