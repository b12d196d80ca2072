#!/usr/bin/env bash
# with-namespace.sh NAME CMD...  — run CMD with its own fresh namespace on the test cluster.
# Creates `NAME-<random>`, waits for its default ServiceAccount (pods are rejected before it
# exists), exports FLOP_TEST_NAMESPACE, runs CMD, and deletes the namespace afterwards (without
# waiting) whatever CMD's outcome. Exit status is CMD's.
set -euo pipefail
prefix="$(echo "${1:?usage: with-namespace.sh NAME CMD...}" | tr 'A-Z_.' 'a-z--' | cut -c1-40)"
shift
ns="$prefix-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
kubectl create namespace "$ns" >/dev/null
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 300); do
  kubectl get serviceaccount default -n "$ns" >/dev/null 2>&1 && break
  sleep 0.2
done
export FLOP_TEST_NAMESPACE="$ns"
"$@"
