#!/usr/bin/env bash
# The CRDs themselves: GitOps-clean files, small enough for client-side apply, accepted and
# structural, names/short names/category served, and `kubectl explain` teaching the API.
source "$(dirname "$0")/lib.sh"
ensure_crds

for file in "$crds"/*.yaml; do
  name="$(basename "$file")"
  check "$name: no status stanza" bash -c "! grep -qE '^status:' '$file'"
  check "$name: no creationTimestamp" bash -c "! grep -qE '^\s*creationTimestamp:' '$file'"
  bytes="$(kubectl create --dry-run=client -o json -f "$file" | wc -c)"
  # Client-side apply stores the whole object in an annotation limited to 262144 bytes.
  check "$name: $bytes bytes fit the last-applied annotation" test "$bytes" -lt 262144
  check "$name: client-side apply (server dry run)" kubectl apply --dry-run=server -f "$file"
  crd="$(kubectl create --dry-run=client -o jsonpath='{.metadata.name}' -f "$file")"
  check "$crd: structural (no NonStructuralSchema condition)" bash -c \
    "test -z \"\$(kubectl get crd $crd -o jsonpath='{.status.conditions[?(@.type==\"NonStructuralSchema\")].status}')\""
  check "$crd: names accepted" test "$(kubectl get crd "$crd" \
    -o jsonpath='{.status.conditions[?(@.type=="NamesAccepted")].status}')" == "True"
done

kubectl apply --server-side --force-conflicts -f "$crds" >/dev/null
before="$(kubectl get crd -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {end}' \
  flclusters.federatedlearning.dev federatedjobs.federatedlearning.dev modelmigrations.federatedlearning.dev)"
kubectl apply --server-side --force-conflicts -f "$crds" >/dev/null
after="$(kubectl get crd -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {end}' \
  flclusters.federatedlearning.dev federatedjobs.federatedlearning.dev modelmigrations.federatedlearning.dev)"
check "re-applying the CRDs changes nothing" test "$before" == "$after"

resources="$(kubectl api-resources --api-group=federatedlearning.dev -o wide)"
for expected in "flclusters flc" "federatedjobs fj" "modelmigrations mm"; do
  line="$(grep "^${expected% *} " <<<"$resources" | tr -s ' ')"
  check "api-resources: $expected, namespaced, category fl" contains "$line" "$expected federatedlearning.dev/v1alpha1 true "
  check "api-resources: ${expected% *} in category fl" test "${line##* }" == "fl"
done
kubectl apply -n "$ns" -f "$examples/flcluster.yaml" -f "$examples/federatedjob.yaml" \
  -f "$examples/modelmigration.yaml" >/dev/null
category="$(kubectl get fl -n "$ns" -o name)"
for object in flcluster.federatedlearning.dev/party-99 federatedjob.federatedlearning.dev/hetero-lr-99 \
  modelmigration.federatedlearning.dev/lr-to-new-party-ids; do
  check "category fl lists $object" contains "$category" "$object"
done
check "short names resolve" kubectl get -n "$ns" flc/party-99 fj/hetero-lr-99 mm/lr-to-new-party-ids

explain_has() { # path text
  local out
  out="$(kubectl explain "$1" 2>&1)" || { fail "kubectl explain $1: $out"; return; }
  if contains "$out" "$2"; then pass; else fail "kubectl explain $1 lacks '$2'"; fi
}
explain_has flcluster "FLCluster describes one party of a federation"
explain_has flc.spec.partyId "Numeric party id"
explain_has flc.spec.fate.flow "Set exactly one of service or url"
explain_has flc.spec.fate.modelStore.path "model_local_cache"
explain_has flc.spec.mindspore.servers.replicas "scale subresource"
explain_has flc.spec.mindspore.fl.encryptType "PW_ENCRYPT supports exactly one server"
explain_has flc.spec.mindspore.scaling.onStuck "RecreateServers"
explain_has flc.status.selector "scale subresource"
explain_has federatedjob "FederatedJob runs one federated training job"
explain_has fj.spec.fate.runtimeConf "kept exactly as"
explain_has fj.spec.runPolicy.ttlSecondsAfterFinished "seconds after it finished"
explain_has fj.status.attempts "FATE job id"
explain_has modelmigration "migrate_model.json"
explain_has mm.spec.migrateRole "paired by position"
explain_has mm.spec.executeParty "OLD party id"
explain_has mm.spec.sources "sha256"
explain_has mm.status.parties.steps.migrate.jobName "Job of the latest attempt"
finish
