#!/bin/sh
# Runs one libFuzzer target for a bounded number of iterations on a scratch copy of its seeds
# (libFuzzer writes new inputs into its corpus directory; the shared test data stays untouched).
# usage: run_fuzzer.sh FUZZER RUNS SEED...
set -eu
fuzzer=$1; runs=$2; shift 2
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
i=0
for seed in "$@"; do
  [ -f "$seed" ] || continue
  i=$((i + 1))
  cp "$seed" "$corpus/seed-$i"
done
# A fixed seed keeps the suite's bounded run reproducible; run longer, randomly seeded campaigns
# by hand (see docs/fl-model.md).
exec "$fuzzer" -seed="${FLOP_FUZZ_SEED:-1}" -runs="$runs" -max_len=262144 -timeout=20 "$corpus"
