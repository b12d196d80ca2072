#pragma once
// Standard base64 decoding (Secret .data values, kubeconfig *-data fields). Header-only so the
// pure libraries (controller cores, tests) share it without linking the runtime.
#include <array>
#include <string>
#include <string_view>

#include "flop/error.hpp"

namespace flop {

// Padding and line breaks are skipped; any other character outside the alphabet throws
// InvalidInput naming `where`.
inline std::string base64Decode(std::string_view text, const std::string& where) {
  static const auto table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; chars[i]; ++i) t[static_cast<unsigned char>(chars[i])] = i;
    return t;
  }();
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    const int d = table[static_cast<unsigned char>(c)];
    if (d < 0) throw InvalidInput(where, "not valid base64");
    value = (value << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xffu));
    }
  }
  return out;
}

}  // namespace flop
