#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the Debian packages, builds (or reuses
# from the cache) the real control-plane binaries, builds fl-operator warning-free (-Werror),
# runs every test tier except benchmarks against a real local control plane, then runs the unit
# tests again under ASan+UBSan and the runtime's tests under TSan.
#
#   deploy/local/test.sh            everything (what CI runs)
#   deploy/local/test.sh --quick    skip the sanitizer builds
#   FLOP_CTEST_ARGS="-R smoke"      extra arguments for the main ctest run
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs="$(nproc)"
t_start=$SECONDS
phase() { printf '\n=== [%4ds] %s\n' "$((SECONDS - t_start))" "$*"; }

phase "dependencies"
"$here/install-deps.sh"

phase "control-plane binaries (cached outside the clone)"
"$here/build-tools.sh" >/dev/null

phase "build (-Werror)"
cmake --preset ci -S "$root" >/dev/null
cmake --build --preset ci -j "$jobs"

phase "tests: unit, integration, e2e (real control plane)"
# shellcheck disable=SC2086
ctest --preset ci -LE bench -j "$jobs" --timeout 900 ${FLOP_CTEST_ARGS:-}

if ((quick == 0)); then
  phase "sanitizers: ASan+UBSan (unit tests)"
  cmake --preset asan -S "$root" >/dev/null
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" -L unit -j "$jobs" --output-on-failure --timeout 900

  phase "sanitizers: TSan (runtime tests)"
  cmake --preset tsan -S "$root" >/dev/null
  cmake --build --preset tsan -j "$jobs"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir "$root/build-tsan" -L unit -R '^runtime' -j "$jobs" --output-on-failure --timeout 900
fi
phase "all tests passed"
