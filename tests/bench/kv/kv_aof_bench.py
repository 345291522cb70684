#!/usr/bin/env python3
"""kv with its append-only file against Debian's redis-server with the same appendfsync, side by side in
one run, same disk (both data directories under one --work-dir).

usage: kv_aof_bench.py --bin-dir build/bin [--work-dir DIR] [--requests N] [--rounds R] [--keys K] [--quick]

1. Throughput: redis-benchmark -t set,incr -P 16 -c 50 -n N against kv.wasm (wasio-run, profile
   strict), the natively linked kv and redis-server, each with appendonly yes and appendfsync always,
   everysec and no, rotating the order each round; medians and ratios to redis-server. Also each kv's
   longest fsync (INFO aof_max_fsync_usec) under everysec: the longest the loop stood still for one.
2. Rewrite latency (appendfsync everysec): K keys (default 1 M) loaded with redis-cli --pipe, then
   BGREWRITEAOF while one client sends GETs one at a time; p50, p99, max GET latency during the
   rewrite, kv.wasm and kv native vs redis-server (which forks), and kv's longest rewrite step.
Targets (issue 13): kv.wasm >= 0.9x redis-server with everysec, >= 0.8x with always. The script
reports numbers; it fails only when a server or tool fails (--quick proves it runs).
"""

import argparse
import csv
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from resp import command  # noqa: E402
from wasio_server import free_port, start_server, stop_process_group  # noqa: E402

POLICIES = ["everysec", "always", "no"]


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=600)
        self.f = self.s.makefile("rb")

    def call(self, *args):
        self.s.sendall(command(*args))
        line = self.f.readline()
        if line[:1] == b"$":
            n = int(line[1:-2])
            return None if n < 0 else self.f.read(n + 2)[:-2]
        return line[:-2]

    def info(self):
        text = self.call("INFO", "persistence").decode()
        return dict(l.split(":", 1) for l in text.splitlines() if ":" in l)


def start_kv(kind, bin_dir, data_dir, policy):
    args = ["--appendonly", "yes", "--appendfsync", policy, "--dir", "/data", "--auto-aof-rewrite-percentage", "0"]
    env = dict(os.environ)
    if kind == "wasm":
        cmd = [os.path.join(bin_dir, "wasio-run"), "--dir", f"{data_dir}::/data", "--tcplisten", "127.0.0.1:0",
               "--profile", "strict", os.path.join(bin_dir, "kv.wasm")] + args
    else:
        cmd = [os.path.join(bin_dir, "kv")] + args
        env.update(WASIO_DIR=f"{data_dir}::/data", WASIO_TCPLISTEN="127.0.0.1:0", WASIO_PROFILE="strict")
    server = start_server(cmd, env, ready=r"kv: serving", name=f"kv-{kind}", quiet=True)
    return server.port, server.stop


def start_redis(data_dir, policy):
    port = free_port()
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                          "yes", "--appendfsync", policy, "--dir", data_dir, "--auto-aof-rewrite-percentage", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Conn(port).call("PING") == b"+PONG":
                return port, lambda: stop_process_group(p)
        except OSError:
            time.sleep(0.05)
    stop_process_group(p)
    raise SystemExit("FAIL: redis-server did not start")


def bench(port, requests):
    r = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set,incr", "-P", "16", "-c", "50", "-n",
                        str(requests), "-r", "100000", "--csv"], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or "rror" in r.stdout + r.stderr:
        raise SystemExit(f"FAIL: redis-benchmark on port {port}: {r.stdout}{r.stderr}")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    return {row[0]: float(row[1]) for row in rows[1:] if len(row) > 1}


def throughput(args, work):
    servers = args.servers
    results = {}
    stalls = {}
    for policy in POLICIES:
        for rnd in range(args.rounds):
            order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
            for name in order:
                d = tempfile.mkdtemp(dir=work, prefix=f"{name}-{policy}-")
                port, stop = start_redis(d, policy) if name == "redis" else start_kv(name, args.bin_dir, d, policy)
                try:
                    for test, rps in bench(port, args.requests).items():
                        results.setdefault((policy, name, test), []).append(rps)
                    if name != "redis":
                        fields = Conn(port).info()
                        stalls.setdefault((policy, name), []).append(int(fields.get("aof_max_fsync_usec", 0)))
                finally:
                    stop()
                    shutil.rmtree(d, ignore_errors=True)
    print(f"\nredis-benchmark -t set,incr -P 16 -c 50 -n {args.requests} -r 100000, appendonly yes, "
          f"median of {args.rounds} round(s); requests per second")
    print(f"{'appendfsync':12}{'test':8}{'kv.wasm':>10}{'kv native':>11}{'redis':>10}{'wasm/redis':>12}{'native/redis':>14}")
    for policy in POLICIES:
        for test in ("SET", "INCR"):
            m = {n: statistics.median(results[(policy, n, test)]) if (policy, n, test) in results else float("nan")
                 for n in ("wasm", "native", "redis")}
            print(f"{policy:12}{test:8}{m['wasm']:>10.0f}{m['native']:>11.0f}{m['redis']:>10.0f}"
                  f"{m['wasm'] / m['redis']:>12.2f}{m['native'] / m['redis']:>14.2f}")
    for (policy, name), values in sorted(stalls.items()):
        print(f"kv {name} appendfsync {policy}: longest fsync in the loop {max(values) / 1000:.1f} ms "
              f"(per run: {', '.join(f'{v / 1000:.1f}' for v in values)})")


def load_keys(port, keys):
    data = b"".join(command("SET", f"key:{i}", f"value-{i:010d}") for i in range(keys))
    r = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, capture_output=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(f"FAIL: redis-cli --pipe: {r.stdout}{r.stderr}")


def rewrite_latency(args, work):
    print(f"\nGET latency during BGREWRITEAOF of {args.keys} keys (appendfsync everysec), one client, one GET at a time")
    print(f"{'server':12}{'GETs':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'rewrite s':>11}{'longest step ms':>17}")
    for name in args.servers:
        d = tempfile.mkdtemp(dir=work, prefix=f"rewrite-{name}-")
        port, stop = start_redis(d, "everysec") if name == "redis" else start_kv(name, args.bin_dir, d, "everysec")
        try:
            load_keys(port, args.keys)
            c = Conn(port)
            probe = Conn(port)
            time.sleep(1.5)  # let everysec settle
            before = int(c.info().get("aof_rewrites", 0))
            start = time.monotonic()
            c.call("BGREWRITEAOF")
            lat = []
            i = 0
            while True:
                t = time.perf_counter()
                probe.call("GET", f"key:{i % args.keys}")
                lat.append((time.perf_counter() - t) * 1000)
                i += 1
                if i % 200 == 0:
                    fields = c.info()
                    if fields["aof_rewrite_in_progress"] == "0" and int(fields.get("aof_rewrites", before + 1)) > before:
                        break
                    if name == "redis" and fields["aof_rewrite_in_progress"] == "0" and \
                            fields.get("aof_rewrite_scheduled") == "0" and time.monotonic() - start > 0.5:
                        break
            took = time.monotonic() - start
            lat.sort()
            step = int(c.info().get("aof_max_rewrite_step_usec", 0)) / 1000 if name != "redis" else float("nan")
            print(f"{name:12}{len(lat):>8}{lat[len(lat) // 2]:>9.3f}{lat[int(len(lat) * 0.99)]:>9.3f}{lat[-1]:>9.2f}"
                  f"{took:>11.2f}{step:>17.2f}")
        finally:
            stop()
            shutil.rmtree(d, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir", default=None, help="where both servers keep their files (same disk)")
    parser.add_argument("--requests", type=int, default=200000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", type=int, default=1000000)
    parser.add_argument("--servers", default="wasm,native,redis", help="a subset of wasm,native,redis")
    parser.add_argument("--skip-rewrite", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.servers = args.servers.split(",")
    if args.quick:
        args.requests, args.rounds, args.keys = 5000, 1, 20000
    with tempfile.TemporaryDirectory(dir=args.work_dir, prefix="kv-aof-bench-") as work:
        print(f"data directories under {work}")
        throughput(args, work)
        if not args.skip_rewrite:
            rewrite_latency(args, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
