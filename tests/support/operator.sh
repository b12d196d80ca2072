#!/usr/bin/env bash
# operator.sh start|stop|kill|restart|logs [FLAGS...] — an fl-operator process for one e2e test.
# Each e2e test runs its own operator, scoped to its own namespace (--watch-namespaces), so tests
# run in parallel and a test may SIGKILL and restart "its" operator without touching others.
#   start [FLAGS...]  start it (extra FLAGS are passed on) and wait for /readyz
#   stop              SIGTERM, wait for a clean exit (fails if it does not exit within 30 s)
#   kill              SIGKILL (a crash), no cleanup
#   restart [FLAGS..] kill + start
#   logs              print its log
#   metrics           print its /metrics
# State (pid, ports, log) lives in $FLOP_CLUSTER_DIR/e2e/$FLOP_TEST_NAMESPACE/.
set -euo pipefail
ns="${FLOP_TEST_NAMESPACE:?run through tests/support/with-namespace.sh}"
state="${FLOP_CLUSTER_DIR:?}/e2e/$ns"
bin="${FLOP_OPERATOR_BIN:-${FLOP_BINARY_DIR:?}/cmd/fl-operator/fl-operator}"
mkdir -p "$state"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
pid() { cat "$state/operator.pid" 2>/dev/null || true; }
alive() { local p; p="$(pid)"; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }

start() {
  alive && { echo "operator already running (pid $(pid))" >&2; return 1; }
  local health metrics
  health="$(free_port)"; metrics="$(free_port)"
  echo "$health" >"$state/health.port"; echo "$metrics" >"$state/metrics.port"
  "$bin" --kubeconfig "$KUBECONFIG" --watch-namespaces "$ns" \
    --health-probe-bind-address "127.0.0.1:$health" --metrics-bind-address "127.0.0.1:$metrics" \
    --log-format text --log-level debug "$@" >>"$state/operator.log" 2>&1 &
  echo $! >"$state/operator.pid"
  for _ in $(seq 1 150); do
    alive || { tail -n 40 "$state/operator.log" >&2; echo "operator exited at start" >&2; return 1; }
    curl -sf --max-time 1 "http://127.0.0.1:$health/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  tail -n 40 "$state/operator.log" >&2
  echo "operator not ready within 30 s" >&2
  return 1
}

stop() {
  alive || return 0
  local p; p="$(pid)"
  kill -TERM "$p"
  for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || { rm -f "$state/operator.pid"; return 0; }; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  echo "operator did not exit within 30 s of SIGTERM" >&2
  return 1
}

case "${1:?start|stop|kill|restart|logs|metrics}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  kill) alive && kill -KILL "$(pid)"; rm -f "$state/operator.pid" ;;
  restart) shift; alive && kill -KILL "$(pid)"; rm -f "$state/operator.pid"; start "$@" ;;
  logs) cat "$state/operator.log" ;;
  metrics) curl -sf "http://127.0.0.1:$(cat "$state/metrics.port")/metrics" ;;
  *) echo "unknown command $1" >&2; exit 2 ;;
esac
