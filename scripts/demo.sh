#!/usr/bin/env bash
# Builds wasio and serves the echo example as a .wasm module under wasio-run on 127.0.0.1:8080.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASIO_BUILD_DIR:-$root/build}"
address="${WASIO_DEMO_ADDRESS:-127.0.0.1:8080}"

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

cat >&2 <<MSG

wasio demo: build/bin/echo.wasm under wasio-run on $address. Try it from another terminal:
  socat - TCP:$address          (type lines; each comes back; Ctrl-D to end)
  printf 'hello\n' | nc -N ${address%:*} ${address##*:}
Stop the server with Ctrl-C.

MSG
export WASIO_CACHE_DIR="${WASIO_CACHE_DIR:-$build/wasm-cache}"
exec "$build/bin/wasio-run" --tcplisten "$address" "$build/bin/echo.wasm"
