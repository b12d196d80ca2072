#!/usr/bin/env bash
# The chart's RBAC is enough and not more, checked with the chart's own ServiceAccount identity:
# a token from the TokenRequest API (kubectl create token), never the admin credentials.
#   - the rules file is least-privilege by construction (no wildcards, no deletecollection,
#     escalate, bind, impersonate; nothing cluster-scoped)
#   - namespaced mode: allowed exactly in the watched namespace (+ the Lease in its own), denied
#     in any other namespace and cluster-wide; real list/watch calls with the token agree
#   - fl-operator, run on the host with that token, becomes ready, takes the leader Lease and
#     gets no 403 from the API server; for every controller it registers, it writes status for
#     the example objects (status subresource, finalizers, events)
#   - cluster-wide mode: the same rules in every namespace, still nothing beyond them
# Per-kind e2e flows to success (FATE-Flow and MindSpore scheduler doubles) live with the
# controllers' e2e tests; with FLOP_RBAC_E2E_CMD set they run under the cluster-wide identity
# (FLOP_OPERATOR_KUBECONFIG = the token kubeconfig; see the end of this script).
# Run through tests/support/with-namespace.sh.
set -euo pipefail
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
src="${FLOP_SOURCE_DIR:?}"
bin="${FLOP_OPERATOR_BIN:-${FLOP_BINARY_DIR:?}/cmd/fl-operator/fl-operator}"
watched="$ns-w" other="$ns-o"
rel="$ns" rel_cw="$ns-cw"
work="$(mktemp -d)"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
opid=""
cleanup() {
  [[ -n "$opid" ]] && kill "$opid" 2>/dev/null && wait "$opid" 2>/dev/null || true
  helm uninstall "$rel" -n "$ns" >/dev/null 2>&1 || true
  helm uninstall "$rel_cw" -n "$ns" >/dev/null 2>&1 || true
  kubectl delete namespace "$watched" "$other" --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
kubectl create namespace "$watched" >/dev/null
kubectl create namespace "$other" >/dev/null

# 0. the rules themselves.
python3 - "$src/charts/fl-operator/files/rbac-rules.yaml" <<'PY' && ok "rules file is least-privilege by construction" || bad "rules file"
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
bad = []
for section, rs in rules.items():
    for r in rs:
        for key in ("apiGroups", "resources", "verbs"):
            if "*" in r.get(key, []) or any("*" in x for x in r.get(key, [])):
                bad.append(f"{section}: wildcard in {key}")
        for v in ("deletecollection", "escalate", "bind", "impersonate"):
            if v in r["verbs"]:
                bad.append(f"{section}: verb {v}")
        for res in r["resources"]:
            if res.split("/")[0] in ("nodes", "namespaces", "customresourcedefinitions", "clusterroles",
                                     "clusterrolebindings", "roles", "rolebindings", "serviceaccounts",
                                     "mutatingwebhookconfigurations", "validatingwebhookconfigurations"):
                bad.append(f"{section}: {res}")
        if "resourceNames" in r or "nonResourceURLs" in r:
            bad.append(f"{section}: unexpected rule shape {r}")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

token_kubeconfig() { # sa namespace -> path
  local sa="$1" out="$work/$1.kubeconfig" token server ca
  token="$(kubectl create token "$sa" -n "$ns" --duration=1h)"
  server="$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')"
  ca="$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
  if [[ -z "$ca" ]]; then
    ca="$(base64 -w0 <"$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')")"
  fi
  cat >"$out" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: u, user: {token: "$token"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
KC
  echo "$out"
}
can() { KUBECONFIG="$kc" kubectl auth can-i "$@" >/dev/null 2>&1; }
allow() { if can "$@"; then ok "allowed: $*"; else bad "denied but needed: $*"; fi; }
deny() { if can "$@"; then bad "allowed but not needed: $*"; else ok "denied: $*"; fi; }
g=federatedlearning.dev

# 1. namespaced mode.
helm install "$rel" "$src/charts/fl-operator" -n "$ns" --set crds.install=false \
  --set "watchNamespaces={$watched}" --set leaderElection.enabled=true >/dev/null
sa="$(kubectl get serviceaccount -n "$ns" -l app.kubernetes.io/instance="$rel" -o jsonpath='{.items[0].metadata.name}')"
kc="$(token_kubeconfig "$sa")"
[[ "$(KUBECONFIG="$kc" kubectl auth whoami -o jsonpath='{.status.userInfo.username}')" == "system:serviceaccount:$ns:$sa" ]] \
  && ok "TokenRequest identity is system:serviceaccount:$ns:$sa" || bad "token identity"
for kind in flclusters federatedjobs modelmigrations; do
  for verb in get list watch update patch; do allow "$verb" "$kind.$g" -n "$watched"; done
  [[ $kind == federatedjobs ]] && allow delete "$kind.$g" -n "$watched" || deny delete "$kind.$g" -n "$watched"
  allow patch "$kind.$g" --subresource=status -n "$watched"
  allow update "$kind.$g" --subresource=finalizers -n "$watched"
  deny list "$kind.$g" -n "$other"
  deny list "$kind.$g" --all-namespaces
  deny create "$kind.$g" -n "$watched"
done
allow create statefulsets.apps -n "$watched"; allow patch deployments.apps -n "$watched"
allow create jobs.batch -n "$watched"; allow create persistentvolumeclaims -n "$watched"
allow patch horizontalpodautoscalers.autoscaling -n "$watched"; allow create events -n "$watched"
allow get secrets -n "$watched"; allow delete pods -n "$watched"
allow patch pods --subresource=status -n "$watched"; deny update pods --subresource=status -n "$watched"
allow create leases.coordination.k8s.io -n "$ns"; allow update leases.coordination.k8s.io -n "$ns"
deny get secrets -n "$other"; deny delete secrets -n "$watched"; deny deletecollection pods -n "$watched"
deny create pods -n "$watched"; deny create pods/exec -n "$watched"; deny update jobs.batch -n "$watched"
deny delete jobs.batch -n "$watched"; deny delete persistentvolumeclaims -n "$watched"; deny patch secrets -n "$watched"
deny delete statefulsets.apps -n "$watched"; deny delete configmaps -n "$watched"; deny update deployments.apps -n "$watched"
deny create leases.coordination.k8s.io -n "$watched"; deny list nodes; deny list namespaces
deny get customresourcedefinitions.apiextensions.k8s.io; deny create clusterroles.rbac.authorization.k8s.io
deny create rolebindings.rbac.authorization.k8s.io -n "$watched"; deny impersonate serviceaccounts -n "$watched"
# Real calls with the token.
KUBECONFIG="$kc" kubectl get flclusters -n "$watched" >/dev/null && ok "token lists FLClusters in $watched" || bad "token cannot list in $watched"
KUBECONFIG="$kc" kubectl get flclusters -n "$other" >/dev/null 2>&1 && bad "token lists FLClusters in $other" || ok "token cannot list FLClusters in $other"
rc=0; KUBECONFIG="$kc" timeout 3 kubectl get federatedjobs -n "$watched" --watch >/dev/null 2>&1 || rc=$?
[[ $rc == 124 ]] && ok "token watches FederatedJobs in $watched" || bad "watch ended with $rc"

# The writes a reconcile makes, done for real with the token: children with a controller
# ownerReference (blockOwnerDeletion needs flclusters/finalizers), status via the subresource,
# a finalizer, an Event, deleting a step Job.
kubectl apply --server-side -n "$watched" -f "$src/deploy/examples/flcluster-party-100.yaml" >/dev/null
uid="$(kubectl get flcluster party-100 -n "$watched" -o jsonpath='{.metadata.uid}')"
owner="ownerReferences: [{apiVersion: $g/v1alpha1, kind: FLCluster, name: party-100, uid: $uid, controller: true, blockOwnerDeletion: true}]"
as_op() { KUBECONFIG="$kc" kubectl -n "$watched" "$@"; }
# The controllers server-side apply most children (FLCluster) and create others (ModelMigration's
# PVC, ConfigMap, Jobs; FLCluster's token Secret): each is written the way the code writes it.
child() { # description, manifest [create]
  local out rc=0
  if [[ "${3:-apply}" == create ]]; then out="$(as_op create -f - <<<"$2" 2>&1)" || rc=$?; else
    out="$(as_op apply --server-side --field-manager=fl-operator -f - <<<"$2" 2>&1)" || rc=$?; fi
  if [[ $rc == 0 ]]; then ok "operator identity can ${3:-apply} $1"; else bad "operator identity cannot ${3:-apply} $1"; echo "$out" | sed 's/^/     /'; fi
}
meta() { printf 'metadata: {name: %s, %s}' "$1" "$owner"; }
child "an owned ConfigMap" "apiVersion: v1
kind: ConfigMap
$(meta party-100-fl-config)
data: {config.json: '{}'}"
child "an owned step-result ConfigMap" "apiVersion: v1
kind: ConfigMap
$(meta party-100-step-result)
data: {result: '{}'}" create
child "an owned Secret" "apiVersion: v1
kind: Secret
$(meta party-100-scheduler-token)
stringData: {token: t}" create
child "an owned Service" "apiVersion: v1
kind: Service
$(meta party-100-scheduler)
spec: {ports: [{port: 6667}], selector: {app: s}}"
child "an owned StatefulSet" "apiVersion: apps/v1
kind: StatefulSet
$(meta party-100-server)
spec: {replicas: 0, serviceName: party-100-server, selector: {matchLabels: {app: s}}, template: {metadata: {labels: {app: s}}, spec: {containers: [{name: s, image: registry.invalid/none:1}]}}}"
child "an owned Deployment" "apiVersion: apps/v1
kind: Deployment
$(meta party-100-scheduler)
spec: {replicas: 0, selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: d, image: registry.invalid/none:1}]}}}"
child "an owned HorizontalPodAutoscaler" "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
$(meta party-100-servers)
spec: {scaleTargetRef: {apiVersion: $g/v1alpha1, kind: FLCluster, name: party-100}, minReplicas: 1, maxReplicas: 2, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]}"
child "an owned PersistentVolumeClaim" "apiVersion: v1
kind: PersistentVolumeClaim
$(meta party-100-workspace)
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}" create
child "an owned Job" "apiVersion: batch/v1
kind: Job
$(meta party-100-step)
spec: {backoffLimit: 0, template: {spec: {restartPolicy: Never, containers: [{name: s, image: registry.invalid/none:1}]}}}" create
as_op patch flcluster party-100 --type=merge -p '{"metadata":{"finalizers":["federatedlearning.dev/test"]}}' >/dev/null \
  && ok "operator identity adds a finalizer" || bad "cannot add a finalizer"
as_op patch flcluster party-100 --subresource=status --type=merge \
  -p '{"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"False","reason":"RbacTest","message":"written with the operator token","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}' >/dev/null \
  && ok "operator identity patches status" || bad "cannot patch status"
as_op get flcluster party-100 -o json | jq '.status.phase = "Pending"' | as_op replace --subresource=status -f - >/dev/null \
  && ok "operator identity updates status (PUT /status)" || bad "cannot update status"
as_op delete pod --ignore-not-found nonexistent-pod >/dev/null && ok "operator identity may delete pods" || bad "cannot delete pods"
as_op create -f - >/dev/null <<EV && ok "operator identity records an Event" || bad "cannot create an Event"
apiVersion: v1
kind: Event
metadata: {name: party-100.rbac-test}
involvedObject: {apiVersion: $g/v1alpha1, kind: FLCluster, name: party-100, namespace: $watched, uid: $uid}
reason: RbacTest
message: created with the operator token
type: Normal
source: {component: fl-operator}
EV
as_op patch flcluster party-100 --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null \
  && ok "operator identity removes its finalizer" || bad "cannot remove the finalizer"
as_op get secret party-100-scheduler-token -o name >/dev/null || bad "cannot read its Secret"
kubectl delete flcluster party-100 -n "$watched" --wait=false >/dev/null

# 2. fl-operator with that identity.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
hp="$(free_port)" mp="$(free_port)"
"$bin" --kubeconfig "$kc" --watch-namespaces "$watched" --leader-elect --leader-election-namespace "$ns" \
  --leader-election-id "$rel-leader" --health-probe-bind-address "127.0.0.1:$hp" \
  --metrics-bind-address "127.0.0.1:$mp" --log-format text --log-level debug >"$work/operator.log" 2>&1 &
opid=$!
ready=""
for _ in $(seq 1 150); do
  kill -0 "$opid" 2>/dev/null || break
  curl -sf --max-time 1 "http://127.0.0.1:$hp/readyz" >/dev/null 2>&1 && { ready=1; break; }
  sleep 0.2
done
[[ -n "$ready" ]] && ok "fl-operator ready with the ServiceAccount token" || { bad "fl-operator not ready"; tail -30 "$work/operator.log"; }
holder=""
for _ in $(seq 1 100); do
  holder="$(kubectl get lease "$rel-leader" -n "$ns" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true)"
  [[ -n "$holder" ]] && break; sleep 0.2
done
[[ -n "$holder" ]] && ok "leader Lease $ns/$rel-leader held by $holder" || bad "no leader Lease"
queues="$(curl -sf "http://127.0.0.1:$mp/metrics" | sed -n 's/^workqueue_depth{.*name="\([^"]*\)".*/\1/p' | tr 'A-Z' 'a-z' | sort -u)"
for kind in flcluster federatedjob modelmigration; do
  if ! grep -q "$kind" <<<"$queues"; then echo "     note: no $kind controller registered yet; its writes are not exercised"; continue; fi
  for f in "$src"/deploy/examples/*.yaml; do
    grep -qi "^kind: $kind\$" "$f" && kubectl apply --server-side -n "$watched" -f "$f" >/dev/null
  done
  deadline=$((SECONDS + 90))
  while :; do
    behind="$(kubectl get "${kind}s" -n "$watched" -o json | jq -r '.items[] | select((.status.observedGeneration // -1) != .metadata.generation) | .metadata.name')"
    [[ -z "$behind" ]] && { ok "$kind: status written with the operator's identity"; break; }
    (( SECONDS > deadline )) && { bad "$kind: no status with the operator's identity: $behind"; break; }
    sleep 1
  done
done
sleep 2
forbidden="$(curl -sf "http://127.0.0.1:$mp/metrics" | grep -E '^rest_client_requests_total\{.*code="403"' || true)"
[[ -z "$forbidden" ]] && ok "no 403 from the API server" || { bad "403 responses:"; echo "$forbidden"; }
grep -qi 'forbidden' "$work/operator.log" && { bad "operator log mentions forbidden:"; grep -i forbidden "$work/operator.log" | head -5; } || ok "operator log has no 'forbidden'"
kill "$opid"; wait "$opid" 2>/dev/null || true; opid=""

# An operator pointed at a namespace it has no Role in cannot read it (only meaningful once a
# controller registers an informer there).
if [[ -n "$queues" ]]; then
  "$bin" --kubeconfig "$kc" --watch-namespaces "$other" --health-probe-bind-address "127.0.0.1:$hp" \
    --metrics-bind-address 0 --log-format text >"$work/other.log" 2>&1 &
  opid=$!
  sleep 10
  curl -sf --max-time 1 "http://127.0.0.1:$hp/readyz" >/dev/null 2>&1 \
    && bad "operator became ready on $other without permission there" || ok "operator cannot sync $other (no Role there)"
  kill "$opid"; wait "$opid" 2>/dev/null || true; opid=""
fi
helm uninstall "$rel" -n "$ns" >/dev/null

# 3. cluster-wide mode.
helm install "$rel_cw" "$src/charts/fl-operator" -n "$ns" --set crds.install=false >/dev/null
sa="$(kubectl get serviceaccount -n "$ns" -l app.kubernetes.io/instance="$rel_cw" -o jsonpath='{.items[0].metadata.name}')"
kc="$(token_kubeconfig "$sa")"
allow list flclusters.$g --all-namespaces; allow watch modelmigrations.$g --all-namespaces
allow patch federatedjobs.$g --subresource=status -n "$other"; allow get secrets -n "$other"
deny delete secrets -n "$other"; deny create pods -n "$other"; deny list nodes; deny list namespaces
deny create leases.coordination.k8s.io -n "$other"; deny deletecollection jobs.batch -n "$other"
deny escalate clusterroles.rbac.authorization.k8s.io; deny bind clusterroles.rbac.authorization.k8s.io
KUBECONFIG="$kc" kubectl get flclusters -A >/dev/null && ok "cluster-wide token lists FLClusters in all namespaces" || bad "cluster-wide list"
# Per-kind e2e flows to success under this identity: the command runs with the admin KUBECONFIG
# (the test's own kubectl calls) and FLOP_OPERATOR_KUBECONFIG, the token kubeconfig its operator
# must use (the e2e harnesses pass it as --kubeconfig when set).
if [[ -z "${FLOP_RBAC_E2E_CMD:-}" && -n "${FLOP_RBAC_FJ_OPERATOR:-}" ]]; then
  FLOP_RBAC_E2E_CMD="$src/tests/packaging/rbac-e2e-flows.sh"
fi
if [[ -n "${FLOP_RBAC_E2E_CMD:-}" ]]; then
  FLOP_OPERATOR_KUBECONFIG="$kc" bash -c "$FLOP_RBAC_E2E_CMD" && ok "e2e flows with the operator identity" || bad "e2e flows with the operator identity"
else
  echo "     note: FLOP_RBAC_E2E_CMD unset: per-kind e2e flows not run under this identity"
fi
exit $fail
