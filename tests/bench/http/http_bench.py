#!/usr/bin/env python3
"""Requests per second of the HTTP example as .wasm under wasio-run, natively linked, and of a minimal
Boost.Asio C++20 coroutine server (tests/bench/http/asio_http_server.cpp), measured side by side in one run.

usage: http_bench.py --bin-dir build/bin --asio PATH [--duration S] [--rounds N] [--connections C]
                     [--threads T] [--profile P] [--quick]

Each round runs wrk (keep-alive, GET /) against each server in turn, a fresh server process each time,
after a short warm-up; the servers take turns so a slow spell on the machine hits all of them. The
median of the rounds is reported, and the median of the per-round ratios to the Asio reference. Nothing is asserted: the
numbers are printed for a person (and docs/http.md) to read.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import LISTENING, PROFILES, start_server, wasio_command  # noqa: E402

# The Asio reference prints "wasio_bench_asio_http: listening on 127.0.0.1:PORT", without an fd.
ASIO_LISTENING = re.compile(r"listening on (\S+):(\d+)")


def wrk(port, threads, connections, seconds):
    out = subprocess.run(["wrk", "--threads", str(threads), "--connections", str(connections), "--duration",
                          f"{seconds}s", "--timeout", "5s", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rate:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    errors = re.search(r"Socket errors: (.*)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or non_2xx:
        print(f"  warning: {errors.group(0) if errors else ''} {non_2xx.group(0) if non_2xx else ''}".rstrip(),
              flush=True)
    return float(rate.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True, help="folder holding http, http.wasm and wasio-run")
    parser.add_argument("--asio", required=True, help="the wasio_bench_asio_http program")
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", default="strict", choices=PROFILES)
    parser.add_argument("--quick", action="store_true", help="one short round: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 1, 1
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (scripts/setup.sh installs it)")
    seconds = max(1, int(round(args.duration)))

    os.environ.setdefault("WASIO_CACHE_DIR",
                          os.path.join(os.path.dirname(os.path.abspath(args.bin_dir)), "wasm-cache"))
    http = [os.path.join(args.bin_dir, "http")]
    http_wasm = [os.path.join(args.bin_dir, "http.wasm")]
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    servers = {
        "asio (native reference)": (([args.asio, "0"], dict(os.environ)), None, ASIO_LISTENING),
        "http (natively linked)": (wasio_command(http, args.profile), r"http: serving", LISTENING),
        "http.wasm (wasio-run)": (wasio_command(http_wasm, args.profile, wasio_run), r"http: serving", LISTENING),
    }
    rates = {name: [] for name in servers}
    print(f"wrk: {args.threads} threads, {args.connections} keep-alive connections, {seconds} s per run, "
          f"{args.rounds} round(s), GET /, profile {args.profile}; {os.cpu_count()} CPUs", flush=True)
    for round_index in range(args.rounds):
        order = list(servers)
        order = order[round_index % len(order):] + order[:round_index % len(order)]
        for name in order:
            (command, server_env), ready, listening = servers[name]
            server = start_server(command, server_env, ready, listening, name=os.path.basename(command[0]),
                                  quiet=True)
            try:
                wrk(server.port, args.threads, args.connections, 1)  # warm-up: connections, caches, frames
                rate = wrk(server.port, args.threads, args.connections, seconds)
            finally:
                server.stop()
            rates[name].append(rate)
            print(f"  round {round_index + 1}: {name:26} {rate:12.0f} req/s", flush=True)

    names = list(servers)
    reference_name = names[0]
    median = {name: statistics.median(values) for name, values in rates.items()}
    # The machine's other load drifts during a run; a ratio within one round compares servers measured
    # seconds apart, so the median of per-round ratios is the steadier figure.
    ratios = {name: [rates[name][i] / rates[reference_name][i] for i in range(args.rounds)] for name in names}
    print("\nrequests/sec, median of the rounds; ratio to the Asio reference, median of the per-round ratios:")
    for name in names:
        per_round = " ".join(f"{r:.2f}" for r in ratios[name])
        print(f"  {name:26} {median[name]:12.0f}  {statistics.median(ratios[name]):5.2f}x   (rounds: {per_round})")
    wasm_ratio = statistics.median(ratios[names[2]])
    native_ratio = statistics.median(ratios[names[1]])
    print(f"\nwasm/asio {wasm_ratio:.2f} (target 0.90), native/asio {native_ratio:.2f} (target 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
