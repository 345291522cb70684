#!/usr/bin/env bash
# Configures (once) and builds everything in build/ with Ninja: native programs and tests, and the
# wasm32-wasi half (build/wasm), with every program and .wasm in build/bin.
# Extra arguments go to the first configure, e.g. scripts/build.sh -DWASIO_BUILD_WASM=OFF.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASIO_BUILD_DIR:-$root/build}"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja "$@"
fi
cmake --build "$build" -j "${WASIO_JOBS:-$(nproc)}"
