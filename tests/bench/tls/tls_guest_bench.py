#!/usr/bin/env python3
"""Host-terminated TLS against in-guest TLS, side by side in one run (docs/tls.md, "Host-terminated or
in-guest TLS"): the HTTP example as .wasm behind `wasio-run --tlslisten` (OpenSSL 3 in the host) and
the same .wasm doing TLS itself with `--tls-cert/--tls-key` (BearSSL 0.6 inside the guest), plus
the natively linked example doing its own TLS (BearSSL as native code: what wasm costs). One
throw-away ECDSA P-256 certificate for all; the clients of tests/bench/tls/tls_bench.py:

- keep-alive requests per second: wrk, 64 connections, 2 threads;
- new handshakes per second: h2load --h1 with one request per connection (full handshakes; the
  host may pick TLS 1.3, the guest always does 1.2), and `openssl s_time -new -tls1_2` (4
  processes): full TLS 1.2 handshakes on both sides, the like-for-like figure, counted by the server
  (its stats line) over the wall-clock time of the run (s_time's own figure is per second of its
  user CPU time, not of real time);
- the server's CPU per request (over the wrk run) and per handshake (over the s_time run, handshakes
  counted by the host's `wasio-tls:` or the guest's `http: tls:` stats line): on a shared 2-core
  machine the clients take half the CPU, so rates alone understate the servers' differences;
- memory per idle TLS connection: the server's resident memory (wasio-run's, which holds the
  guest's linear memory) before and after opening --idle keep-alive connections that each did one
  request, divided by their number; measured first, on the fresh server (memory a load touched
  stays resident and would be reused).

usage: tls_guest_bench.py --bin-dir build/bin [--rounds N] [--duration S] [--idle N] [--quick]

The servers take turns in every round, a fresh process each time; the medians and the median of the
per-round ratios to host-terminated TLS are printed. Nothing is asserted: a benchmark, not a test.
"""

import argparse
import os
import re
import socket
import ssl
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e", "tls"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_cost import CpuMeter, load_average  # noqa: E402
from wasio_server import start_wasio_server  # noqa: E402
from tls_http_e2e import make_certificate, stats_of  # noqa: E402
from tls_bench import h2load_new_connections, s_time, wrk  # noqa: E402

SERVERS = {  # name: (program, how the TLS is done)
    "host-terminated wasm": ("http.wasm", "host"),
    "in-guest wasm": ("http.wasm", "guest"),
    "in-guest native": ("http", "guest"),
}


def idle_connections(port, cert, count):
    """Opens `count` TLS keep-alive connections, one request each; returns them (still open)."""
    context = ssl.create_default_context(cafile=cert)
    kept = []
    for _ in range(count):
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        tls = context.wrap_socket(raw, server_hostname="localhost")
        tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = b""
        while b"Hello, World!" not in answer:
            chunk = tls.recv(4096)
            if not chunk:
                break
            answer += chunk
        kept.append(tls)
    return kept


def memory_per_connection(server, port, cert, count):
    time.sleep(0.5)
    before = server.rss_bytes()
    kept = idle_connections(port, cert, count)
    time.sleep(0.5)
    after = server.rss_bytes()
    for tls in kept:
        tls.close()
    return (after - before) / count


def handshakes_seen(server):
    """The handshakes counter of the server's latest stats line (the guest prints once a second)."""
    time.sleep(1.5)
    return stats_of(server).get("handshakes", 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--handshakes", type=int, default=1000, help="h2load connections per measurement")
    parser.add_argument("--idle", type=int, default=256, help="idle connections for the memory figure")
    parser.add_argument("--quick", action="store_true", help="one short round (checks the script runs)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.handshakes, args.idle = 1, 1, 100, 32
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    metrics = [("wrk", "req/s"), ("cpu_req", "us/req"), ("h2load", "hs/s"), ("s_time12", "hs/s"),
               ("cpu_hs", "us/hs"), ("memory", "B/conn")]
    figures = {name: {m: [] for m, _ in metrics} for name in SERVERS}
    with tempfile.TemporaryDirectory(prefix="wasio-tls-guest-bench-") as folder:
        cert, key = make_certificate(folder, "ec")
        os.environ.setdefault("WASIO_CACHE_DIR", os.path.join(args.bin_dir, "..", "wasm-cache"))
        for round_number in range(args.rounds):
            for name, (program, how) in SERVERS.items():
                where = {"tls": (cert, key)} if how == "host" else {"guest_tls": (cert, key)}
                server = start_wasio_server([os.path.join(args.bin_dir, program)], "strict", wasio_run,
                                            ready=re.compile("http: serving"), quiet=True,
                                            **where)
                try:
                    port = server.port
                    f = figures[name]
                    # First, on the fresh server: memory that the loads below touched would be reused.
                    f["memory"].append(memory_per_connection(server, port, cert, args.idle))
                    wrk(port, 1)  # warm-up
                    cpu = CpuMeter(server.process.pid)
                    cpu.start()
                    f["wrk"].append(wrk(port, args.duration))
                    f["cpu_req"].append(cpu.stop() / max(f["wrk"][-1] * args.duration, 1))
                    f["h2load"].append(h2load_new_connections(port, args.handshakes))
                    before = handshakes_seen(server)
                    cpu.start()
                    began = time.monotonic()
                    s_time(port, args.duration, tls12=True)
                    elapsed = time.monotonic() - began
                    used = cpu.stop()
                    handshakes = max(handshakes_seen(server) - before, 1)
                    f["s_time12"].append(handshakes / elapsed)
                    f["cpu_hs"].append(used / handshakes)
                finally:
                    server.stop()
                print(f"round {round_number + 1} {name:21}: wrk {f['wrk'][-1]:8.0f} req/s {f['cpu_req'][-1]:5.1f} us/req"
                      f"  h2load {f['h2load'][-1]:6.0f} hs/s  s_time -tls1_2 {f['s_time12'][-1]:6.0f} hs/s "
                      f"{f['cpu_hs'][-1]:6.0f} us/hs  memory {f['memory'][-1]:7.0f} B/conn  "
                      f"(load {load_average():.1f})", flush=True)
    base = "host-terminated wasm"
    print(f"\nmedians (ratio: median of per-round ratios to {base})")
    for name in SERVERS:
        print(f"{name}:")
        for metric, unit in metrics:
            values = figures[name][metric]
            ratios = [v / b for v, b in zip(values, figures[base][metric]) if b > 0]
            print(f"  {metric:9} {statistics.median(values):9.1f} {unit:7} ({statistics.median(ratios) if ratios else 0:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
