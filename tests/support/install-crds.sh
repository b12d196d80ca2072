#!/usr/bin/env bash
# Installs the project's CRDs into the test cluster and waits until they are served.
set -euo pipefail
crds="${FLOP_SOURCE_DIR:?}/crds"
compgen -G "$crds/*.yaml" >/dev/null || { echo "no CRDs in $crds yet"; exit 0; }
kubectl apply --server-side --force-conflicts -f "$crds" >/dev/null
kubectl wait --for=condition=Established -f "$crds" --timeout=60s
