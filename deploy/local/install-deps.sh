#!/usr/bin/env bash
# Installs every Debian package fl-operator needs to build and test. Idempotent: packages that
# are already installed are skipped, so re-running costs one dpkg query.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build clang clang-format libclang-rt-14-dev pkg-config ccache
  # libraries (cpprestsdk needs OpenSSL and Boost linked explicitly)
  libcpprest-dev libboost-system-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev libzip-dev zipcmp zipmerge ziptool
  libisal-dev
  prometheus-cpp-dev libspdlog-dev libfmt-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  # control plane, tests and packaging checks
  openssl curl zip unzip lua5.4 python3 procps iproute2 time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Python modules the tests and generators use, for whichever python3 is first on the PATH.
python_modules() {
  python3 -c 'import yaml, pytest' 2>/dev/null ||
    python3 -m pip install --quiet pyyaml pytest 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages pyyaml pytest
}

if ((${#missing[@]} == 0)); then
  python_modules
  echo "[install-deps] all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "[install-deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
python_modules
echo "[install-deps] done"
