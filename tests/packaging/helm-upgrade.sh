#!/usr/bin/env bash
# helm install of the previous chart version -> helm upgrade to this chart -> helm uninstall.
# The previous version is this chart at version 0.1.0 whose FLCluster CRD lacks
# spec.mindspore.scaling (the field this chart's CRD added), built by dropping that property from
# crds/ and regenerating the CRD templates with hack/generate.py --only crds. Checks:
#   - install adopts CRDs that were applied before (--take-ownership, the documented path)
#   - the old schema is served: an FLCluster using spec.mindspore.scaling is rejected
#   - after the upgrade the new schema is served (the templated CRDs are upgraded), the field is
#     accepted, existing CRs are untouched, and the values change (replicas 2 -> leader election)
#   - uninstall keeps the CRDs (helm.sh/resource-policy: keep) and the CRs, removes the rest.
# Changes the shared CRDs for a while: registered RUN_SERIAL. Restores them at the end.
# Run through tests/support/with-namespace.sh.
set -euo pipefail
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
src="${FLOP_SOURCE_DIR:?}"
rel="$ns"
crds=(flclusters.federatedlearning.dev federatedjobs.federatedlearning.dev modelmigrations.federatedlearning.dev)
tmp="$(mktemp -d)"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
restore() {
  helm uninstall "$rel" -n "$ns" >/dev/null 2>&1 || true
  kubectl -n "$ns" delete flclusters --all --wait=false >/dev/null 2>&1 || true
  # Back to the state tests/support/install-crds.sh leaves: current schema, no Helm ownership.
  kubectl apply --server-side --force-conflicts -f "$src/crds" >/dev/null
  kubectl annotate crd "${crds[@]}" meta.helm.sh/release-name- meta.helm.sh/release-namespace- \
    helm.sh/resource-policy- >/dev/null 2>&1 || true
  kubectl label crd "${crds[@]}" app.kubernetes.io/managed-by- >/dev/null 2>&1 || true
  kubectl wait --for=condition=Established crd "${crds[@]}" --timeout=60s >/dev/null
  rm -rf "$tmp"
}
trap restore EXIT

served_has_scaling() {
  kubectl get crd flclusters.federatedlearning.dev -o json \
    | jq -e '.spec.versions[] | select(.name=="v1alpha1") | .schema.openAPIV3Schema.properties.spec.properties.mindspore.properties | has("scaling")' >/dev/null
}
# The API server may serve the previous schema for a moment after a CRD update.
wait_schema() { # want: yes|no
  for _ in $(seq 1 50); do
    if out="$(kubectl apply --server-side --dry-run=server -n "$ns" -f "$tmp/scaling-cr.yaml" 2>&1)"; then
      [[ $1 == yes ]] && return 0
    else
      # Rejected for the missing field itself, not for something else.
      [[ $1 == no ]] && grep -qE 'spec.mindspore.scaling(: field not declared in schema|" unknown field)|unknown field "spec.mindspore.scaling"' <<<"$out" && return 0
    fi
    sleep 0.2
  done
  return 1
}

# Build the previous chart.
mkdir -p "$tmp/prev"
cp -r "$src/charts" "$tmp/prev/charts"
mkdir -p "$tmp/prev/crds"
python3 - "$src/crds" "$tmp/prev/crds" <<'PY'
import pathlib, sys, yaml
src, out = map(pathlib.Path, sys.argv[1:])
for f in src.glob("*.yaml"):
    doc = yaml.safe_load(f.read_text())
    if doc["metadata"]["name"] == "flclusters.federatedlearning.dev":
        props = doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["mindspore"]["properties"]
        del props["scaling"]
    (out / f.name).write_text(yaml.safe_dump(doc, sort_keys=False, width=1000))
PY
sed -i 's/^version: .*/version: 0.1.0/' "$tmp/prev/charts/fl-operator/Chart.yaml"
python3 "$tmp/prev/charts/fl-operator/hack/generate.py" --root "$tmp/prev" --only crds
prev_version=0.1.0
new_version="$(sed -n 's/^version: //p' "$src/charts/fl-operator/Chart.yaml")"
[[ "$prev_version" != "$new_version" ]] || { bad "chart version is still $prev_version"; exit 1; }

# An FLCluster that uses the new field.
python3 - "$src/deploy/examples/flcluster.yaml" >"$tmp/scaling-cr.yaml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
assert "scaling" in doc["spec"]["mindspore"], "deploy/examples/flcluster.yaml no longer sets spec.mindspore.scaling"
doc["metadata"]["name"] = "uses-scaling"
print(yaml.safe_dump(doc))
PY

# 1. install the previous version.
if out="$(helm install "$rel" "$tmp/prev/charts/fl-operator" -n "$ns" --take-ownership --wait --timeout 180s 2>&1)"; then
  ok "helm install $prev_version (adopting the existing CRDs)"
else
  bad "helm install $prev_version"; echo "$out"; exit 1
fi
served_has_scaling && bad "previous CRD still serves spec.mindspore.scaling" || ok "previous schema served (no spec.mindspore.scaling)"
wait_schema no && ok "FLCluster with spec.mindspore.scaling rejected by the previous schema" \
  || bad "FLCluster with spec.mindspore.scaling accepted by the previous schema"
kubectl apply --server-side -n "$ns" -f "$src/deploy/examples/flcluster-party-100.yaml" >/dev/null
uid_before="$(kubectl get flcluster party-100 -n "$ns" -o jsonpath='{.metadata.uid}')"
[[ -n "$uid_before" ]] && ok "FLCluster party-100 created under $prev_version" || bad "FLCluster not created"

# 2. upgrade to this chart.
if out="$(helm upgrade "$rel" "$src/charts/fl-operator" -n "$ns" --set replicaCount=2 --wait --timeout 180s 2>&1)"; then
  ok "helm upgrade to $new_version"
else
  bad "helm upgrade"; echo "$out"; exit 1
fi
[[ "$(helm list -n "$ns" -o json | jq -r '.[0].chart')" == "fl-operator-$new_version" ]] \
  && ok "release at fl-operator-$new_version" || bad "release chart version not $new_version"
served_has_scaling && ok "upgraded CRD serves spec.mindspore.scaling" || bad "upgrade did not update the CRD schema"
wait_schema yes && ok "FLCluster with spec.mindspore.scaling accepted after the upgrade" \
  || bad "FLCluster with spec.mindspore.scaling still rejected"
kubectl apply --server-side -n "$ns" -f "$tmp/scaling-cr.yaml" >/dev/null
[[ "$(kubectl get flcluster party-100 -n "$ns" -o jsonpath='{.metadata.uid}')" == "$uid_before" ]] \
  && ok "existing FLCluster survived the upgrade" || bad "existing FLCluster changed identity"
kubectl get deployment -n "$ns" -l app.kubernetes.io/instance="$rel" -o jsonpath='{.items[0].spec.template.spec.containers[0].args}' \
  | grep -q -- '--leader-elect' && ok "2 replicas run with --leader-elect" || bad "no --leader-elect after scaling to 2"
# ... and back to one replica (the Deployment strategy must allow both directions).
if out="$(helm upgrade "$rel" "$src/charts/fl-operator" -n "$ns" --set replicaCount=1 --wait --timeout 180s 2>&1)"; then
  ok "helm upgrade back to 1 replica"
else
  bad "helm upgrade back to 1 replica"; echo "$out"
fi
for c in "${crds[@]}"; do
  [[ "$(kubectl get crd "$c" -o jsonpath='{.metadata.annotations.helm\.sh/resource-policy}')" == keep ]] \
    || bad "$c lacks helm.sh/resource-policy: keep"
done

# 3. uninstall.
helm uninstall "$rel" -n "$ns" --wait --timeout 120s >/dev/null && ok "helm uninstall" || bad "helm uninstall"
for c in "${crds[@]}"; do kubectl get crd "$c" >/dev/null 2>&1 || bad "$c deleted by uninstall"; done
ok "CRDs kept after uninstall"
kubectl get flcluster party-100 uses-scaling -n "$ns" >/dev/null && ok "CRs kept after uninstall" || bad "CRs gone after uninstall"
left="$(kubectl get deployment,serviceaccount,role,rolebinding,service -n "$ns" -l app.kubernetes.io/instance="$rel" -o name; \
        kubectl get clusterrole,clusterrolebinding -l app.kubernetes.io/instance="$rel" -o name)"
[[ -z "$left" ]] && ok "operator objects removed" || bad "left behind: $left"
exit $fail
