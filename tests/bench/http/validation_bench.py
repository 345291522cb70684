#!/usr/bin/env python3
"""Requests per second of the HTTP example with the request validation layer (strict llhttp, the
RFC 9112 rules, bounded chunk lines, per-phase deadlines, the streamed echo) against a build from
before it, side by side in one run: the issue's target is at least 0.97x.

usage: validation_bench.py --before PROGRAM --after PROGRAM [--wasio-run PATH] [--rounds N]
                           [--duration S] [--connections C] [--threads T] [--profile P]

PROGRAM is a natively linked http or an http.wasm (then --wasio-run is needed). Build the "before"
one from a commit before the layer, e.g. 3818c10:
  git worktree add /tmp/http-before 3818c10
  cmake -S /tmp/http-before -B /tmp/http-before/build -G Ninja -DWASIO_BUILD_WASM=OFF -DWASIO_BUILD_TESTS=OFF
  cmake --build /tmp/http-before/build --target http
Each round runs wrk against both servers in turn (the order alternates), a fresh server process
each time after a 1 s warm-up, for two workloads: GET / and POST /echo of 4 KiB (keep-alive). The
medians of the rounds and the median of the per-round ratios after/before are printed, for
requests per second and for the server's CPU time per request (from /proc: steadier than the rate
on a machine shared with other work, since time the server waits for a core does not count).
Nothing is asserted: the numbers are for a person (and docs/http.md) to read.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_server, wasio_command  # noqa: E402

ECHO_SCRIPT = 'wrk.method = "POST"\nwrk.body = string.rep("e", 4096)\nwrk.headers["Content-Type"] = "text/plain"\n'


def wrk(port, threads, connections, seconds, script=None, path="/"):
    command = ["wrk", "--threads", str(threads), "--connections", str(connections), "--duration", f"{seconds}s",
               "--timeout", "5s"]
    if script:
        command += ["--script", script]
    out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if not rate or not count:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    if "Socket errors" in out or "Non-2xx" in out:
        print(f"  warning: {out.strip().splitlines()[-3:]}", flush=True)
    return float(rate.group(1)), int(count.group(1))


def cpu_seconds(pid):
    """User + system CPU time of process `pid` and its threads so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--wasio-run")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", default="strict", choices=PROFILES)
    args = parser.parse_args()
    seconds = max(1, int(args.duration))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(ECHO_SCRIPT)
    workloads = {"GET /": (None, "/"), "POST /echo 4 KiB": (lua.name, "/echo")}
    servers = {"before": args.before, "after": args.after}
    rates = {(w, s): [] for w in workloads for s in servers}
    cpu = {(w, s): [] for w in workloads for s in servers}  # server CPU microseconds per request
    print(f"wrk: {args.threads} threads, {args.connections} keep-alive connections, {seconds} s per run, "
          f"{args.rounds} rounds, profile {args.profile}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}",
          flush=True)
    try:
        for round_index in range(args.rounds):
            order = list(servers) if round_index % 2 == 0 else list(reversed(servers))
            for name in order:
                command, env = wasio_command([servers[name]], args.profile, args.wasio_run)
                server = start_server(command, env, r"http: serving", name=name, quiet=True)
                try:
                    for workload, (script, path) in workloads.items():
                        wrk(server.port, args.threads, args.connections, 1, script, path)  # warm-up
                        used = cpu_seconds(server.process.pid)
                        rate, count = wrk(server.port, args.threads, args.connections, seconds, script, path)
                        per_request = (cpu_seconds(server.process.pid) - used) / count * 1e6
                        rates[(workload, name)].append(rate)
                        cpu[(workload, name)].append(per_request)
                        print(f"  round {round_index + 1}: {name:6} {workload:18} {rate:10.0f} req/s "
                              f"{per_request:6.2f} us CPU/request", flush=True)
                finally:
                    server.stop()
    finally:
        os.unlink(lua.name)
    print(f"\nmedian req/s of {args.rounds} rounds, and the median of the per-round ratios after/before "
          f"(load {os.getloadavg()[0]:.1f} at the end):")
    for workload in workloads:
        before, after = rates[(workload, "before")], rates[(workload, "after")]
        ratios = [a / b for a, b in zip(after, before)]
        print(f"  {workload:18} before {statistics.median(before):10.0f}  after {statistics.median(after):10.0f}  "
              f"ratio {statistics.median(ratios):.3f} (rounds: {' '.join(f'{r:.2f}' for r in ratios)})")
    print("server CPU per request (us), median of the rounds; ratio before/after (above 1: after costs less):")
    for workload in workloads:
        before, after = cpu[(workload, "before")], cpu[(workload, "after")]
        ratios = [b / a for a, b in zip(after, before)]
        print(f"  {workload:18} before {statistics.median(before):8.2f}  after {statistics.median(after):8.2f}  "
              f"ratio {statistics.median(ratios):.3f} (rounds: {' '.join(f'{r:.2f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
