#!/usr/bin/env bash
# The main job, from a fresh machine: install dependencies, build, start the local control plane,
# install the CRDs, start fl-operator against it, apply the examples, and show their status until
# Ctrl-C — then stop everything (operator, test doubles, control plane) cleanly.
#
#   deploy/local/run.sh              keep running until Ctrl-C
#   deploy/local/run.sh --once       show the status once the examples settle, then tear down
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
once=0
[[ "${1:-}" == "--once" ]] && once=1
state="$root/build/run"
cluster_dir="$state/cluster"
pids=()
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
  trap - EXIT INT TERM
  say "stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  "$here/cluster.sh" down --dir "$cluster_dir" || true
}

say "dependencies"
"$here/install-deps.sh"
say "control-plane binaries"
"$here/build-tools.sh" >/dev/null
say "build"
cmake --preset default -S "$root" >/dev/null
cmake --build --preset default -j "$(nproc)"

say "local control plane"
mkdir -p "$state"
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/cluster.sh" up --dir "$cluster_dir" --watch-pid $$
eval "$("$here/cluster.sh" env --dir "$cluster_dir")"

if compgen -G "$root/crds/*.yaml" >/dev/null; then
  say "CRDs"
  kubectl apply -f "$root/crds/"
  kubectl wait --for=condition=Established crd -l app.kubernetes.io/part-of=fl-operator --timeout=60s ||
    kubectl wait --for=condition=Established -f "$root/crds/" --timeout=60s
fi

source "$here/run-peers.sh"
start_peers

say "fl-operator"
"$root/build/cmd/fl-operator/fl-operator" --kubeconfig "$KUBECONFIG" \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
  >"$state/fl-operator.log" 2>&1 &
pids+=($!)
echo "logs: $state/fl-operator.log"

if compgen -G "$root/deploy/examples/*.yaml" >/dev/null; then
  say "examples"
  kubectl create namespace fl-demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl apply -n fl-demo -f "$root/deploy/examples/"
fi

show() {
  say "status ($(date +%T))"
  kubectl get fl -n fl-demo -o wide 2>/dev/null || kubectl get all -n fl-demo
}
if ((once)); then
  sleep 20
  show
  exit 0
fi
echo "Ctrl-C to stop."
while true; do
  show
  sleep 10
done
