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
passed=0
# ctest with its output kept, adding its count of passed tests to the total printed at the end.
run_ctest() {
  local log n
  log="$(mktemp)"
  ctest "$@" 2>&1 | tee "$log"
  n="$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -n1)"
  passed=$((passed + ${n:-0}))
  rm -f "$log"
}

phase "dependencies"
"$here/install-deps.sh"

phase "control-plane binaries (cached outside the clone)"
"$here/build-tools.sh" >/dev/null

phase "build (-Werror)"
cmake --preset ci -S "$root" >/dev/null
cmake --build --preset ci -j "$jobs"

phase "tests: unit, integration, e2e (real control plane)"
# shellcheck disable=SC2086
run_ctest --preset ci -LE bench -j "$jobs" --timeout 900 ${FLOP_CTEST_ARGS:-}

if ((quick == 0)); then
  phase "sanitizers: ASan+UBSan (every GoogleTest unit suite)"
  cmake --preset asan -S "$root" >/dev/null
  # The unit-test binaries (and fl-model, which the model tests run) — not the integration,
  # e2e and benchmark binaries, which this stage does not run.
  asan_targets="$(cmake --build --preset asan --target help |
    sed -n 's/^\([a-z_]*_unit_tests\?\|[a-z_]*_faithfulness_test\|[a-z_]*_reconciler_tests\|fl-model\):.*/\1/p' | sort -u)"
  # shellcheck disable=SC2086
  cmake --build --preset asan -j "$jobs" --target $asan_targets
  asan_regex="^($(grep -v '^fl-model$' <<<"$asan_targets" | paste -sd'|'))\\."
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" \
    run_ctest --test-dir "$root/build-asan" -L unit -R "$asan_regex" -j "$jobs" --output-on-failure --timeout 900

  phase "sanitizers: TSan (runtime unit tests)"
  cmake --preset tsan -S "$root" >/dev/null
  cmake --build --preset tsan -j "$jobs" --target runtime_unit_tests
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    run_ctest --test-dir "$root/build-tsan" -R '^runtime_unit_tests\.' -j "$jobs" --output-on-failure --timeout 900

  phase "fuzzers: bounded libFuzzer runs (clang, ASan+UBSan)"
  cmake --preset fuzz -S "$root" >/dev/null
  fuzzers="$(cmake --build --preset fuzz --target help | sed -n 's/^\(model_fuzz_[a-z_]*\):.*/\1/p' | sort -u)"
  if [[ -n "$fuzzers" ]]; then
    # shellcheck disable=SC2086
    cmake --build --preset fuzz -j "$jobs" --target $fuzzers
    run_ctest --test-dir "$root/build-fuzz" -R '\.fuzz\.' -j "$jobs" --output-on-failure --timeout 900
  fi
fi
phase "all tests passed"
echo "all: $passed passed, 0 failed"
