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
  kubectl wait --for=condition=Established -f "$root/crds/" --timeout=60s
fi

say "fl-operator"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
health="$(free_port)"; metrics="$(free_port)"
"$root/build/cmd/fl-operator/fl-operator" --kubeconfig "$KUBECONFIG" \
  --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$health" \
  >"$state/fl-operator.log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$health/readyz" >/dev/null; do
  kill -0 "${pids[-1]}" 2>/dev/null || { tail -n 30 "$state/fl-operator.log"; exit 1; }
  sleep 0.5
done
echo "ready; logs: $state/fl-operator.log, metrics: http://127.0.0.1:$metrics/metrics"

say "examples (FATE-Flow and scheduler endpoints pointed at the test doubles)"
kubectl create namespace fl-demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
python3 "$here/demo.py" --namespace fl-demo --workdir "$state/demo" \
  --fl-model "$root/build/cmd/fl-model/fl-model" >"$state/demo.log" 2>&1 &
pids+=($!)

show() {
  say "status ($(date +%T))"
  kubectl get flclusters,federatedjobs,modelmigrations -n fl-demo -o wide
  kubectl get statefulsets,pods,jobs -n fl-demo
}
# Settled: every FederatedJob and ModelMigration finished (or 180 s passed).
settled() {
  local phases
  phases="$(kubectl get federatedjobs,modelmigrations -n fl-demo \
    -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' 2>/dev/null)" || return 1
  [[ -n "$phases" ]] && ! grep -qvE '^(Succeeded|Failed)$' <<<"$phases"
}
if ((once)); then
  for _ in $(seq 180); do settled && break; sleep 1; done
  show
  say "ModelMigration lr-to-new-party-ids"
  kubectl get modelmigration lr-to-new-party-ids -n fl-demo \
    -o jsonpath='{.status.newModelId} {.status.newModelVersion}{"\n"}' 2>/dev/null || true
  exit 0
fi
echo "Ctrl-C to stop."
while true; do
  show
  sleep 10
done
