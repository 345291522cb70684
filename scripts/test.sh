#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASIO_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
"$root/scripts/build.sh"
# ctest ends with its own summary ("100% tests passed, 0 tests failed out of N") and its exit status.
ctest --test-dir "$build" --output-on-failure -j "${WASIO_JOBS:-2}"
