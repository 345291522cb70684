#!/usr/bin/env bash
# Builds the .deb (cpack in build/) and proves it on a fresh Debian 12 root: debootstrap a minimal
# bookworm into a scratch folder (kept in $WASIO_DEBROOT between runs, default /var/tmp/wasio-debroot),
# `apt-get install ./wasio_*.deb` there (its dependencies come from Debian's archive), then follow the
# starter's README literally with P=/usr: build natively and for wasm32-wasi, serve a client with each.
# Needs root and Debian's archive; not part of scripts/test.sh (minutes of downloads).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASIO_BUILD_DIR:-$root/build}"
debroot="${WASIO_DEBROOT:-/var/tmp/wasio-debroot}"
[ "$(id -u)" -eq 0 ] || { echo "deb-check: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap > /dev/null || apt-get install -y -qq debootstrap

"$root/scripts/build.sh"
(cd "$build" && cpack -G DEB)
deb="$(ls "$build"/wasio_*.deb | head -n 1)"

if [ ! -x "$debroot/usr/bin/apt-get" ]; then
  mirror="$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' /etc/apt/sources.list.d/* /etc/apt/sources.list 2>/dev/null || true)"
  debootstrap --variant=minbase bookworm "$debroot" "${mirror:-http://deb.debian.org/debian}"
fi
mountpoint -q "$debroot/proc" || mount -t proc proc "$debroot/proc"
trap 'umount "$debroot/proc" 2>/dev/null || true' EXIT
rm -rf "$debroot/tmp/starter" && cp -r "$root/starter" "$debroot/tmp/starter" && cp "$deb" "$debroot/tmp/"
chroot "$debroot" bash -euc "
  export DEBIAN_FRONTEND=noninteractive HOME=/tmp
  apt-get update -qq && apt-get install -y -qq /tmp/$(basename "$deb") > /dev/null
  cd /tmp/starter && rm -rf build build-wasm
  P=/usr
  cmake -S . -B build -DCMAKE_PREFIX_PATH=\$P > /dev/null && cmake --build build > /dev/null
  cmake -S . -B build-wasm -DCMAKE_PREFIX_PATH=\$P -DCMAKE_TOOLCHAIN_FILE=\$P/share/wasio/cmake/wasi-toolchain.cmake > /dev/null
  cmake --build build-wasm > /dev/null
  check() {  # \$1: log file the server writes its 'listening on ADDR:PORT' line to
    for i in \$(seq 1 600); do grep -q 'listening on' \$1 2>/dev/null && break; sleep 0.2; done
    port=\$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' \$1 | head -n 1)
    exec 3<>/dev/tcp/127.0.0.1/\$port; printf 'hello from a fresh debian\n' >&3; read -r reply <&3; exec 3>&-
    echo \"deb-check: port \$port answered: \$reply\"; [ \"\$reply\" = 'HELLO FROM A FRESH DEBIAN' ]
  }
  \$P/bin/wasio-run --tcplisten 127.0.0.1:0 build-wasm/starter_server.wasm 2> /tmp/wasm.log & wasm=\$!
  WASIO_TCPLISTEN=127.0.0.1:0 build/starter_server 2> /tmp/native.log & native=\$!
  trap 'kill \$wasm \$native 2>/dev/null || true' EXIT
  check /tmp/wasm.log && check /tmp/native.log
"
echo "deb-check: $(basename "$deb") installs on a fresh Debian 12 root; the starter builds and serves natively and as wasm"
