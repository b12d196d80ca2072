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
exec "$fuzzer" -runs="$runs" -max_len=262144 -timeout=20 "$corpus"
