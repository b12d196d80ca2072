#include "flop/api/names.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace flop::api {

namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// FNV-1a, 32 bit: a stable, dependency-free hash for name suffixes (not for security).
std::string short_hash(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", hash);
  return buffer;
}
}  // namespace

std::map<std::string, std::string> owner_labels(const KindInfo& kind, std::string_view owner_name) {
  std::string name(owner_name);
  if (!is_label_value(name)) name = child_name({owner_name});  // names may be 253 chars
  return {{std::string(label::kManagedBy), std::string(label::kManagedByValue)},
          {std::string(label::kOwnerKind), std::string(kind.kind)},
          {std::string(label::kOwnerName), name}};
}

std::string selector_string(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out += ',';
    out += key + "=" + value;
  }
  return out;
}

bool is_dns1123_label(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_lower_alnum(c) || c == '-'; });
}

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label =
        name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (!is_dns1123_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_label_value(std::string_view value) {
  if (value.empty()) return true;
  if (value.size() > 63 || !is_alnum(value.front()) || !is_alnum(value.back())) return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::string child_name(std::initializer_list<std::string_view> parts, std::size_t max_length) {
  std::string joined;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    if (!joined.empty()) joined += '-';
    joined += part;
  }
  std::string name;
  for (char c : joined) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name += is_lower_alnum(lower) ? lower : '-';
  }
  // Collapse leading/trailing dashes; they are invalid at the ends of a label.
  const auto first = name.find_first_not_of('-');
  name = first == std::string::npos ? std::string()
                                    : name.substr(first, name.find_last_not_of('-') - first + 1);
  const bool altered = name != joined;
  max_length = std::clamp<std::size_t>(max_length, 10, 63);
  if (!altered && !name.empty() && name.size() <= max_length) return name;
  // Something was cut or rewritten: keep names distinct with a hash of the original input.
  const std::string suffix = short_hash(joined);
  std::string head = name.substr(0, std::min(name.size(), max_length - suffix.size() - 1));
  while (!head.empty() && head.back() == '-') head.pop_back();
  return head.empty() ? "x" + suffix : head + "-" + suffix;
}

std::string migration_step_job_name(std::string_view migration, std::string_view step,
                                    std::string_view role, std::int64_t party_id,
                                    std::int32_t attempt) {
  const std::string party = std::to_string(party_id);
  const std::string try_number = std::to_string(attempt);
  return child_name({migration, step, role, party, try_number});
}

std::string fate_model_id(const RoleMap& roles) {
  if (roles.empty()) return "all#model";
  std::string out;
  for (const auto& [role, ids] : roles) {  // std::map: roles in lexicographic order
    const std::set<std::int64_t> unique(ids.begin(), ids.end());
    out += role + "-";
    bool first = true;
    for (std::int64_t id : unique) {
      if (!first) out += '_';
      out += std::to_string(id);
      first = false;
    }
    out += '#';
  }
  return out + "model";
}

std::string fate_party_model_id(std::string_view role, std::int64_t party_id,
                                std::string_view model_id) {
  return std::string(role) + "#" + std::to_string(party_id) + "#" + std::string(model_id);
}

}  // namespace flop::api
