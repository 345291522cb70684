#!/usr/bin/env bash
# Builds wasio and serves the HTTP example as a .wasm module under wasio-run on 127.0.0.1:8080.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASIO_BUILD_DIR:-$root/build}"
address="${WASIO_DEMO_ADDRESS:-127.0.0.1:8080}"

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

cat >&2 <<MSG

wasio demo: build/bin/http.wasm (HTTP/1.1) under wasio-run on $address. Try it from another terminal:
  curl -i http://$address/                              (Hello, World!)
  curl --data-binary 'echo me' http://$address/echo     (the body comes back)
  curl http://$address/stats                            (counters as JSON)
Stop the server with Ctrl-C.

MSG
export WASIO_CACHE_DIR="${WASIO_CACHE_DIR:-$build/wasm-cache}"
exec "$build/bin/wasio-run" --tcplisten "$address" "$build/bin/http.wasm"
