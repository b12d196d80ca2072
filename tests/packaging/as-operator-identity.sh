#!/usr/bin/env bash
# as-operator-identity.sh BINARY [ARGS...] — run an operator binary with the identity in
# $FLOP_OPERATOR_KUBECONFIG (the chart ServiceAccount's TokenRequest kubeconfig written by
# rbac.sh) instead of the admin one: --kubeconfig values are replaced and KUBECONFIG is set.
# Point an e2e harness's operator variable (FLOP_FEDERATEDJOB_OPERATOR, FLOP_MM_OPERATOR,
# FLOP_FLCLUSTER_OPERATOR) at a copy of this wrapper to run its flows under the chart's RBAC;
# FLOP_WRAPPED_OPERATOR names the real binary when the wrapper is used that way.
set -euo pipefail
kc="${FLOP_OPERATOR_KUBECONFIG:?set by tests/packaging/rbac.sh}"
if [[ -n "${FLOP_WRAPPED_OPERATOR:-}" ]]; then bin="$FLOP_WRAPPED_OPERATOR"; else bin="$1"; shift; fi
args=()
while (($#)); do
  case "$1" in
    --kubeconfig) args+=(--kubeconfig "$kc"); shift 2 ;;
    --kubeconfig=*) args+=("--kubeconfig=$kc"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
export KUBECONFIG="$kc"
exec "$bin" "${args[@]}"
