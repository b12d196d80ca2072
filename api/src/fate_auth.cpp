#include "flop/api/fate_auth.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace flop::api {
namespace {

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Python's urllib.parse.quote(s, safe='-._~') over UTF-8 bytes.
std::string percentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (isUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int hi = text[i] == '%' && i + 2 < text.size() ? hexValue(text[i + 1]) : -1;
    const int lo = hi >= 0 ? hexValue(text[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Python truthiness of the parsed body, as FATE-Flow's `request.json` check applies it.
bool truthyJson(std::string_view body) {
  if (body.empty()) return false;
  const auto value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0.0;
  if (value.is_string()) return !value.get_ref<const std::string&>().empty();
  return !value.empty();  // object or array
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace

std::string fate_signature(std::string_view app_secret, std::string_view app_key,
                           const FateSignedParts& parts) {
  FateFormFields form = parts.form;
  std::sort(form.begin(), form.end());
  std::string encodedForm;
  for (const auto& [name, value] : form) {
    if (!encodedForm.empty()) encodedForm += '&';
    encodedForm += percentEncode(name) + "=" + percentEncode(value);
  }
  const std::string message = parts.timestamp + "\n" + parts.nonce + "\n" + std::string(app_key) +
                              "\n" + parts.path_and_query + "\n" +
                              (truthyJson(parts.json_body) ? parts.json_body : "") + "\n" +
                              encodedForm;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digestSize = 0;
  if (!HMAC(EVP_sha1(), app_secret.data(), static_cast<int>(app_secret.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
            &digestSize)) {
    throw std::runtime_error("HMAC-SHA1 failed while signing a FATE-Flow request");
  }
  return base64(digest.data(), digestSize);
}

std::string fate_path_and_query(std::string_view url) {
  std::size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : url.find('/', start + 3);
  if (start == std::string_view::npos) return "/";
  std::string_view rest = url.substr(start);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t query = rest.find('?');
  std::string out = percentDecode(rest.substr(0, query));
  if (query != std::string_view::npos) out += "?" + std::string(rest.substr(query + 1));
  while (!out.empty() && out.back() == '?') out.pop_back();  // Flask's full_path.rstrip('?')
  return out;
}

std::map<std::string, std::string> fate_auth_headers(const FateAppCredentials& credentials,
                                                     std::string_view url,
                                                     std::string_view json_body,
                                                     const FateFormFields& form,
                                                     std::chrono::system_clock::time_point now,
                                                     const std::string& nonce) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  FateSignedParts parts{std::to_string(millis), nonce, fate_path_and_query(url),
                        std::string(json_body), form};
  return {{"timestamp", parts.timestamp},
          {"nonce", nonce},
          {"app_key", credentials.app_key},
          {"signature", fate_signature(credentials.app_secret, credentials.app_key, parts)}};
}

std::string fate_auth_nonce() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("no random bytes for a FATE-Flow request nonce");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

}  // namespace flop::api
