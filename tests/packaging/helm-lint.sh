#!/usr/bin/env bash
# helm lint --strict on the chart with the value combinations people use, and values.schema.json
# rejecting wrong types (each bad value must fail *because of the schema*, naming the key).
set -euo pipefail
chart="${FLOP_SOURCE_DIR:?}/charts/fl-operator"
kv="${FLOP_KUBE_VERSION:-1.33.13}"
fail=0

lint() { # description, helm args...
  local what="$1"; shift
  if out="$(helm lint --strict --kube-version "$kv" "$chart" "$@" 2>&1)"; then
    echo "ok   lint: $what"
  else
    echo "FAIL lint: $what"; echo "$out" | sed 's/^/     /'; fail=1
  fi
}
lint "default values"
lint "namespaced" --set 'watchNamespaces={team-a,team-b}'
lint "HA with every optional object" --set replicaCount=3 --set podDisruptionBudget.enabled=true \
  --set networkPolicy.enabled=true --set serviceMonitor.enabled=true --set prometheusRule.enabled=true \
  --set grafanaDashboard.enabled=true
lint "external CRDs, existing ServiceAccount" --set crds.install=false \
  --set serviceAccount.create=false --set serviceAccount.name=fl-operator
lint "pinned digest" --set image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

reject() { # key-in-error-message, helm args...
  local key="$1"; shift
  if out="$(helm template t "$chart" --kube-version "$kv" "$@" 2>&1)"; then
    echo "FAIL schema accepted: $*"; fail=1
  elif grep -q "values don't meet the specifications of the schema" <<<"$out" && grep -q -- "$key" <<<"$out"; then
    echo "ok   schema rejects: $*"
  else
    echo "FAIL rejected for another reason: $*"; echo "$out" | sed 's/^/     /'; fail=1
  fi
}
reject replicaCount --set replicaCount=two
reject replicaCount --set-json 'replicaCount=1.5'
reject logFormat --set logFormat=xml
reject logLevel --set logLevel=verbose
reject watchNamespaces --set-json 'watchNamespaces="team-a"'
reject watchNamespaces --set 'watchNamespaces={Team_A}'
reject install --set-string crds.install=yes
reject enabled --set-json 'podDisruptionBudget.enabled="true"'
reject port --set metrics.port=70000
reject digest --set image.digest=latest
reject pullPolicy --set image.pullPolicy=Sometimes
reject extraArgs --set 'extraArgs={leader-elect}'
reject gracefulShutdownTimeout --set gracefulShutdownTimeout=soon
reject replicas --set replicas=2   # misspelt key: additionalProperties false

# Rendering follows the values: leader election with >1 replica, namespaced mode has no ClusterRole.
render() { helm template t "$chart" --kube-version "$kv" "$@"; }
check() { # description, command
  if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
check "one replica: no --leader-elect, no surge (never two reconcilers)" \
  '! render | grep -q -- "--leader-elect$" && render | grep -q "maxSurge: 0"'
check "three replicas: --leader-elect in the release namespace" \
  'render -n ops --set replicaCount=3 | grep -q -- "- --leader-elect$" && render -n ops --set replicaCount=3 | grep -q -- "--leader-election-namespace=ops"'
check "namespaced: Roles in each namespace, no ClusterRole(Binding)" \
  'out="$(render --set "watchNamespaces={team-a,team-b}")"; ! grep -q "^kind: ClusterRole" <<<"$out" && [[ $(grep -c "^kind: Role$" <<<"$out") == 3 ]] && grep -q -- "--watch-namespaces=team-a,team-b" <<<"$out"'
check "security context: non-root, read-only root, no escalation, caps dropped, RuntimeDefault" \
  'out="$(render)"; grep -q "runAsNonRoot: true" <<<"$out" && grep -q "readOnlyRootFilesystem: true" <<<"$out" && grep -q "allowPrivilegeEscalation: false" <<<"$out" && grep -q -A1 "drop:" <<<"$out" && grep -q "type: RuntimeDefault" <<<"$out"'
check "image follows appVersion and the Dockerfile's uid" \
  'app="$(sed -n "s/^appVersion: \"\(.*\)\"/\1/p" "$chart/Chart.yaml")"; render | grep -q "image: \".*:$app\"" && grep -q "^USER 65532:65532" "$FLOP_SOURCE_DIR/Dockerfile" && render | grep -q "runAsUser: 65532"'
check "step Jobs default to the operator image (FLOP_STEP_IMAGE), overridable" \
  'render | grep -A1 "name: FLOP_STEP_IMAGE" | grep -q "value: \"ghcr.io/.*fl-operator:" && render --set stepImage=r.example/fl-model:1 | grep -A1 "name: FLOP_STEP_IMAGE" | grep -q "r.example/fl-model:1"'
check "kubeVersion: refuses Kubernetes 1.28 (no GA CRD validation rules)" \
  '! helm template t "$chart" --kube-version 1.28.9 >/dev/null 2>&1 && helm template t "$chart" --kube-version 1.29.0 >/dev/null'
exit $fail
