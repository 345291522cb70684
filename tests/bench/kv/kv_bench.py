#!/usr/bin/env python3
"""redis-benchmark against kv.wasm (under wasio-run), the natively linked kv, and Debian's
redis-server, side by side in one run; prints requests per second and each kv's ratio to Redis.

usage: kv_bench.py --bin-dir build/bin [--requests N] [--rounds R] [--profile P] [--quick] [--pipelined-only]
                   [--no-limits-pair] [--pin]

Each round runs every server once per configuration, in rotating order, so drift on a shared machine
(other builds) touches all alike; the figure reported per server is its median over rounds.
Configurations: `-P 1` (default clients) and `-P 16 -c 50`, tests ping,set,get,incr,mset.
Servers: kv as shipped (maxmemory 2gb, maxmemory-clients 1gb, client-output-buffer-limit "normal 64mb
16mb 60": the limits on) and, unless --no-limits-pair, the same kv with them off (`--maxmemory 0
--maxmemory-clients 0 --client-output-buffer-limit "normal 0 0 0"`), each as .wasm and natively
linked; redis-server 7.
Per server, configuration and round it also measures the server's CPU microseconds per request:
utime + stime of the server's processes (wasio-run and its threads included) over exactly the
redis-benchmark run, divided by the requests it made (-n times the tests); the CPU ratios printed are
medians of per-round ratios to redis-server. --pin runs every server on the first CPU and
redis-benchmark on the second (taskset).
Targets: issue 20: kv.wasm CPU per request at most 1.0x redis-server's with -P 1 and -P 16. Issue 6, with -P 16: wasm >= 0.7x and native >= 0.85x redis-server; issue 10, with -P 16:
kv with the limits on >= 0.9x kv with them off, and >= 0.9x redis-server. The script reports the
ratios; it fails only when a server or redis-benchmark fails, never on a number (--quick only
proves it runs).
"""

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from server_cost import CpuMeter, group_pids, load_average, pin, pin_cpus  # noqa: E402
from wasio_server import PROFILES, start_redis_server, start_wasio_server, stop_process_group  # noqa: E402

TESTS = "ping,set,get,incr,mset"
CONFIGS = [("-P 1", ["-P", "1"]), ("-P 16 -c 50", ["-P", "16", "-c", "50"])]


def bench(port, requests, extra, cpu=None):
    r = subprocess.run(pin(["redis-benchmark", "-p", str(port), "-t", TESTS, "-n", str(requests), "--csv"] + extra,
                           cpu), capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or "rror" in r.stdout + r.stderr:
        raise SystemExit(f"FAIL: redis-benchmark {extra} on port {port}: {r.stdout}{r.stderr}")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    return {row[0]: float(row[1]) for row in rows[1:] if len(row) > 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="strict", choices=PROFILES)
    parser.add_argument("--quick", action="store_true", help="one short round (checks the script runs)")
    parser.add_argument("--pipelined-only", action="store_true", help="only -P 16 -c 50 (the targets' configuration)")
    parser.add_argument("--no-limits-pair", action="store_true",
                        help="skip the kv servers started with maxmemory and output limits off")
    parser.add_argument("--pin", action="store_true", help="servers on the first CPU, redis-benchmark on the second")
    args = parser.parse_args()
    server_cpu, load_cpu = pin_cpus(args.pin)
    if args.quick:
        args.requests, args.rounds = 2000, 1
    configs = CONFIGS[1:] if args.pipelined_only else CONFIGS

    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    no_limits = ["--maxmemory", "0", "--maxmemory-clients", "0", "--client-output-buffer-limit", "normal 0 0 0"]
    kv = {"wasm": [os.path.join(args.bin_dir, "kv.wasm")], "native": [os.path.join(args.bin_dir, "kv")]}
    if not args.no_limits_pair:
        kv["wasm-off"] = kv["wasm"] + no_limits
        kv["native-off"] = kv["native"] + no_limits
    servers = {}  # name -> port
    stops = []
    results = {}  # (config, server) -> test -> [rps per round]
    cpu = {}  # (config, server) -> [CPU us per request, per round]
    groups = {}  # name -> process group of the server
    try:
        for name, program in kv.items():
            server = start_wasio_server(program, args.profile, wasio_run, ready=r"kv: serving", name=name,
                                        quiet=True)
            stops.append(server.stop)
            servers[name] = server.port
            groups[name] = server.process.pid
        redis, servers["redis"] = start_redis_server()
        groups["redis"] = redis.pid
        stops.append(lambda: stop_process_group(redis))
        if server_cpu is not None:
            # Every thread of every process of each server's group, pinned once it runs.
            for pgid in groups.values():
                for pid in group_pids(pgid):
                    subprocess.run(["taskset", "-a", "-p", "-c", str(server_cpu), str(pid)], check=True,
                                   stdout=subprocess.DEVNULL)
        print(f"load average {load_average():.2f} at the start"
              + (f"; servers pinned to CPU {server_cpu}, redis-benchmark to CPU {load_cpu}" if args.pin else ""),
              flush=True)
        names = list(servers)
        for round_index in range(args.rounds):
            shift = round_index % len(names)
            order = names[shift:] + names[:shift]
            for label, extra in configs:
                for name in order:
                    meter = CpuMeter(groups[name])
                    meter.start()
                    rates = bench(servers[name], args.requests, extra, load_cpu)
                    us = meter.stop() / (args.requests * len(rates))
                    cpu.setdefault((label, name), []).append(us)
                    for test, rps in rates.items():
                        results.setdefault((label, name), {}).setdefault(test, []).append(rps)
    finally:
        for stop in stops:
            stop()

    print(f"redis-benchmark -t {TESTS} -n {args.requests}, median of {args.rounds} round(s), "
          f"profile {args.profile}; requests per second")
    for label, _ in configs:
        print(f"\n{label}")
        print(f"{'test':<16}" + "".join(f"{n:>12}" for n in names) + f"{'wasm/redis':>12}{'native/redis':>14}"
              + ("" if args.no_limits_pair else f"{'wasm/off':>10}{'native/off':>12}"))
        for test in results[(label, "redis")]:
            m = {n: statistics.median(results[(label, n)][test]) for n in names}
            line = f"{test:<16}" + "".join(f"{m[n]:>12.0f}" for n in names)
            line += f"{m['wasm'] / m['redis']:>12.2f}{m['native'] / m['redis']:>14.2f}"
            if not args.no_limits_pair:
                line += f"{m['wasm'] / m['wasm-off']:>10.2f}{m['native'] / m['native-off']:>12.2f}"
            print(line)
    print(f"\nserver CPU microseconds per request (all tests together), median of {args.rounds} round(s); "
          f"ratios: medians of per-round ratios to redis (load average {load_average():.2f} at the end)")
    print(f"{'config':<14}" + "".join(f"{n:>12}" for n in names) + "".join(f"{n + '/redis':>16}" for n in names[:-1]))
    for label, _ in configs:
        m = {n: statistics.median(cpu[(label, n)]) for n in names}
        r = {n: statistics.median(a / b for a, b in zip(cpu[(label, n)], cpu[(label, "redis")])) for n in names}
        print(f"{label:<14}" + "".join(f"{m[n]:>12.2f}" for n in names) + "".join(f"{r[n]:>16.2f}" for n in names[:-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
