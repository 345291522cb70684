#!/usr/bin/env python3
"""Requests per second of http.wasm under wasio-run with --workers 2, --workers 1 and without a
supervisor, side by side in one run (docs/workers.md).

usage: workers_bench.py --bin-dir build/bin [--duration S] [--rounds N] [--connections C]
                        [--threads T] [--quick]

Each round runs wrk (keep-alive, GET /) against each configuration in turn, a fresh wasio-run each
time, after a short warm-up; the configurations take turns so a slow spell hits all of them. The
median of the rounds and the median of the per-round ratios to one worker are printed. wrk runs
on the same machine: on 2 cores, two workers and wrk's threads share them, so the figure is what
two workers gain while the load generator takes its part of the CPU, not what two free cores give.
Nothing is asserted.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import start_server  # noqa: E402


def wrk(port, threads, connections, seconds):
    out = subprocess.run(["wrk", "--threads", str(threads), "--connections", str(connections), "--duration",
                          f"{seconds}s", "--timeout", "5s", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rate:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    problems = re.search(r"Socket errors: .*|Non-2xx or 3xx responses: \d+", out)
    if problems:
        print(f"  warning: {problems.group(0)}", flush=True)
    return float(rate.group(1))


def wait_serving(server, workers, timeout_s=120):
    """Until every worker printed "http: serving" (counted in all of stderr: workers share it, so two
    lines written in pieces at the same time can end up as one)."""
    deadline = time.monotonic() + timeout_s
    while "".join(server.stderr_lines).count("http: serving") < workers:
        if time.monotonic() > deadline or not server.alive():
            raise SystemExit(f"FAIL: {workers} worker(s) did not all print 'http: serving' within {timeout_s} s")
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True, help="folder holding http.wasm and wasio-run")
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one short round: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 1, 1
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (scripts/setup.sh installs it)")
    seconds = max(1, int(round(args.duration)))
    os.environ.setdefault("WASIO_CACHE_DIR",
                          os.path.join(os.path.dirname(os.path.abspath(args.bin_dir)), "wasm-cache"))
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    module = os.path.join(args.bin_dir, "http.wasm")
    base = [wasio_run, "--tcplisten", "127.0.0.1:0"]
    configurations = {
        "--workers 1": (base + ["--workers", "1", module], 1),
        "--workers 2": (base + ["--workers", "2", module], 2),
        "no supervisor": (base + [module], 1),
    }
    rates = {name: [] for name in configurations}
    print(f"wrk: {args.threads} threads, {args.connections} keep-alive connections, {seconds} s per run, "
          f"{args.rounds} round(s), GET /, http.wasm, profile strict; {os.cpu_count()} CPUs shared with wrk",
          flush=True)
    for round_index in range(args.rounds):
        order = list(configurations)
        order = order[round_index % len(order):] + order[:round_index % len(order)]
        for name in order:
            command, workers = configurations[name]
            server = start_server(command, dict(os.environ), None, name="wasio-run", quiet=True)
            try:
                wait_serving(server, workers)
                wrk(server.port, args.threads, args.connections, 1)  # warm-up
                rate = wrk(server.port, args.threads, args.connections, seconds)
            finally:
                server.stop()
            rates[name].append(rate)
            print(f"  round {round_index + 1}: {name:14} {rate:10.0f} req/s", flush=True)
    reference = "--workers 1"
    print("\nrequests/sec, median of the rounds; ratio to --workers 1, median of the per-round ratios:")
    for name in configurations:
        ratios = [rates[name][i] / rates[reference][i] for i in range(args.rounds)]
        per_round = " ".join(f"{r:.2f}" for r in ratios)
        print(f"  {name:14} {statistics.median(rates[name]):10.0f}  {statistics.median(ratios):5.2f}x   "
              f"(rounds: {per_round})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
