#!/usr/bin/env bash
# helm template output passes `kubectl apply --dry-run=server` (client-side and server-side apply)
# on the real API server: default, namespaced and HA (PDB, NetworkPolicy) renders.
# ServiceMonitor/PrometheusRule need the Prometheus Operator CRDs, which the test cluster lacks;
# they are rendered and parsed only. Run through tests/support/with-namespace.sh.
set -euo pipefail
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
chart="${FLOP_SOURCE_DIR:?}/charts/fl-operator"
fail=0
render() { helm template "$ns" "$chart" --namespace "$ns" --kube-version "$(kubectl version -o json | jq -r '.serverVersion.gitVersion' | sed 's/^v//')" "$@"; }

dry() { # description, helm args...
  local what="$1"; shift
  local manifest; manifest="$(render "$@")"
  for mode in client-side server-side; do
    local args=(--dry-run=server -f -)
    [[ $mode == server-side ]] && args=(--server-side --force-conflicts --field-manager=flop-dry-run "${args[@]}")
    if out="$(kubectl apply "${args[@]}" <<<"$manifest" 2>&1)"; then
      echo "ok   $what ($mode apply, $(grep -c '(server dry run)' <<<"$out") objects)"
    else
      echo "FAIL $what ($mode apply)"; echo "$out" | sed 's/^/     /'; fail=1
    fi
  done
}
dry "default values"
dry "namespaced mode" --set "watchNamespaces={$ns}"
dry "HA with PDB and NetworkPolicy" --set replicaCount=2 --set podDisruptionBudget.enabled=true \
  --set networkPolicy.enabled=true --set-json 'networkPolicy.metricsFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]'

# Prometheus Operator objects: well-formed, and the alert rules reference the release's Service.
mon="$(render --set serviceMonitor.enabled=true --set prometheusRule.enabled=true \
  --show-only templates/servicemonitor.yaml --show-only templates/prometheusrule.yaml)"
if MON="$mon" python3 - "$ns" <<'PY'
import sys, yaml
import os
docs = [d for d in yaml.safe_load_all(os.environ["MON"]) if d]
kinds = sorted(d["kind"] for d in docs)
assert kinds == ["PrometheusRule", "ServiceMonitor"], kinds
rule = next(d for d in docs if d["kind"] == "PrometheusRule")
alerts = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]]
job = f'job="{sys.argv[1]}-fl-operator-metrics"'
assert all(job in r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]), "job label not substituted"
for want in ("FLOperatorDown", "FLOperatorReconcileErrors", "FLModelMigrationFailed", "FLClusterScaleStuck"):
    assert want in alerts, want
PY
then echo "ok   ServiceMonitor and PrometheusRule render for the release"; else echo "FAIL ServiceMonitor/PrometheusRule"; fail=1; fi

# The dashboard ConfigMap: accepted by the API server, labelled for Grafana's sidecar, and holding
# exactly deploy/monitoring/grafana-dashboard.json.
dry "Grafana dashboard ConfigMap" --set grafanaDashboard.enabled=true
dash="$(render --set grafanaDashboard.enabled=true --show-only templates/grafana-dashboard.yaml)"
if DASH="$dash" python3 - "$FLOP_SOURCE_DIR/deploy/monitoring/grafana-dashboard.json" <<'PY'
import json, os, sys, yaml
cm = yaml.safe_load(os.environ["DASH"])
assert cm["kind"] == "ConfigMap" and cm["metadata"]["labels"]["grafana_dashboard"] == "1", cm["metadata"]
assert json.loads(cm["data"]["fl-operator.json"]) == json.load(open(sys.argv[1]))
PY
then echo "ok   dashboard ConfigMap carries the dashboard"; else echo "FAIL dashboard ConfigMap"; fail=1; fi
exit $fail
