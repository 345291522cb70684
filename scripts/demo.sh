#!/usr/bin/env bash
# Builds wasio and serves the HTTP example as a .wasm module under wasio-run on 127.0.0.1:8080.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASIO_BUILD_DIR:-$root/build}"
address="${WASIO_DEMO_ADDRESS:-127.0.0.1:8080}"

"$root/scripts/setup.sh"
# Only what the demo serves: wasio-run and http.wasm (not the test suite, not the other examples).
jobs="${WASIO_JOBS:-$(nproc)}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja
fi
cmake --build "$build" -j "$jobs" --target wasio-run
if [ ! -f "$build/wasm/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build/wasm" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/cmake/wasi-toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DWASIO_BIN_DIR="$build/bin" -DWASIO_BUILD_TESTS=OFF
fi
cmake --build "$build/wasm" -j "$jobs" --target http

cat >&2 <<MSG

wasio demo: build/bin/http.wasm (HTTP/1.1) under wasio-run on $address. Try it from another terminal:
  curl -i http://$address/                              (Hello, World!)
  curl --data-binary 'echo me' http://$address/echo     (the body comes back)
  curl http://$address/stats                            (counters as JSON)
Stop the server with Ctrl-C: it stops accepting, answers what it already read, and exits 0.

MSG
# The compiled module goes to the default cache (README: $WASIO_CACHE_DIR, else ~/.cache/wasio).
exec "$build/bin/wasio-run" --tcplisten "$address" "$build/bin/http.wasm"
