#!/usr/bin/env python3
"""File I/O through wasio-run against the same C program linked natively, in one run, side by side.

  python3 tests/wasm/fs_bench/fs_bench.py --bin-dir build/bin [--quick] [--dir DIR]

Sequential 1 MiB writes and reads in 64 KiB blocks (MiB/s, higher is better) and open+close of an
existing file (ns, lower is better); each figure is the median of 5 runs inside the program, and
the two programs alternate three times (the best run of each is kept, so a noisy neighbour on a
shared machine costs both alike). Ratios: wasm/native for rates, native/wasm for times, so 1.0 is
parity and below 1.0 is wasm slower. A benchmark, not a test: nothing is asserted on the numbers.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def run(command):
    out = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    values = {}
    for line in out.stdout.splitlines():
        key, value = line.split()
        values[key] = float(value)
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--quick", action="store_true", help="tiny counts: only checks it runs")
    parser.add_argument("--dir", help="where the file goes (default: a fresh folder under $TMPDIR)")
    options = parser.parse_args()
    rounds, opens = (2, 50) if options.quick else (64, 20000)
    scratch = options.dir or tempfile.mkdtemp(prefix="wasio-fs-bench-")
    os.makedirs(scratch, exist_ok=True)
    native = [os.path.join(options.bin_dir, "fs_bench_native"), scratch, str(rounds), str(opens)]
    wasm = [os.path.join(options.bin_dir, "wasio-run"), "--dir", f"{scratch}::/data",
            os.path.join(options.bin_dir, "fs_bench_guest.wasm"), "/data", str(rounds), str(opens)]
    best = {"native": {}, "wasm": {}}
    for _ in range(1 if options.quick else 3):
        for name, command in (("native", native), ("wasm", wasm)):
            for key, value in run(command).items():
                keep = min if key.endswith("_ns") else max
                best[name][key] = keep(best[name].get(key, value), value)
    if not options.dir:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [("sequential write, 1 MiB in 64 KiB blocks", "write_mib_s", "MiB/s"),
            ("sequential read, 1 MiB in 64 KiB blocks", "read_mib_s", "MiB/s"),
            ("open + close of an existing file", "open_close_ns", "ns")]
    print(f"{'case':44} {'native':>12} {'wasio-run':>12} {'ratio':>8}")
    for label, key, unit in rows:
        n, w = best["native"][key], best["wasm"][key]
        ratio = (n / w) if key.endswith("_ns") else (w / n)
        print(f"{label:44} {n:>9.1f} {unit:<3}{w:>9.1f} {unit:<3}{ratio:>7.2f}x")
    print("ratio: wasm throughput / native (rates), native time / wasm time (open+close); 1.00x is parity")
    return 0


if __name__ == "__main__":
    sys.exit(main())
