#include "flop/model/party_rename.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include "flop/error.hpp"

namespace flop::model {

namespace {

// Python int(): optional sign, digits, surrounding whitespace allowed.
std::optional<int64_t> pyInt(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.empty()) return std::nullopt;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> split(const std::string& s, char sep, size_t maxSplit = SIZE_MAX) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < maxSplit) {
    const auto pos = s.find(sep, start);
    if (pos == std::string::npos) break;
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  parts.push_back(s.substr(start));
  return parts;
}

}  // namespace

bool IdMapping::lookup(const std::string& role, int64_t oldId, int64_t& newId) const {
  const auto r = map_.find(role);
  if (r == map_.end()) return false;
  const auto it = r->second.find(oldId);
  if (it == r->second.end()) return false;
  newId = it->second;
  return true;
}

const std::map<int64_t, int64_t>* IdMapping::role(const std::string& role) const {
  const auto r = map_.find(role);
  return r == map_.end() ? nullptr : &r->second;
}

std::string PartyRenamer::colonFormat(const std::string& s) const {
  const auto parts = split(s, ':');
  if (parts.size() != 2) throw InvalidInput("site name '" + s + "'", "expected 'role:party_id'");
  const auto pid = pyInt(parts[1]);
  int64_t nid = 0;
  if (!pid || !map_.lookup(parts[0], *pid, nid)) {
    throw InvalidInput("site name '" + s + "'", "party is not in the migration mapping");
  }
  return parts[0] + ":" + std::to_string(nid);
}

std::string PartyRenamer::anonymousFormat(const std::string& s) const {
  const auto parts = split(s, '_');
  if (parts.size() != 3) {
    throw InvalidInput("anonymous name '" + s + "'", "expected 'role_partyid_index'");
  }
  const auto pid = pyInt(parts[1]);
  int64_t nid = 0;
  if (!pid || !map_.lookup(parts[0], *pid, nid)) {
    throw InvalidInput("anonymous name '" + s + "'", "party is not in the migration mapping");
  }
  return parts[0] + "_" + std::to_string(nid) + "_" + parts[2];
}

std::string PartyRenamer::replace(const std::string& s) const {
  if (s.find(':') != std::string::npos) return colonFormat(s);
  if (gen_ == ConverterGeneration::Fate15to18 && s.find('_') != std::string::npos) {
    return anonymousFormat(s);
  }
  return s;
}

std::string PartyRenamer::migrateAnonymousHeader(const std::string& s) const {
  const auto parts = split(s, '_', 2);
  if (parts.size() < 3) {
    throw InvalidInput("anonymous header '" + s + "'", "expected 'role_partyid_suffix'");
  }
  const auto pid = pyInt(parts[1]);
  if (!map_.hasRole(parts[0])) {
    throw InvalidInput("anonymous header '" + s + "'", "role is not in the migration mapping");
  }
  if (!pid) return s;  // FATE keeps names whose party part is not an integer
  int64_t nid = 0;
  if (!map_.lookup(parts[0], *pid, nid)) {
    throw InvalidInput("anonymous header '" + s + "'", "party is not in the migration mapping");
  }
  return parts[0] + "_" + std::to_string(nid) + "_" + parts[2];
}

std::string PartyRenamer::anonymousName(const std::string& s) const {
  return gen_ == ConverterGeneration::Fate15to18 ? replace(s) : migrateAnonymousHeader(s);
}

std::string PartyRenamer::maybeAnonymous(const std::string& s) const {
  if (gen_ == ConverterGeneration::Fate15to18) {
    try {
      return anonymousFormat(s);
    } catch (const InvalidInput&) {
      return s;
    }
  }
  const auto parts = split(s, '_', 2);
  if (parts.size() < 3 || !map_.hasRole(parts[0])) return s;
  const auto pid = pyInt(parts[1]);
  int64_t nid = 0;
  if (!pid || !map_.lookup(parts[0], *pid, nid)) return s;
  return parts[0] + "_" + std::to_string(nid) + "_" + parts[2];
}

std::string PartyRenamer::partyTuple(const std::string& s) const {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') {
    throw InvalidInput("party '" + s + "'", "expected '(role,party_id)'");
  }
  const auto parts = split(s.substr(1, s.size() - 2), ',');
  if (parts.size() != 2) throw InvalidInput("party '" + s + "'", "expected '(role,party_id)'");
  std::string role = parts[0];
  while (!role.empty() && role.front() == ' ') role.erase(0, 1);
  while (!role.empty() && role.back() == ' ') role.pop_back();
  const auto pid = pyInt(parts[1]);
  int64_t nid = 0;
  if (!pid || !map_.lookup(role, *pid, nid)) {
    throw InvalidInput("party '" + s + "'", "party is not in the migration mapping");
  }
  return "(" + role + ", " + std::to_string(nid) + ")";
}

std::string PartyRenamer::treePlanEntry(const std::string& s) const {
  const auto pos = s.rfind('_');
  if (pos == std::string::npos)
    throw InvalidInput("tree_plan entry '" + s + "'", "expected 'type_hostid'");
  const auto hostId = pyInt(s.substr(pos + 1));
  if (!hostId) throw InvalidInput("tree_plan entry '" + s + "'", "host id is not an integer");
  int64_t nid = 0;
  if (*hostId == -1 || !map_.lookup("host", *hostId, nid)) return s;
  return s.substr(0, pos + 1) + std::to_string(nid);
}

std::string PartyRenamer::partyIdString(const std::string& role, const std::string& pid) const {
  const auto id = pyInt(pid);
  int64_t nid = 0;
  if (!id || !map_.lookup(role, *id, nid)) {
    throw InvalidInput(role + " party id '" + pid + "'", "not in the migration mapping");
  }
  return std::to_string(nid);
}

}  // namespace flop::model
