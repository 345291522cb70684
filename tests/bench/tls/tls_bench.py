#!/usr/bin/env python3
"""HTTPS side by side in one run: Debian's nginx (1 worker, `return 200 "Hello, World!"`) against the HTTP
example behind host-terminated TLS (as .wasm under `wasio-run --tlslisten`, and natively linked), with
the same throw-away certificate (EC P-256) and the same clients:

- keep-alive requests per second: wrk, 64 connections, 2 threads;
- new TLS handshakes per second: h2load --h1 with one request per connection (-n N -c N, full
  handshakes, no resumption), and openssl s_time -new (4 processes at once, a full handshake and
  one GET each time).

usage: tls_bench.py --bin-dir build/bin [--rounds N] [--duration S] [--quick]

The servers take turns in every round, a fresh process each time, so a slow spell on a shared machine
hits all of them; the medians and the median of the per-round ratios to nginx are printed. Nothing is
asserted: the numbers are for a person (and docs/tls.md) to read.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e", "tls"))
from wasio_server import free_port, start_server, start_wasio_server, stop_process_group  # noqa: E402
from tls_http_e2e import make_certificate  # noqa: E402

NGINX_CONF = """worker_processes 1;
daemon off;
master_process on;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
worker_rlimit_nofile 16384;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  keepalive_requests 100000000;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    default_type text/plain;
    location / {{ return 200 "Hello, World!"; }}
  }}
}}
"""


def start_nginx(folder, cert, key):
    port = free_port()
    conf = os.path.join(folder, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=folder, port=port, cert=cert, key=key))
    process = subprocess.Popen(["nginx", "-p", folder, "-c", conf, "-e", os.path.join(folder, "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import socket
    import time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    stop_process_group(process)
    raise SystemExit("nginx did not start")


def wrk(port, seconds):
    out = subprocess.run(["wrk", "--threads", "2", "--connections", "64", "--duration", f"{seconds}s", "--timeout",
                          "5s", f"https://127.0.0.1:{port}/"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        print(f"    wrk: {errors.group(0)}", flush=True)
    return float(rate.group(1)) if rate else 0.0


def h2load_new_connections(port, count):
    out = subprocess.run(["h2load", "--h1", "-n", str(count), "-c", str(count), "-t", "2",
                          f"https://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=300).stdout
    done = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
    ok = re.search(r"(\d+) succeeded", out)
    if not done or not ok or int(ok.group(1)) != count:
        print(f"    h2load: {out[-300:]}", flush=True)
        return 0.0
    return float(done.group(3))


def s_time(port, seconds, processes=4, tls12=False):
    version = ["-tls1_2"] if tls12 else []
    runs = [subprocess.Popen(["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(seconds),
                              "-www", "/"] + version, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for _ in range(processes)]
    total = 0.0
    for run in runs:
        out, _ = run.communicate(timeout=seconds + 60)
        rate = re.search(r"([\d.]+) connections/user sec", out)
        count = re.search(r"(\d+) connections in ([\d.]+)s", out)
        if count:  # wall-clock rate: connections over the real time
            total += int(count.group(1)) / float(count.group(2)) if float(count.group(2)) > 0 else 0
        elif rate:
            total += float(rate.group(1))
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--handshakes", type=int, default=2000, help="h2load connections per measurement")
    parser.add_argument("--quick", action="store_true", help="one short round (checks the script runs)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.handshakes = 1, 1, 200
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    servers = ["nginx", "wasio wasm", "wasio native"]
    figures = {name: {"wrk": [], "h2load": [], "s_time": []} for name in servers}
    with tempfile.TemporaryDirectory(prefix="wasio-tls-bench-") as folder:
        cert, key = make_certificate(folder)
        env = {"WASIO_CACHE_DIR": os.environ.get("WASIO_CACHE_DIR", os.path.join(args.bin_dir, "..", "wasm-cache"))}
        os.environ.update(env)
        for round_number in range(args.rounds):
            for name in servers:
                if name == "nginx":
                    process, port = start_nginx(folder, cert, key)
                    stop = lambda: stop_process_group(process)  # noqa: E731
                else:
                    program = os.path.join(args.bin_dir, "http.wasm" if name == "wasio wasm" else "http")
                    server = start_wasio_server([program], "strict", wasio_run,
                                                ready=re.compile("http: serving"), tls=(cert, key), quiet=True)
                    port, stop = server.port, server.stop
                try:
                    wrk(port, 1)  # warm-up
                    figures[name]["wrk"].append(wrk(port, args.duration))
                    figures[name]["h2load"].append(h2load_new_connections(port, args.handshakes))
                    figures[name]["s_time"].append(s_time(port, args.duration))
                finally:
                    stop()
                print(f"round {round_number + 1} {name:13}: wrk {figures[name]['wrk'][-1]:9.0f} req/s   "
                      f"h2load {figures[name]['h2load'][-1]:7.0f} handshakes/s   "
                      f"s_time {figures[name]['s_time'][-1]:7.0f} handshakes/s", flush=True)
    print("\nmedians (ratio to nginx: median of per-round ratios)")
    for name in servers:
        line = f"{name:13}"
        for metric, unit in [("wrk", "req/s"), ("h2load", "hs/s"), ("s_time", "hs/s")]:
            values = figures[name][metric]
            ratios = [v / n for v, n in zip(values, figures["nginx"][metric]) if n > 0]
            line += f"  {metric} {statistics.median(values):8.0f} {unit} ({statistics.median(ratios) if ratios else 0:.2f}x)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
