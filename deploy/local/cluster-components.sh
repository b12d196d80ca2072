# shellcheck shell=bash
# Component command lines, readiness checks, up/down (sourced by cluster.sh).
# Each component's exact command is written to $dir/cmd/<name>.sh so `start` after `stop`
# (tests that simulate outages) runs it with the same flags and ports.

write_command() { # name binary args...
  local name="$1" binary="$2"; shift 2
  {
    echo '#!/usr/bin/env bash'
    printf 'exec %q' "$dir/bin/$binary"
    printf ' %q' "$@"
    echo
  } >"$dir/cmd/$name.sh"
  chmod +x "$dir/cmd/$name.sh"
}

allocate_ports() {
  [[ -f "$dir/ports.env" ]] && { source "$dir/ports.env"; return 0; }
  ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port); APISERVER_PORT=$(free_port)
  KCM_PORT=$(free_port); SCHEDULER_PORT=$(free_port); KWOK_PORT=$(free_port)
  declare -p ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT |
    sed 's/^declare -- //' >"$dir/ports.env"
}

write_commands() {
  local pki="$dir/pki" kc="$dir/kubeconfig"
  write_command etcd etcd --name=local --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level=warn
  write_command kube-apiserver kube-apiserver --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range="$service_cidr" --authorization-mode=Node,RBAC \
    --allow-privileged=true --enable-priority-and-fairness=false --v=1
  write_command kube-controller-manager kube-controller-manager --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" --v=1
  write_command kube-scheduler kube-scheduler --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --v=1
  local kwok_config=()
  [[ -f "$here/kwok-stages.yaml" ]] && kwok_config=(--config="$here/kwok-stages.yaml")
  write_command kwok kwok --kubeconfig="$kc" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.1/16 --node-ip=10.0.0.2 --server-address="127.0.0.1:$KWOK_PORT" \
    "${kwok_config[@]}"
}

component_ready() { # name
  case "$1" in
    etcd) curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"' ;;
    kube-apiserver) curl_admin "https://127.0.0.1:$APISERVER_PORT/readyz" ;;
    kube-controller-manager) curl -skf --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz" ;;
    kube-scheduler) curl -skf --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz" ;;
    kwok) running kwok ;;
  esac
}

wait_component_ready() { # name
  allocate_ports
  running "$1" || { tail -n 30 "$dir/logs/$1.log" >&2; die "$1 exited at start"; }
  wait_for "$1" 60 component_ready "$1"
}

create_nodes() {
  local i manifest=""
  for ((i = 0; i < nodes; i++)); do
    manifest+="
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: '0'}
  labels: {type: kwok, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
status:
  allocatable: {cpu: '32', memory: 256Gi, pods: '110'}
  capacity: {cpu: '32', memory: 256Gi, pods: '110'}
"
  done
  kubectl apply -f - <<<"$manifest" >/dev/null
  kubectl wait --for=condition=Ready node --all --timeout=60s >/dev/null
}

start_watchdog() { # pid
  local owner="$1"
  [[ "$owner" == "parent" ]] && owner="$PPID"
  kill -0 "$owner" 2>/dev/null || die "--watch-pid $owner is not a running process"
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [[ -f "$2/pids/etcd.pid" ]]; do sleep 1; done
                  [[ -f "$2/pids/etcd.pid" ]] && "$3" down --dir "$2"' \
    watchdog "$owner" "$dir" "$here/cluster.sh" >>"$dir/logs/watchdog.log" 2>&1 </dev/null &
}

cluster_up() {
  local start=$SECONDS bin
  if running kube-apiserver; then
    log "already running in $dir"
    return 0
  fi
  bin="$("$here/build-tools.sh")"
  # A fresh cluster every time: no state or ports survive from an earlier (perhaps killed) run.
  rm -rf "$dir/etcd" "$dir/ports.env" "$dir/pids" "$dir/cmd" "$dir/logs"
  mkdir -p "$dir/pids" "$dir/logs" "$dir/cmd"
  ln -sfn "$bin" "$dir/bin"
  export PATH="$dir/bin:$PATH" KUBECONFIG="$dir/kubeconfig"
  local t0=$SECONDS
  make_pki
  allocate_ports
  write_kubeconfig "$APISERVER_PORT"
  write_commands
  for c in "${components[@]}"; do
    start_component "$c"
    wait_component_ready "$c"
  done
  [[ -n "$watch_pid" ]] && start_watchdog "$watch_pid"
  create_nodes
  wait_for "serviceaccount default/default" 60 kubectl get serviceaccount default -n default
  log "control plane up in $((SECONDS - t0))s (total with tool check $((SECONDS - start))s): $dir"
  log "use it with: eval \"\$($here/cluster.sh env --dir $dir)\""
}

cluster_down() {
  local i
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    stop_component "${components[$i]}"
  done
  log "stopped (logs kept in $dir/logs)"
}

etcd_compact() {
  allocate_ports
  local rev
  # etcd's gRPC gateway: read the current revision, then compact physically to it.
  rev="$(curl -sf -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/range" -d '{"key":"AA==","limit":1}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')"
  curl -sf -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/compaction" \
    -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null
  echo "$rev"
}
