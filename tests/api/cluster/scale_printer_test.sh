#!/usr/bin/env bash
# The scale subresource (kubectl scale, the HPA's view), the status subresource, and the printer
# columns of each kind.
source "$(dirname "$0")/lib.sh"
ensure_crds

kubectl apply -n "$ns" -f "$examples/flcluster.yaml" -f "$examples/flcluster-party-100.yaml" \
  -f "$examples/federatedjob.yaml" -f "$examples/modelmigration.yaml" >/dev/null
base="/apis/federatedlearning.dev/v1alpha1/namespaces/$ns"

check "kubectl scale flcluster" kubectl scale -n "$ns" flcluster/party-99 --replicas=6
check "scale wrote spec.mindspore.servers.replicas" test "$(kubectl get -n "$ns" flc party-99 \
  -o jsonpath='{.spec.mindspore.servers.replicas}')" == 6
check "the scale subresource reports spec.replicas" test "$(kubectl get --raw \
  "$base/flclusters/party-99/scale" | jq .spec.replicas)" == 6

now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
status='{"status":{"observedGeneration":2,"phase":"Scaling","replicas":4,"readyReplicas":4,
  "selector":"app.kubernetes.io/managed-by=fl-operator,federatedlearning.dev/owner-name=party-99",
  "conditions":[{"type":"Ready","status":"True","reason":"ServersReady","message":"4/4 servers",
  "lastTransitionTime":"'"$now"'","observedGeneration":2}]}}'
check "status is written through the status subresource" kubectl patch -n "$ns" flc party-99 \
  --subresource=status --type merge -p "$status"
scale="$(kubectl get --raw "$base/flclusters/party-99/scale")"
check "scale status.replicas comes from status.replicas" test "$(jq .status.replicas <<<"$scale")" == 4
check "scale status.selector is the string selector" test "$(jq -r .status.selector <<<"$scale")" == \
  "app.kubernetes.io/managed-by=fl-operator,federatedlearning.dev/owner-name=party-99"
kubectl patch -n "$ns" flc party-99 --type merge -p '{"status":{"phase":"Failed"}}' >/dev/null 2>&1 || true
check "the main resource cannot write status" test "$(kubectl get -n "$ns" flc party-99 \
  -o jsonpath='{.status.phase}')" == Scaling

# PW_ENCRYPT allows a single server, so scaling such a cluster out is refused.
kubectl patch -n "$ns" flc party-99 --type merge \
  -p '{"spec":{"mindspore":{"servers":{"replicas":1},"fl":{"encryptType":"PW_ENCRYPT"}}}}' >/dev/null
out="$(kubectl scale -n "$ns" flcluster/party-99 --replicas=2 2>&1)" && fail "PW_ENCRYPT scaled out"
check "PW_ENCRYPT scale-out is rejected naming the field" contains "$out" "spec.mindspore.servers.replicas"
out="$(kubectl scale -n "$ns" flcluster/party-100 --replicas=2 2>&1)" && fail "FATE-only party scaled"
check "a FATE-only party has no server group to scale" contains "$out" "spec.mindspore"

# Printer columns.
row() { kubectl get -n "$ns" "$@" --no-headers | tr -s ' '; }
header() { kubectl get -n "$ns" "$@" | head -1 | tr -s ' '; }
check "FLCluster columns" test "$(header flc party-99)" == "NAME PARTY READY PHASE DESIRED REPLICAS AGE"
check "FLCluster row" contains "$(row flc party-99)" "party-99 99 True Scaling 1 4 "
check "FLCluster wide shows the FATE version" contains "$(row flc party-99 -o wide)" " 1.11.4 "

kubectl patch -n "$ns" fj hetero-lr-99 --subresource=status --type merge -p '{"status":{
  "phase":"Running","fateJobId":"202202210834589399880","startTime":"'"$now"'",
  "attempts":[{"index":0,"fateJobId":"202202210834589399880","state":"running"}],
  "model":{"modelId":"arbiter-100#guest-99#host-100#model","modelVersion":"202202210834589399880"},
  "parties":[{"role":"guest","partyId":99,"state":"running"},{"role":"host","partyId":100,"state":"waiting"}],
  "conditions":[{"type":"Ready","status":"False","reason":"Running","message":"FATE job running",
  "lastTransitionTime":"'"$now"'"}]}}' >/dev/null
check "FederatedJob columns" test "$(header fj hetero-lr-99)" == "NAME CLUSTER READY PHASE FATE-JOB AGE"
check "FederatedJob row" contains "$(row fj hetero-lr-99)" \
  "hetero-lr-99 party-99 False Running 202202210834589399880 "
check "FederatedJob wide shows the model version" contains "$(row fj hetero-lr-99 -o wide)" \
  "202202210834589399880 202202210834589399880"

kubectl patch -n "$ns" mm lr-to-new-party-ids --subresource=status --type merge -p '{"status":{
  "phase":"Succeeded","newModelId":"arbiter-100#guest-99#host-100#model",
  "newModelVersion":"202006180930125432100",
  "parties":[{"role":"guest","sourcePartyId":9999,"targetPartyId":99,
    "steps":{"migrate":{"phase":"Succeeded","jobName":"lr-migrate-guest-9999-0","attempts":1}},
    "artifact":{"sha256":"3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555","bytes":2048}}],
  "conditions":[{"type":"Ready","status":"True","reason":"Succeeded","message":"3 parties migrated",
  "lastTransitionTime":"'"$now"'"}]}}' >/dev/null
check "ModelMigration columns" test "$(header mm lr-to-new-party-ids)" == \
  "NAME READY PHASE NEW-MODEL-ID NEW-VERSION AGE"
check "ModelMigration row" contains "$(row mm lr-to-new-party-ids)" \
  "lr-to-new-party-ids True Succeeded arbiter-100#guest-99#host-100#model 202006180930125432100 "
check "ModelMigration wide shows the source model" contains "$(row mm lr-to-new-party-ids -o wide)" \
  "arbiter-10000#guest-9999#host-10000#model"
finish
