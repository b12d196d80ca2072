#include "flop/modelmigration/naming.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "flop/error.hpp"

namespace flop::modelmigration {
namespace {

constexpr std::size_t kHashSuffixLength = 10;

bool isLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool isDnsLabel(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength && isAlnum(name.front()) &&
         isAlnum(name.back()) && std::all_of(name.begin(), name.end(), isLabelChar);
}

// Lower-cases and replaces anything outside [a-z0-9-] with '-'.
std::string sanitized(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += isLabelChar(c) ? c : '-';
  }
  return out;
}

std::string trimmedDashes(std::string text) {
  while (!text.empty() && !isAlnum(text.back())) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && !isAlnum(text[start])) ++start;
  return text.substr(start);
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw Error("sha256: EVP_Digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string boundedName(std::string_view base) {
  if (isDnsLabel(base)) return std::string(base);
  const std::string suffix = sha256Hex(base).substr(0, kHashSuffixLength);
  std::string prefix = trimmedDashes(sanitized(base));
  prefix = trimmedDashes(prefix.substr(0, kMaxNameLength - kHashSuffixLength - 1));
  return prefix.empty() ? suffix : prefix + "-" + suffix;
}

std::string jobName(std::string_view migrationName, const PartyMigration& party, Step step,
                    int attempt) {
  return boundedName(std::string(migrationName) + "-" + party.role + "-" +
                     std::to_string(party.sourcePartyId) + "-" + std::string(stepName(step)) + "-" +
                     std::to_string(attempt));
}

std::string migrateConfigMapName(std::string_view migrationName) {
  return boundedName(std::string(migrationName) + "-migrate-conf");
}

std::string labelValue(std::string_view value) {
  // Label values also allow '.' and '_' and upper case; names of our objects never need more.
  const bool valid = !value.empty() && value.size() <= kMaxNameLength &&
                     std::all_of(value.begin(), value.end(), [](char c) {
                       return isLabelChar(c) || c == '.' || c == '_' || (c >= 'A' && c <= 'Z');
                     });
  if (valid && std::isalnum(static_cast<unsigned char>(value.front())) &&
      std::isalnum(static_cast<unsigned char>(value.back()))) {
    return std::string(value);
  }
  return boundedName(value);
}

std::map<std::string, std::string> ownerLabels(std::string_view migrationName) {
  return {
      {"app.kubernetes.io/managed-by", "fl-operator"},
      {"app.kubernetes.io/component", "model-migration"},
      {std::string(kOwnerKindLabel), std::string(kOwnerKind)},
      {std::string(kOwnerNameLabel), labelValue(migrationName)},
  };
}

std::map<std::string, std::string> jobLabels(std::string_view migrationName,
                                             const PartyMigration& party, Step step, int attempt) {
  auto labels = ownerLabels(migrationName);
  labels.emplace(kStepLabel, stepName(step));
  labels.emplace(kRoleLabel, labelValue(party.role));
  labels.emplace(kPartyLabel, std::to_string(party.sourcePartyId));
  labels.emplace(kAttemptLabel, std::to_string(attempt));
  return labels;
}

}  // namespace flop::modelmigration
