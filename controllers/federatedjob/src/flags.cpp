#include "flop/federatedjob/flags.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "flop/error.hpp"
#include "flop/manager/options.hpp"

namespace flop::federatedjob {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kPrefix = "--federatedjob-";

struct Flag {
  std::string help;
  std::function<void(Options&, const std::string& flag, milliseconds value)> set;
  std::function<std::string(const Options&)> current;
};

std::string text(milliseconds value) {
  if (value.count() % 1000 != 0) return std::to_string(value.count()) + "ms";
  return std::to_string(value.count() / 1000) + "s";
}

Flag timing(std::string help, seconds Timing::*field) {
  return Flag{std::move(help),
              [field](Options& options, const std::string& flag, milliseconds value) {
                if (value < seconds(1)) throw InvalidInput(flag, "must be at least 1s");
                options.timing.*field = duration_cast<seconds>(value);
              },
              [field](const Options& options) { return text(options.timing.*field); }};
}

Flag timeout(std::string help, milliseconds Options::*field) {
  return Flag{std::move(help),
              [field](Options& options, const std::string& flag, milliseconds value) {
                if (value <= milliseconds(0)) throw InvalidInput(flag, "must be positive");
                options.*field = value;
              },
              [field](const Options& options) { return text(options.*field); }};
}

const std::map<std::string, Flag>& flags() {
  static const std::map<std::string, Flag> table = {
      {"poll-min",
       timing("shortest interval between two polls of a running job", &Timing::pollMin)},
      {"poll-max",
       timing("longest interval between two polls (interval = job age / 10)", &Timing::pollMax)},
      {"retry-base",
       timing("delay before the 2nd attempt; doubles per failed attempt", &Timing::retryBase)},
      {"retry-max", timing("cap of the delay between attempts", &Timing::retryMax)},
      {"publish-retry", timing("retry of a failed deploy/load/bind", &Timing::publishRetry)},
      {"unavailable-retry",
       timing("retry while FATE-Flow or the scheduler is unreachable", &Timing::unavailableRetry)},
      {"deletion-cleanup",
       timing("how long deletion keeps trying to stop the FATE job", &Timing::deletionCleanup)},
      {"fate-timeout", timeout("timeout of one FATE-Flow call", &Options::fateTimeout)},
      {"scheduler-timeout",
       timeout("timeout of one scheduler management call", &Options::schedulerTimeout)},
  };
  return table;
}

}  // namespace

std::vector<std::string> takeFlags(const std::vector<std::string>& args, Options& options) {
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind(kPrefix, 0) != 0) {
      rest.push_back(arg);
      continue;
    }
    std::string name = arg.substr(kPrefix.size());
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw InvalidInput(arg, "needs a value");
    }
    const std::string flag = std::string(kPrefix) + name;
    auto it = flags().find(name);
    if (it == flags().end()) throw InvalidInput(flag, "unknown flag (see --help)");
    it->second.set(options, flag, manager::parseDuration(flag, value));
  }
  if (options.timing.pollMin > options.timing.pollMax) {
    throw InvalidInput("--federatedjob-poll-min", "must not exceed --federatedjob-poll-max");
  }
  if (options.timing.retryBase > options.timing.retryMax) {
    throw InvalidInput("--federatedjob-retry-base", "must not exceed --federatedjob-retry-max");
  }
  return rest;
}

std::string flagsUsage() {
  const Options defaults;
  std::string usage = "\nFederatedJob controller:\n";
  for (const auto& [name, flag] : flags()) {
    std::string left = "  " + std::string(kPrefix) + name + " D";
    left.resize(std::max<std::size_t>(left.size() + 2, 40), ' ');
    usage += left + flag.help + " (default " + flag.current(defaults) + ")\n";
  }
  return usage;
}

}  // namespace flop::federatedjob
