# Shared helpers of the API cluster tests (sourced). Needs KUBECONFIG (ctest's `cluster` fixture)
# and FLOP_TEST_NAMESPACE (tests/support/with-namespace.sh).
set -euo pipefail
api_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
examples="$api_root/deploy/examples"
crds="$api_root/crds"
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*" >&2; }
check() { # description command...
  local what="$1"; shift
  if "$@" >/dev/null; then pass; else fail "$what"; fi
}
contains() { [[ "$1" == *"$2"* ]]; }

# The CRDs must be served before anything else (the `crds` fixture installs them; running a
# script alone installs them here).
ensure_crds() {
  if ! kubectl get crd flclusters.federatedlearning.dev >/dev/null 2>&1; then
    kubectl apply --server-side --force-conflicts -f "$crds" >/dev/null
  fi
  kubectl wait --for=condition=Established -f "$crds" --timeout=60s >/dev/null
}

finish() {
  printf '%d passed, %d failed\n' "$passed" "$failed"
  ((failed == 0))
}
