#!/usr/bin/env bash
# check-image-libs.sh BINARY... — every shared library the binaries load (per `ldd`) must come
# from a package that the Dockerfile's runtime stage installs (deploy/image/runtime-packages.txt)
# or that debian:bookworm-slim already has (deploy/image/base-packages.txt). No Docker engine
# runs here, so this is what keeps the image from silently missing a library.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
listed() { grep -v '^#' "$root/deploy/image/runtime-packages.txt" "$root/deploy/image/base-packages.txt" | cut -d: -f2; }
grep -q 'runtime-packages.txt' "$root/Dockerfile" || { echo "Dockerfile does not install runtime-packages.txt" >&2; exit 1; }
missing=0
checked=0
for bin in "$@"; do
  [[ -x "$bin" ]] || { echo "not an executable: $bin" >&2; exit 1; }
  if ldd "$bin" | grep -q 'not found'; then
    echo "$bin: unresolved libraries:" >&2; ldd "$bin" | grep 'not found' >&2; exit 1
  fi
  while read -r lib; do
    real="$(readlink -f "$lib")"
    pkg="$(dpkg -S "$real" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true)"
    pkg="${pkg%%:*}"
    [[ -n "$pkg" ]] || { echo "$bin: $lib belongs to no Debian package" >&2; missing=1; continue; }
    checked=$((checked + 1))
    if ! listed | grep -qx "$pkg"; then
      echo "$bin needs $lib from package '$pkg', which the runtime image does not install" >&2
      missing=1
    fi
  done < <(ldd "$bin" | awk '/=> \//{print $3}')
done
((missing == 0)) || exit 1

echo "checked $checked library dependencies of $#"" binaries"
