#!/usr/bin/env bash
# Installs what wasio needs from Debian's archive (Debian 12). Quick and silent when all is there:
# it only asks dpkg, and calls apt only when a package is missing.
set -euo pipefail

packages=(
  clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32
  wabt libboost1.81-dev cmake ninja-build g++ libgtest-dev python3 curl socat netcat-openbsd
  node-llhttp wrk apache2-utils nghttp2-client redis-tools redis-server gnuplot-nox bsdutils
  pkgconf
  nginx wget iproute2 rsyslog
  rustc libstd-rust-dev-wasm32
  # the foreign guests (tests/foreign): mio and tokio echo servers built offline by Debian's cargo
  cargo librust-mio-dev librust-tokio-dev
  libssl-dev openssl
  systemd
  # libFuzzer and the sanitizers' runtime of clang-19 (tests/fuzz, scripts/fuzz.sh)
  libclang-rt-19-dev
  # the differential test runs the real uvwasi: Node's node:wasi
  nodejs
  # in-guest TLS (guest/tls, docs/tls.md): BearSSL natively; its source package (below) for wasm;
  # dpkg-dev's dpkg-source unpacks that
  libbearssl-dev dpkg-dev
  # the benchmarks' system call counts per request (tests/support/server_cost.py: perf stat on the
  # syscall tracepoints) and pinning (taskset, util-linux)
  linux-perf util-linux
)

# One dpkg-query for all: it prints a line per installed package and is silent about unknown ones.
installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null | awk '/ install ok installed$/ {print $1}' || true)"
missing=()
for package in "${packages[@]}"; do
  grep -qxF "$package" <<<"$installed" || missing+=("$package")
done

# BearSSL for the wasm build: Debian's source package, fetched with a deb-src entry that exists for
# these two apt calls only (its own sources file and lists folder; the system's apt setup is left
# alone) into an ignored cache folder; CMake compiles it with the guest's flags (guest/tls). Nothing
# of BearSSL is committed. Offline, this only warns: the build then says what is missing and builds
# everything but in-guest TLS.
fetch_bearssl_source() {
  local cache="${WASIO_BEARSSL_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/bearssl}"
  if compgen -G "$cache/bearssl-*/src/ssl/ssl_engine.c" > /dev/null; then return 0; fi
  local suite
  suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  mkdir -p "$cache/apt/lists/partial"
  echo "deb-src http://deb.debian.org/debian $suite main" > "$cache/apt/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$cache/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
              -o "Dir::State::Lists=$cache/apt/lists" -o APT::Get::List-Cleanup=0)
  # As root apt downloads as _apt, who cannot write to the cache folder.
  [ "$(id -u)" -ne 0 ] || opts+=(-o APT::Sandbox::User=root)
  echo "wasio setup: fetching BearSSL's Debian source package into $cache" >&2
  if ! (apt-get "${opts[@]}" update -qq && cd "$cache" && apt-get "${opts[@]}" source -qq bearssl) >&2; then
    echo "wasio setup: WARNING: could not get BearSSL's source package (apt-get source bearssl);" \
         "in-guest TLS will not be built for wasm" >&2
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  fetch_bearssl_source
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "wasio setup: missing packages: ${missing[*]}" >&2
  echo "Install them as root, then run this again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  echo "(clang-19 and its wasm32 libraries come from Debian 12's archive; with your own wasi-sdk," >&2
  echo " set WASI_SDK_PREFIX instead and skip clang-19 lld-19 wasi-libc and the *-wasm32 packages.)" >&2
  exit 1
fi

echo "wasio setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_bearssl_source
