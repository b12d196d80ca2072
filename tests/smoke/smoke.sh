#!/usr/bin/env bash
# Smoke tests proving the local control plane is real: each case exercises a different real
# component (controller-manager controllers, kube-scheduler, kwok, apiserver CRD serving).
#   smoke.sh deployment|statefulset|job|crd      (run inside tests/support/with-namespace.sh)
set -euo pipefail
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
k() { kubectl -n "$ns" "$@"; }
fail() { echo "FAIL: $*" >&2; k get all -o wide >&2 || true; exit 1; }

pod_spec='{"containers":[{"name":"c","image":"registry.invalid/none:1"}]}'

case "${1:?case}" in
  deployment)
    # Deployment controller -> ReplicaSet controller -> kube-scheduler binds -> kwok runs.
    k create deployment web --image=registry.invalid/none:1 --replicas=3 >/dev/null
    k rollout status deployment/web --timeout=60s >/dev/null || fail "deployment did not roll out"
    ready="$(k get deployment web -o jsonpath='{.status.readyReplicas}')"
    [[ "$ready" == 3 ]] || fail "readyReplicas=$ready, want 3"
    unscheduled="$(k get pods -l app=web -o jsonpath='{range .items[?(@.spec.nodeName=="")]}{.metadata.name}{"\n"}{end}')"
    [[ -z "$unscheduled" ]] || fail "pods without a node: $unscheduled"
    phases="$(k get pods -l app=web -o jsonpath='{.items[*].status.phase}')"
    [[ "$phases" == "Running Running Running" ]] || fail "pod phases: $phases"
    ;;
  statefulset)
    k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: $pod_spec
YAML
    k rollout status statefulset/db --timeout=60s >/dev/null || fail "statefulset did not roll out"
    names="$(k get pods -l app=db -o jsonpath='{.items[*].metadata.name}')"
    [[ "$names" == "db-0 db-1" ]] || fail "statefulset pods: $names"
    # A deleted pod comes back with the same name (the identity the FL servers rely on).
    uid="$(k get pod db-1 -o jsonpath='{.metadata.uid}')"
    # No `delete --wait`: the StatefulSet recreates db-1 under the same name at once, and one run
    # hung there (kwok had deleted the old pod in 0.3 s). Wait for the new uid instead.
    k delete pod db-1 --wait=false >/dev/null
    for _ in $(seq 1 300); do
      now="$(k get pod db-1 -o jsonpath='{.metadata.uid}' 2>/dev/null || true)"
      [[ -n "$now" && "$now" != "$uid" ]] && break
      sleep 0.2
    done
    k wait --for=condition=Ready pod/db-1 --timeout=60s >/dev/null || fail "db-1 did not return"
    [[ "$(k get pod db-1 -o jsonpath='{.metadata.uid}')" != "$uid" ]] || fail "db-1 was not recreated"
    ;;
  job)
    k create job once --image=registry.invalid/none:1 >/dev/null
    k wait --for=condition=Complete job/once --timeout=60s >/dev/null || fail "job did not complete"
    [[ "$(k get job once -o jsonpath='{.status.succeeded}')" == 1 ]] || fail "job succeeded != 1"
    ;;
  crd)
    group="smoke-$ns.example.com"
    kubectl apply -f - >/dev/null <<YAML
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.$group}
spec:
  group: $group
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 1}
YAML
    trap 'kubectl delete crd "widgets.$group" --wait=false >/dev/null 2>&1 || true' EXIT
    kubectl wait --for=condition=Established "crd/widgets.$group" --timeout=30s >/dev/null
    for _ in $(seq 1 50); do k get "widgets.$group" >/dev/null 2>&1 && break; sleep 0.2; done
    # --validate=false: let the server prune the unknown field instead of rejecting it.
    k apply --validate=false -f - >/dev/null <<YAML
apiVersion: $group/v1
kind: Widget
metadata: {name: w}
spec: {size: 3, unknown: dropped}
YAML
    [[ "$(k get "widgets.$group" w -o jsonpath='{.spec.size}')" == 3 ]] || fail "CR not served"
    [[ -z "$(k get "widgets.$group" w -o jsonpath='{.spec.unknown}')" ]] || fail "unknown field not pruned"
    if out="$(k apply -f - 2>&1 <<YAML
apiVersion: $group/v1
kind: Widget
metadata: {name: bad}
spec: {size: 0}
YAML
)"; then fail "size 0 accepted"; fi
    grep -q "spec.size" <<<"$out" || fail "rejection does not name spec.size: $out"
    ;;
  *) echo "unknown case $1" >&2; exit 2 ;;
esac
echo "PASS: $1"
