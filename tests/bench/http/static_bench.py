#!/usr/bin/env python3
"""Static files: requests per second of http.wasm (wasio-run, `--static /=/www`) against Debian's nginx
(one process, sendfile off and sendfile on), on a 4 KiB and a 1 MiB file, side by side in one run.

usage: static_bench.py --bin-dir build/bin [--duration S] [--rounds N] [--connections C] [--threads T]
                       [--profile P] [--native] [--quick]

Each round runs wrk (keep-alive) against each server in turn for each file, a fresh server process per
run after a 1 s warm-up; the order rotates between rounds so a slow spell hits all servers. Printed:
medians of the rounds and the median of the per-round ratios to nginx with sendfile off (the target
is 0.8x); sendfile on is the physical reference. Nothing is asserted.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_server, wasio_command  # noqa: E402
from nginx_server import Nginx  # noqa: E402


def wrk(port, path, threads, connections, seconds):
    out = subprocess.run(["wrk", "--threads", str(threads), "--connections", str(connections), "--duration",
                          f"{seconds}s", "--timeout", "10s", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rate:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    if re.search(r"Socket errors|Non-2xx", out):
        print("  warning: " + " ".join(re.findall(r"(Socket errors: .*|Non-2xx or 3xx responses: \d+)", out)), flush=True)
    return float(rate.group(1))


class wasio_http:
    def __init__(self, program, profile, wasio_run, www):
        command, env = wasio_command(program + ["--static", "/=/www"], profile, wasio_run)
        if program[0].endswith(".wasm"):
            command = [command[0], "--dir", f"{www}::/www"] + command[1:]
        else:
            env["WASIO_DIR"] = f"{www}::/www"
        self.server = start_server(command, env, r"http: serving", name="http", quiet=True)
        self.port = self.server.port

    def stop(self):
        self.server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", default="strict", choices=PROFILES)
    parser.add_argument("--native", action="store_true", help="also the natively linked http")
    parser.add_argument("--quick", action="store_true", help="one short round: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 1, 1
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (scripts/setup.sh installs it)")
    seconds = max(1, int(round(args.duration)))
    os.environ.setdefault("WASIO_CACHE_DIR", os.path.join(os.path.dirname(os.path.abspath(args.bin_dir)), "wasm-cache"))
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    with tempfile.TemporaryDirectory(prefix="wasio-static-bench-") as www:
        files = {"4 KiB": ("/4k.bin", 4096), "1 MiB": ("/1m.bin", 1 << 20)}
        for path, size in files.values():
            with open(os.path.join(www, path[1:]), "wb") as f:
                f.write(os.urandom(size))
        servers = {
            "nginx sendfile off": lambda: Nginx(www, sendfile=False),
            "nginx sendfile on": lambda: Nginx(www, sendfile=True),
            "http.wasm (wasio-run)": lambda: wasio_http([os.path.join(args.bin_dir, "http.wasm")], args.profile,
                                                        wasio_run, www),
        }
        if args.native:
            servers["http (natively linked)"] = lambda: wasio_http([os.path.join(args.bin_dir, "http")], args.profile,
                                                                   None, www)
        rates = {(name, label): [] for name in servers for label in files}
        print(f"wrk: {args.threads} threads, {args.connections} keep-alive connections, {seconds} s per run, "
              f"{args.rounds} round(s), profile {args.profile}; {os.cpu_count()} CPUs", flush=True)
        for round_index in range(args.rounds):
            order = list(servers)
            order = order[round_index % len(order):] + order[:round_index % len(order)]
            for name in order:
                server = servers[name]()
                try:
                    for label, (path, _) in files.items():
                        wrk(server.port, path, args.threads, args.connections, 1)  # warm-up
                        rate = wrk(server.port, path, args.threads, args.connections, seconds)
                        rates[(name, label)].append(rate)
                        print(f"  round {round_index + 1}: {name:24} {label:6} {rate:10.0f} req/s "
                              f"({rate * files[label][1] / 2**20:8.0f} MiB/s)", flush=True)
                finally:
                    server.stop()
        reference = "nginx sendfile off"
        print("\nrequests/sec, median of the rounds; ratio to nginx sendfile off, median of the per-round ratios:")
        for label in files:
            for name in servers:
                values = rates[(name, label)]
                ratios = [v / r for v, r in zip(values, rates[(reference, label)])]
                print(f"  {label:6} {name:24} {statistics.median(values):10.0f}  {statistics.median(ratios):5.2f}x  "
                      f"(rounds: {' '.join(f'{r:.2f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
