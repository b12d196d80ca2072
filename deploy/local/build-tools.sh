#!/usr/bin/env bash
# Builds the real control-plane binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok, helm) from the Go module proxy and caches them outside the clone, keyed by
# the pinned versions; beside them kstatus-check (the kstatus library's verdict on objects, for the
# packaging tests), rebuilt when its pinned cli-utils version changes. Prints the bin directory on
# stdout. Safe to re-run: a cached key is reused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"

# The version a go.mod requires for a module, whether in a require block or a one-line require.
mod_version() { # module go.mod
  awk -v m="$1" '($1 == m && NF >= 2) {print $2; exit} ($1 == "require" && $2 == m) {print $3; exit}' "$2"
}
KUBE_VERSION="$(mod_version k8s.io/kubernetes "$tools/kube/go.mod")"
ETCD_VERSION="$(mod_version go.etcd.io/etcd/server/v3 "$tools/etcd/go.mod")"
KWOK_VERSION="$(mod_version sigs.k8s.io/kwok "$tools/kwok/go.mod")"
HELM_VERSION="$(mod_version helm.sh/helm/v3 "$tools/helm/go.mod")"
for v in KUBE_VERSION ETCD_VERSION KWOK_VERSION HELM_VERSION; do
  [[ "${!v}" == v* ]] || { echo "[build-tools] cannot read $v from $tools/*/go.mod" >&2; exit 1; }
done
GO_VERSION="$(go env GOVERSION)"

key="kube-${KUBE_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}_${GO_VERSION}"
cache_root="${FLOP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fl-operator/tools}"
bin="$cache_root/$key/bin"

log() { printf '[build-tools] %s\n' "$*" >&2; }

mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"
# One link at a time: each Kubernetes link needs ~2 GB and the machine has 2 cores.
export GOMAXPROCS="${GOMAXPROCS:-$(nproc)}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

version_flags() { # pkg-prefix
  local major minor
  major="${KUBE_VERSION#v}"; major="${major%%.*}"
  minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=%s ' \
      "$pkg" "$KUBE_VERSION" "$pkg" "$major" "$pkg" "$minor" "$pkg" "$pkg" "$build_date"
  done
}

build() { # dir output package ldflags
  local dir="$1" out="$2" pkg="$3" ldflags="$4"
  if [[ -x "$bin/$out" ]]; then return; fi
  log "building $out ($pkg)"
  local start=$SECONDS
  (cd "$tools/$dir" && go build -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  log "built $out in $((SECONDS - start))s"
}

# Small, and versioned by a stamp so it never invalidates the control-plane key.
build_kstatus() {
  local version
  version="$(mod_version sigs.k8s.io/cli-utils "$tools/kstatus/go.mod")"
  if [[ "$(cat "$bin/kstatus-check.version" 2>/dev/null)" == "$version" && -x "$bin/kstatus-check" ]]; then
    return
  fi
  rm -f "$bin/kstatus-check"
  build kstatus kstatus-check . ""
  echo "$version" >"$bin/kstatus-check.version"
}

if [[ -f "$bin/.complete" ]]; then
  build_kstatus
  echo "$bin"
  exit 0
fi

kflags="$(version_flags)"
build etcd etcd . ""
build kwok kwok sigs.k8s.io/kwok/cmd/kwok ""
minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
hflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  hflags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
done
build helm helm helm.sh/helm/v3/cmd/helm "$hflags"
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build kube "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$kflags"
done

build_kstatus
touch "$bin/.complete"
log "tools ready in $bin"
echo "$bin"
