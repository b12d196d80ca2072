#!/usr/bin/env bash
# A local Kubernetes control plane made of real components, as plain processes on loopback:
# etcd -> kube-apiserver -> kube-controller-manager -> kube-scheduler -> kwok (fake nodes/pods).
#
#   cluster.sh up      [--dir DIR] [--nodes N] [--watch-pid PID|parent]   start, wait until usable
#   cluster.sh down    [--dir DIR]                       stop every process, keep logs
#   cluster.sh env     [--dir DIR]                       print `export` lines (KUBECONFIG, PATH)
#   cluster.sh status  [--dir DIR]                       which components run
#   cluster.sh stop    COMPONENT [--dir DIR]             stop one component (tests: outages)
#   cluster.sh start   COMPONENT [--dir DIR]             start it again with the same flags
#   cluster.sh compact [--dir DIR]                       compact etcd to its current revision
#
# COMPONENT is etcd, kube-apiserver, kube-controller-manager, kube-scheduler or kwok.
# Binaries come from build-tools.sh (built once, cached outside the clone).
# --watch-pid: a watchdog tears the cluster down when that process exits (`parent` = the caller),
# so a killed test run leaves no process behind.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }
log() { printf '[cluster] %s\n' "$*" >&2; }

cmd="${1:-}"; shift || true
component=""
if [[ "$cmd" == "stop" || "$cmd" == "start" ]]; then
  component="${1:-}"; shift || true
  [[ " ${components[*]} " == *" $component "* ]] || die "unknown component '$component' (one of: ${components[*]})"
fi
dir="${FLOP_CLUSTER_DIR:-$PWD/.cluster}"
nodes=2
watch_pid=""
while (($#)); do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --watch-pid) watch_pid="$2"; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pid_of() { cat "$dir/pids/$1.pid" 2>/dev/null || true; }
running() { local p; p="$(pid_of "$1")"; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }

start_component() { # name
  local name="$1"
  running "$name" && return 0
  # setsid: the component outlives the shell that started it, and gets no terminal signals.
  setsid "$dir/cmd/$name.sh" >>"$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$dir/pids/$name.pid"
}

stop_component() { # name [grace seconds]
  local name="$1" grace="${2:-10}" p i
  p="$(pid_of "$name")"
  [[ -n "$p" ]] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$dir/pids/$name.pid"
}

curl_admin() { # url...
  curl -sf --max-time 5 --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" "$@"
}

wait_for() { # description timeout-seconds command...
  local what="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what; last log lines:"
      tail -n 20 "$dir/logs/"*.log >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

source "$here/cluster-pki.sh"
source "$here/cluster-components.sh"

case "$cmd" in
  up) cluster_up ;;
  down) cluster_down ;;
  env)
    [[ -f "$dir/kubeconfig" ]] || die "no cluster in $dir (run: $0 up --dir $dir)"
    echo "export KUBECONFIG='$dir/kubeconfig'"
    echo "export PATH='$dir/bin':\"\$PATH\""
    echo "export FLOP_CLUSTER_DIR='$dir'"
    ;;
  status)
    for c in "${components[@]}"; do
      if running "$c"; then echo "$c running (pid $(pid_of "$c"))"; else echo "$c stopped"; fi
    done
    ;;
  stop) stop_component "$component" ;;
  start)
    start_component "$component"
    wait_component_ready "$component"
    ;;
  compact) etcd_compact ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
