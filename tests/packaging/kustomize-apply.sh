#!/usr/bin/env bash
# deploy/kustomize works with `kubectl apply -k` and `kubectl apply --server-side -k`, shows no
# diff afterwards, the operator pod passes the namespace's Pod Security "restricted" level and
# rolls out; the namespaced overlay has no cluster-wide manager permission. Removes everything
# but the CRDs afterwards (the CRDs are shared with the other tests).
set -euo pipefail
src="${FLOP_SOURCE_DIR:?}/deploy/kustomize"
base="$src/base" overlay="$src/overlays/namespaced"
sa="system:serviceaccount:fl-operator-system:fl-operator"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
without_crds() { kubectl kustomize "$1" | python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d and d["kind"] not in ("CustomResourceDefinition", "Namespace")]
print("---\n".join(yaml.safe_dump(d) for d in docs))'; }
cleanup() {
  for k in "$base" "$overlay"; do without_crds "$k" | kubectl delete --ignore-not-found --wait=false -f - >/dev/null 2>&1 || true; done
  kubectl delete namespace fl-operator-system fl-workloads --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
for n in fl-operator-system fl-workloads; do  # a previous run's namespaces may still terminate
  for _ in $(seq 1 150); do kubectl get namespace "$n" >/dev/null 2>&1 || break; sleep 0.4; done
done

if kubectl apply -k "$base" >/tmp/kustomize-apply.$$ 2>&1; then ok "kubectl apply -k base"; else bad "kubectl apply -k base"; cat /tmp/kustomize-apply.$$; fi
if kubectl apply --server-side -k "$base" >/tmp/kustomize-apply.$$ 2>&1; then ok "kubectl apply --server-side -k base"; else bad "kubectl apply --server-side -k base"; cat /tmp/kustomize-apply.$$; fi
rm -f /tmp/kustomize-apply.$$
if out="$(kubectl diff --server-side -k "$base" 2>&1)"; then ok "no diff after apply"; else bad "diff after apply:"; echo "$out" | head -40; fi
if kubectl -n fl-operator-system rollout status deployment/fl-operator --timeout=120s >/dev/null; then
  ok "Deployment rolled out (pod admitted under Pod Security restricted)"
else
  bad "Deployment did not roll out"; kubectl -n fl-operator-system get events --sort-by=.lastTimestamp | tail -10
fi
# The namespace really enforces "restricted": a root pod is refused there.
if kubectl -n fl-operator-system run psa-probe --image=registry.invalid/none:1 --dry-run=server \
     --overrides='{"spec":{"securityContext":{"runAsUser":0}}}' >/dev/null 2>&1; then
  bad "Pod Security restricted is not enforced in fl-operator-system"
else
  ok "Pod Security restricted enforced in fl-operator-system"
fi
kubectl auth can-i --as="$sa" list flclusters.federatedlearning.dev --all-namespaces >/dev/null \
  && ok "base: cluster-wide list of FLClusters" || bad "base: cannot list FLClusters cluster-wide"

# Namespaced overlay on a clean slate.
without_crds "$base" | kubectl delete -f - >/dev/null
if kubectl apply --server-side -k "$overlay" >/dev/null; then ok "kubectl apply --server-side -k overlays/namespaced"; else bad "apply overlay"; fi
if out="$(kubectl diff --server-side -k "$overlay" 2>&1)"; then ok "no diff after overlay apply"; else bad "overlay diff:"; echo "$out" | head -40; fi
kubectl get clusterrole fl-operator-manager >/dev/null 2>&1 && bad "overlay left a ClusterRole" || ok "overlay: no ClusterRole"
kubectl -n fl-operator-system get deployment fl-operator -o jsonpath='{.spec.template.spec.containers[0].args}' \
  | grep -q -- '--watch-namespaces=fl-workloads' && ok "overlay: --watch-namespaces=fl-workloads" || bad "overlay: args not patched"
kubectl auth can-i --as="$sa" list flclusters.federatedlearning.dev -n fl-workloads >/dev/null \
  && ok "overlay: lists FLClusters in fl-workloads" || bad "overlay: cannot list in fl-workloads"
kubectl auth can-i --as="$sa" list flclusters.federatedlearning.dev -n default >/dev/null \
  && bad "overlay: can list FLClusters in default" || ok "overlay: cannot list FLClusters in default"
kubectl -n fl-operator-system rollout status deployment/fl-operator --timeout=120s >/dev/null \
  && ok "overlay Deployment rolled out" || bad "overlay Deployment did not roll out"
exit $fail
