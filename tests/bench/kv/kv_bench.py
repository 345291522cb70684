#!/usr/bin/env python3
"""redis-benchmark against kv.wasm (under wasio-run), the natively linked kv, and Debian's
redis-server, side by side in one run; prints requests per second and each kv's ratio to Redis.

usage: kv_bench.py --bin-dir build/bin [--requests N] [--rounds R] [--profile P] [--quick]

Each round runs every server once per configuration, in rotating order, so drift on a shared machine
(other builds) touches all three alike; the figure reported per server is its median over rounds.
Configurations: `-P 1` (default clients) and `-P 16 -c 50`, tests ping,set,get,incr,mset.
Targets (issue 6): with -P 16, wasm >= 0.7x and native >= 0.85x redis-server. The script reports the
ratios; it fails only when a server or redis-benchmark fails, never on a number (--quick only
proves it runs).
"""

import argparse
import csv
import io
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

LISTENING = re.compile(r"listening on (\S+):(\d+) \(fd (\d+)\)")
TESTS = "ping,set,get,incr,mset"
CONFIGS = [("-P 1", ["-P", "1"]), ("-P 16 -c 50", ["-P", "16", "-c", "50"])]


def wait_port(process, timeout=600):
    deadline = time.monotonic() + timeout
    for line in process.stderr:
        found = LISTENING.search(line)
        if found:
            return int(found.group(2))
        if time.monotonic() > deadline:
            break
    raise SystemExit(f"FAIL: server printed no 'listening on' line (exit {process.poll()})")


def start_kv(command, env):
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    port = wait_port(process)
    # Keep draining stderr so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
    return process, port


def start_redis():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("FAIL: redis-server did not start")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def bench(port, requests, extra):
    r = subprocess.run(["redis-benchmark", "-p", str(port), "-t", TESTS, "-n", str(requests), "--csv"] + extra,
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or "rror" in r.stdout + r.stderr:
        raise SystemExit(f"FAIL: redis-benchmark {extra} on port {port}: {r.stdout}{r.stderr}")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    return {row[0]: float(row[1]) for row in rows[1:] if len(row) > 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="strict")
    parser.add_argument("--quick", action="store_true", help="one short round (checks the script runs)")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds = 2000, 1

    env = dict(os.environ, WASIO_TCPLISTEN="127.0.0.1:0", WASIO_PROFILE=args.profile)
    servers = {
        "wasm": start_kv([os.path.join(args.bin_dir, "wasio-run"), "--tcplisten", "127.0.0.1:0", "--profile",
                          args.profile, os.path.join(args.bin_dir, "kv.wasm")], dict(os.environ)),
        "native": start_kv([os.path.join(args.bin_dir, "kv")], env),
        "redis": start_redis(),
    }
    results = {}  # (config, server) -> test -> [rps per round]
    try:
        names = list(servers)
        for round_index in range(args.rounds):
            order = names[round_index % 3:] + names[:round_index % 3]
            for label, extra in CONFIGS:
                for name in order:
                    for test, rps in bench(servers[name][1], args.requests, extra).items():
                        results.setdefault((label, name), {}).setdefault(test, []).append(rps)
    finally:
        for process, _ in servers.values():
            stop(process)

    print(f"redis-benchmark -t {TESTS} -n {args.requests}, median of {args.rounds} round(s), "
          f"profile {args.profile}; requests per second")
    for label, _ in CONFIGS:
        print(f"\n{label}")
        print(f"{'test':<16}{'wasm':>12}{'native':>12}{'redis':>12}{'wasm/redis':>12}{'native/redis':>14}")
        for test in results[(label, "redis")]:
            m = {n: statistics.median(results[(label, n)][test]) for n in ("wasm", "native", "redis")}
            print(f"{test:<16}{m['wasm']:>12.0f}{m['native']:>12.0f}{m['redis']:>12.0f}"
                  f"{m['wasm'] / m['redis']:>12.2f}{m['native'] / m['redis']:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
