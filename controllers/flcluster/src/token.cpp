#include "token.hpp"

#include <array>
#include <random>

#include "flop/error.hpp"

namespace flop::flcluster::detail {

std::string generateToken() {
  std::random_device entropy;  // /dev/urandom on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) {
    const auto byte = static_cast<unsigned>(entropy()) & 0xffu;
    token += kHex[byte >> 4];
    token += kHex[byte & 0xfu];
  }
  return token;
}

}  // namespace flop::flcluster::detail
