#!/usr/bin/env bash
# Every example in deploy/examples is accepted by the real API server with client-side apply,
# server-side apply and --dry-run=server; re-applying changes nothing (no drift: the server adds
# no defaults, so what Git holds is what the server stores); mutable fields can be edited.
source "$(dirname "$0")/lib.sh"
ensure_crds

spec_of_file() { kubectl create --dry-run=client -o json -f "$1" | jq -S .spec; }
spec_on_server() { kubectl get -n "$ns" -f "$1" -o json | jq -S .spec; }
rv() { kubectl get -n "$ns" -f "$1" -o jsonpath='{.metadata.resourceVersion}'; }

for file in "$examples"/*.yaml; do
  name="$(basename "$file")"
  check "$name: --dry-run=server" kubectl apply -n "$ns" --dry-run=server -f "$file" -o name
  check "$name: client-side apply" kubectl apply -n "$ns" -f "$file"
  out="$(kubectl apply -n "$ns" -f "$file")"
  check "$name: client-side re-apply is unchanged ($out)" contains "$out" "unchanged"
  check "$name: stored spec equals the file (no server defaults)" \
    test "$(spec_of_file "$file")" == "$(spec_on_server "$file")"
  # The first server-side apply takes over field ownership from client-side apply (a managed
  # fields change); applying again must then change nothing.
  check "$name: server-side apply over client-side apply" \
    kubectl apply -n "$ns" --server-side -f "$file"
  before="$(rv "$file")"
  check "$name: server-side re-apply" kubectl apply -n "$ns" --server-side -f "$file"
  check "$name: server-side re-apply changed nothing" test "$before" == "$(rv "$file")"
  check "$name: --dry-run=server on the existing object" \
    kubectl apply -n "$ns" --dry-run=server --server-side -f "$file"
  kubectl delete -n "$ns" -f "$file" >/dev/null
  # Fresh server-side create too (what Argo CD/Flux with ServerSideApply do).
  check "$name: server-side apply creates" kubectl apply -n "$ns" --server-side -f "$file"
  before="$(rv "$file")"
  kubectl apply -n "$ns" --server-side -f "$file" >/dev/null
  check "$name: server-side re-apply after create changed nothing" test "$before" == "$(rv "$file")"
done

# Only the migration's source/target are immutable: everything else may change.
kubectl apply -n "$ns" -f "$examples/modelmigration.yaml" >/dev/null
check "ModelMigration: ttl and step image are editable" kubectl patch -n "$ns" modelmigration \
  lr-to-new-party-ids --type merge -p '{"spec":{"ttlSecondsAfterFinished":60,"stepImage":"img:2"}}'
check "ModelMigration: import can be switched off" kubectl patch -n "$ns" modelmigration \
  lr-to-new-party-ids --type merge -p '{"spec":{"import":{"enabled":false}}}'
check "FederatedJob: suspend, deadline and backoff are editable" kubectl patch -n "$ns" \
  federatedjob hetero-lr-99 --type merge \
  -p '{"spec":{"runPolicy":{"suspend":true,"activeDeadlineSeconds":60,"backoffLimit":3}}}'
check "FederatedJob: the DSL may change (not declared immutable)" kubectl patch -n "$ns" \
  federatedjob hetero-lr-99 --type merge \
  -p '{"spec":{"fate":{"dsl":{"components":{"reader_0":{"provider":"fate@1.11.4"}}}}}}'
check "FLCluster: party id and FATE version are editable" kubectl patch -n "$ns" flcluster \
  party-100 --type merge -p '{"spec":{"partyId":101,"fate":{"version":"1.11.3"}}}'
finish
