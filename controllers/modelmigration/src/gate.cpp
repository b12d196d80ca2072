#include "flop/modelmigration/gate.hpp"

#include <charconv>

namespace flop::modelmigration {
namespace {

constexpr FateVersion kMinimum{1, 5, 1};
constexpr FateVersion kFirstUnsupported{2, 0, 0};

std::string describe(const TargetCluster& target) {
  return target.party.role + " " + std::to_string(target.party.targetPartyId) + " (FLCluster '" +
         target.clusterName + "')";
}

void append(std::string& list, const std::string& item) {
  if (!list.empty()) list += "; ";
  list += item;
}

}  // namespace

std::optional<FateVersion> parseFateVersion(std::string_view text) {
  FateVersion version{};
  for (std::size_t i = 0; i < version.size(); ++i) {
    const std::size_t dot = text.find('.');
    const std::string_view part = i + 1 < version.size() ? text.substr(0, dot) : text;
    if (part.empty() || (i + 1 < version.size() && dot == std::string_view::npos)) {
      return std::nullopt;
    }
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), version[i]);
    if (error != std::errc{} || end != part.data() + part.size()) return std::nullopt;
    if (i + 1 < version.size()) text.remove_prefix(dot + 1);
  }
  return version;
}

std::string compatFor(const FateVersion& version) {
  return version < FateVersion{1, 9, 0} ? "1.5" : "1.9";
}

GateVerdict checkFateVersionGate(const std::vector<TargetCluster>& targets) {
  std::string missing, tooOld, unsupported, unparseable, unknown;
  for (const auto& target : targets) {
    if (!target.found) {
      append(missing, describe(target));
      continue;
    }
    if (!target.reportedFateVersion) {
      append(unknown, describe(target));
      continue;
    }
    const auto version = parseFateVersion(*target.reportedFateVersion);
    const std::string item = describe(target) + " reports FATE " + *target.reportedFateVersion;
    if (!version) {
      append(unparseable, item);
    } else if (*version < kMinimum) {
      append(tooOld, item);
    } else if (*version >= kFirstUnsupported) {
      append(unsupported, item);
    }
  }
  if (!missing.empty()) {
    return {GateVerdict::Kind::Blocked, "FLClusterNotFound", "no FLCluster for target " + missing};
  }
  if (!tooOld.empty()) {
    return {GateVerdict::Kind::Blocked, "FateVersionTooOld",
            "model migration needs FATE >= 1.5.1: " + tooOld};
  }
  if (!unsupported.empty()) {
    return {GateVerdict::Kind::Blocked, "FateVersionUnsupported",
            "FATE 2.x has no model migration: " + unsupported};
  }
  if (!unparseable.empty()) {
    return {GateVerdict::Kind::Blocked, "FateVersionUnparseable",
            "FATE version is not major.minor.patch: " + unparseable};
  }
  if (!unknown.empty()) {
    return {GateVerdict::Kind::Wait, "FateVersionUnknown",
            "waiting for the FATE version in the status of " + unknown};
  }
  return {GateVerdict::Kind::Open, "FateVersionSupported", "every target runs FATE >= 1.5.1"};
}

}  // namespace flop::modelmigration
