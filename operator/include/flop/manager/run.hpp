#pragma once
// The whole life of an operator process: flags, logging, signals, the Manager, exit code.
#include <functional>

#include "flop/manager/manager.hpp"

namespace flop::manager {

// Parses argv, sets up logging and SIGTERM handling, builds the Manager, lets
// `registerControllers` add controllers, runs until SIGTERM (bounded by
// --graceful-shutdown-timeout) and returns the exit code: 0 clean, 1 failure or lost
// leadership, 2 bad flags.
// Caps glibc's per-thread malloc arenas at 2: an operator is I/O-bound, and each extra arena
// keeps its own free memory (measured ~3 MB less peak RSS with a 5,000-object cache).
void limitMallocArenas();

int runOperator(int argc, char** argv, const std::function<void(Manager&)>& registerControllers);

}  // namespace flop::manager
