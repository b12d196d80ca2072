#pragma once
// The FederatedJob controller's command-line flags (timings), taken out of the operator's argv
// before the manager parses the rest. Durations as the manager's flags: "250ms", "15s", "2m", or
// a bare number of seconds. Defaults are Options' defaults.
//
//   --federatedjob-poll-min=2s            --federatedjob-poll-max=30s
//   --federatedjob-retry-base=10s         --federatedjob-retry-max=5m
//   --federatedjob-publish-retry=15s      --federatedjob-unavailable-retry=10s
//   --federatedjob-deletion-cleanup=5m    (how long deletion keeps trying to stop the FATE job)
//   --federatedjob-fate-timeout=60s       --federatedjob-scheduler-timeout=60s   (per call)
#include <string>
#include <vector>

#include "flop/federatedjob/controller.hpp"

namespace flop::federatedjob {

// Applies the flags above to `options` and returns the other arguments in order. Throws
// flop::InvalidInput(flag, problem) on a bad value or an inconsistent pair (min > max).
std::vector<std::string> takeFlags(const std::vector<std::string>& args, Options& options);

// The flags and their defaults, for --help.
std::string flagsUsage();

}  // namespace flop::federatedjob
