# shellcheck shell=bash
# Peers the examples talk to that cannot run here for real (FATE-Flow, the MindSpore FL
# scheduler): started from the test doubles when they exist. Sourced by run.sh.
start_peers() {
  local d="$root/tests/doubles"
  if [[ -f "$d/fateflow/fateflow_double.py" ]]; then
    say "FATE-Flow test double"
    python3 "$d/fateflow/fateflow_double.py" --port 0 --port-file "$state/fateflow.port" \
      --state-dir "$state/fateflow" >"$state/fateflow.log" 2>&1 &
    pids+=($!)
  fi
}
