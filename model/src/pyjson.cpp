#include "flop/model/pyjson.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "flop/error.hpp"

namespace flop::model {

Json parseJson(std::string_view text, const std::string& where) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers like 9E999
    throw InvalidInput(where, std::string("not valid JSON: ") + e.what());
  }
}

void appendPyFloat(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  // Shortest round-trip digits in scientific form, e.g. "1.2345e-05", then laid out as Python
  // does. Everything stays in stack buffers: sidecars hold millions of floats.
  char sci[64];
  auto [end, ec] = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  (void)ec;
  const char* p = sci;
  if (*p == '-') {
    out += '-';
    ++p;
  }
  char digits[32];
  size_t nd = 0;
  while (p < end && *p != 'e') {
    if (*p != '.') digits[nd++] = *p;
    ++p;
  }
  int exponent = 0;
  std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), end, exponent);
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  const std::string_view d(digits, nd);

  if (exponent < -4 || exponent >= 16) {
    out += d[0];
    if (nd > 1) {
      out += '.';
      out += d.substr(1);
    }
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp;
    return;
  }
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out += d;
  } else if (static_cast<size_t>(exponent) + 1 >= nd) {
    out += d;
    out.append(static_cast<size_t>(exponent) + 1 - nd, '0');
    out += ".0";
  } else {
    out += d.substr(0, static_cast<size_t>(exponent) + 1);
    out += '.';
    out += d.substr(static_cast<size_t>(exponent) + 1);
  }
}

std::string pyFloatRepr(double value) {
  std::string out;
  appendPyFloat(out, value);
  return out;
}

namespace {

void appendEscapedCodeUnit(std::string& out, unsigned unit) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", unit);
  out += buf;
}

}  // namespace

// json.dumps string escaping with ensure_ascii=True.
void appendPyString(std::string& out, const std::string& s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    // Runs of printable ASCII other than '"' and '\\' are copied as they are.
    size_t run = i;
    while (run < s.size()) {
      const auto r = static_cast<unsigned char>(s[run]);
      if (r < 0x20 || r >= 0x7f || r == '"' || r == '\\') break;
      ++run;
    }
    if (run > i) {
      out.append(s, i, run - i);
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          // Python escapes everything outside ' '..'~' (DEL included).
          if (c < 0x20 || c == 0x7f) {
            appendEscapedCodeUnit(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (nlohmann has validated the input already).
    unsigned cp = 0;
    size_t len = 1;
    if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      appendEscapedCodeUnit(out, 0xD800 + (cp >> 10));
      appendEscapedCodeUnit(out, 0xDC00 + (cp & 0x3FF));
    } else {
      appendEscapedCodeUnit(out, cp);
    }
  }
  out += '"';
}

namespace {

void dump(std::string& out, const Json& v, int indent, int level) {
  const bool pretty = indent >= 0;
  auto newline = [&](int lvl) {
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  const char* itemSep = pretty ? "," : ", ";
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      break;
    case Json::value_t::number_float:
      appendPyFloat(out, v.get<double>());
      break;
    case Json::value_t::string:
      appendPyString(out, v.get_ref<const std::string&>());
      break;
    case Json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        break;
      }
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += itemSep;
        first = false;
        if (pretty) newline(level + 1);
        dump(out, item, indent, level + 1);
      }
      if (pretty) newline(level);
      out += ']';
      break;
    }
    case Json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        break;
      }
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += itemSep;
        first = false;
        if (pretty) newline(level + 1);
        appendPyString(out, it.key());
        out += ": ";
        dump(out, it.value(), indent, level + 1);
      }
      if (pretty) newline(level);
      out += '}';
      break;
    }
    default:
      out += "null";
      break;
  }
}

}  // namespace

std::string pyDumps(const Json& value) {
  std::string out;
  dump(out, value, -1, 0);
  return out;
}

std::string pyDumpsIndented(const Json& value, int indent) {
  std::string out;
  dump(out, value, indent, 0);
  return out;
}

}  // namespace flop::model
