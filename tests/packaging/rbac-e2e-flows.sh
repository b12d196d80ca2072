#!/usr/bin/env bash
# The controllers' own e2e flows, one or two to success per kind, with each e2e operator running
# under the chart ServiceAccount's token (FLOP_OPERATOR_KUBECONFIG, via as-operator-identity.sh).
# Called by rbac.sh with FLOP_RBAC_{FJ,FLC,MM}_OPERATOR naming the e2e operator binaries.
set -euo pipefail
src="${FLOP_SOURCE_DIR:?}"
wrap="$src/tests/packaging/as-operator-identity.sh"
: "${FLOP_OPERATOR_KUBECONFIG:?}"
py="${PYTHON:-python3}"
run() { # wrapped-binary harness-variable test-dir selection
  FLOP_WRAPPED_OPERATOR="$1" env "$2=$wrap" "$py" -m pytest -q -p no:cacheprovider "$src/$3" -k "$4"
}
run "${FLOP_RBAC_FJ_OPERATOR:?}" FLOP_FEDERATEDJOB_OPERATOR tests/controllers/federatedjob/e2e \
  "success_with_publish_and_bind or deletion_while_running"
run "${FLOP_RBAC_FLC_OPERATOR:?}" FLOP_FLCLUSTER_OPERATOR tests/controllers/flcluster/e2e \
  "scale_out_then_in_follows_the_protocol or autoscaling_creates_an_hpa"
run "${FLOP_RBAC_MM_OPERATOR:?}" FLOP_MM_OPERATOR tests/controllers/modelmigration/e2e \
  "seed_migration_succeeds_with_every_step_in_order"
