#!/usr/bin/env bash
# Runs one libFuzzer target of tests/fuzz for a while, with ASan and UBSan.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]   e.g. scripts/fuzz.sh http_connection_fuzz 600
#   scripts/fuzz.sh --list                                  the targets
#
# Builds build-fuzz (cmake --preset fuzz) first. The working corpus is build-fuzz/fuzz-corpus/TARGET,
# seeded from tests/fuzz/corpus/TARGET and kept between runs; crashes, leaks and timeouts are
# written to build-fuzz/fuzz-artifacts/ (turn one into a regression seed: copy it into
# tests/fuzz/corpus/TARGET, where the suite's smoke run replays it).
# Prints libFuzzer's final stats: executions, coverage, corpus size.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
targets=(kv_session_fuzz syslog_fuzz http_connection_fuzz wasm2c_imports_fuzz)

if [ "${1:-}" = --list ]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]   (targets: ${targets[*]})" >&2
  exit 2
fi
target="$1" seconds="$2"
shift 2
case " ${targets[*]} " in *" $target "*) ;; *) echo "fuzz.sh: no target $target (${targets[*]})" >&2; exit 2 ;; esac

"$root/scripts/setup.sh"
[ -f "$build/CMakeCache.txt" ] || (cd "$root" && cmake --preset fuzz > /dev/null)
cmake --build "$build" -j "${WASIO_JOBS:-2}" --target "$target"

corpus="$build/fuzz-corpus/$target"
artifacts="$build/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"
options=(-max_total_time="$seconds" -timeout=30 -max_len=4096 -print_final_stats=1
         -artifact_prefix="$artifacts/$target-")
[ -f "$root/tests/fuzz/$target.dict" ] && options+=(-dict="$root/tests/fuzz/$target.dict")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$build/bin/$target" "${options[@]}" "$@" "$corpus" "$root/tests/fuzz/corpus/$target"
