#!/usr/bin/env bash
# Zero drift under GitOps. As Argo CD does with ServerSideApply, apply with the field manager
# "argocd-controller":
#   1. deploy/examples/*.yaml (every kind), let the operator reconcile (a real fl-operator process
#      scoped to this namespace; for each controller it registers, wait until status reports the
#      current generation), apply again -> `kubectl diff --server-side` is empty, generations did
#      not move, and no other manager owns a field under .spec (the operator never writes what
#      the user owns).
#   2. The documented exception: something that scales through FLCluster/scale (an HPA) writes
#      .spec.mindspore.servers.replicas. With replicas left out of Git (flcluster-autoscaled.yaml)
#      there is still no diff; with replicas in Git (flcluster.yaml) there is one — the case the
#      ignoreDifferences snippet in docs/operations.md covers.
#   3. The chart's own output (namespaced to this namespace) and the CRDs show no diff after apply.
# Run through tests/support/with-namespace.sh.
set -euo pipefail
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
src="${FLOP_SOURCE_DIR:?}"
examples="$src/deploy/examples"
fm=argocd-controller
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
op="$src/tests/support/operator.sh"
trap '"$op" stop >/dev/null 2>&1 || true' EXIT

apply() { kubectl apply --server-side --field-manager="$fm" -n "$ns" "$@" >/dev/null; }
diff_empty() { # description, diff args...
  local what="$1"; shift
  local out rc=0
  out="$(kubectl diff --server-side --field-manager="$fm" "$@" 2>&1)" || rc=$?
  if [[ $rc == 0 && -z "$out" ]]; then ok "no diff: $what"; else bad "diff: $what (exit $rc)"; echo "$out" | head -60; fi
}
generations() { kubectl get flclusters,federatedjobs,modelmigrations -n "$ns" -o json \
  | jq -r '.items[] | "\(.kind)/\(.metadata.name)=\(.metadata.generation)"' | sort; }

# 1. examples.
apply -f "$examples"
count="$(kubectl get flclusters,federatedjobs,modelmigrations -n "$ns" -o name | wc -l)"
want="$(grep -h '^kind: \(FLCluster\|FederatedJob\|ModelMigration\)' "$examples"/*.yaml | wc -l)"
[[ "$count" == "$want" ]] && ok "applied $count example objects" || bad "applied $count of $want examples"

"$op" start
# Controllers the operator runs, from its work queues (named after the kinds they reconcile).
queues="$("$op" metrics | sed -n 's/^workqueue_depth{.*name="\([^"]*\)".*/\1/p' | tr 'A-Z' 'a-z' | sort -u)"
echo "     operator work queues: $(echo ${queues:-none})"
for kind in flcluster federatedjob modelmigration; do
  grep -q "$kind" <<<"$queues" || { echo "     note: no $kind controller registered yet; its status is not awaited"; continue; }
  deadline=$((SECONDS + 90))
  while :; do
    behind="$(kubectl get "${kind}s" -n "$ns" -o json | jq -r '.items[] | select((.status.observedGeneration // -1) != .metadata.generation) | .metadata.name')"
    [[ -z "$behind" ]] && { ok "$kind: status reports the current generation"; break; }
    (( SECONDS > deadline )) && { bad "$kind: no status for the current generation: $behind"; break; }
    sleep 1
  done
done
sleep 3  # let any follow-up write (finalizers, children) land before re-applying

before="$(generations)"
apply -f "$examples"
[[ "$(generations)" == "$before" ]] && ok "re-apply left every generation unchanged" || { bad "re-apply changed generations"; diff <(echo "$before") <(generations) || true; }
diff_empty "examples after the operator reconciled" -n "$ns" -f "$examples"

# The Argo CD health check on these live objects (after the operator reconciled them).
live="$(mktemp -d)"
kubectl get flclusters,federatedjobs,modelmigrations -n "$ns" -o json >"$live/objects.json"
if out="$(FLOP_HEALTH_OBJECTS_DIR="$live" python3 "$src/tests/packaging/argocd-health.py" 2>&1)"; then
  ok "Argo CD health check on the live objects:"; grep "objects.json" <<<"$out" | sed 's/^/     /'
else
  bad "Argo CD health check on the live objects"; echo "$out" | grep -v '^ok'
fi
rm -rf "$live"

# Fields under .spec owned by anyone but Git (the scale subresource is checked separately below).
foreign="$(kubectl get flclusters,federatedjobs,modelmigrations -n "$ns" -o json --show-managed-fields | jq -r --arg fm "$fm" '
  .items[] | . as $o | .metadata.managedFields[]
  | select(.manager != $fm and (.fieldsV1["f:spec"] != null))
  | "\($o.kind)/\($o.metadata.name): \(.manager) (\(.operation)\(if .subresource then " " + .subresource else "" end)) owns spec fields"')"
[[ -z "$foreign" ]] && ok "only $fm owns .spec fields" || { bad "other managers own spec fields:"; echo "$foreign"; }

# 2. the scale exception.
kubectl scale flcluster party-101-autoscaled -n "$ns" --replicas=3 >/dev/null
[[ "$(kubectl get flcluster party-101-autoscaled -n "$ns" -o jsonpath='{.spec.mindspore.servers.replicas}')" == 3 ]] \
  && ok "scale subresource set FLCluster party-101-autoscaled to 3 servers" || bad "scale did not write spec.mindspore.servers.replicas"
diff_empty "autoscaled FLCluster (replicas not in Git) after a scale" -n "$ns" -f "$examples/flcluster-autoscaled.yaml"
kubectl scale flcluster party-99 -n "$ns" --replicas=5 >/dev/null
# Argo CD applies with force (it takes fields back); so does this diff.
scaled="$(kubectl diff --server-side --force-conflicts --field-manager="$fm" -n "$ns" -f "$examples/flcluster.yaml" 2>&1 || true)"
if grep -q '^-.*replicas: 5$' <<<"$scaled" && grep -q '^+.*replicas: 4$' <<<"$scaled"; then
  ok "FLCluster with replicas in Git shows the scale as drift (documented ignoreDifferences case)"
else
  bad "a scale of a Git-owned replicas field did not show as drift"
fi

# 3. chart output and CRDs.
chart="$(helm template "$ns" "$src/charts/fl-operator" -n "$ns" --set crds.install=false \
  --set "watchNamespaces={$ns}" --kube-version "$(kubectl version -o json | jq -r .serverVersion.gitVersion | sed 's/^v//')")"
kubectl apply --server-side --field-manager="$fm" -f - <<<"$chart" >/dev/null
kubectl -n "$ns" rollout status deployment/"$ns"-fl-operator --timeout=120s >/dev/null || true
diff_empty "chart output (namespaced) after apply" -f - <<<"$chart"
diff_empty "CRDs (crds/*.yaml)" --force-conflicts -f "$src/crds"
exit $fail
