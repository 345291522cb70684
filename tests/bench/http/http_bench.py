#!/usr/bin/env python3
"""Requests per second and server CPU per request of the HTTP example as .wasm under wasio-run and
natively linked, against two native references, side by side in one run:
- asio: a minimal Boost.Asio C++20 coroutine server (tests/bench/http/asio_http_server.cpp), the reference;
- epoll: a lean edge-triggered epoll loop of our own (epoll_http_server.cpp), the "mio-style" line:
  what a loop with nothing between it and the kernel costs.

usage: http_bench.py --bin-dir build/bin [--pin] [--duration S] [--rounds N] [--connections C]
                     [--threads T] [--profile P] [--no-syscalls] [--quick] [--asio PATH] [--epoll PATH]

Each round runs wrk (keep-alive, GET /) against each server in turn, a fresh server process each time,
after a 1 s warm-up; the order rotates so a slow spell on the machine hits all of them. Per server and
round it prints requests per second and the server's CPU microseconds per request: utime + stime of
all the server's processes and threads (wasio-run's included) over exactly the measured interval,
divided by the requests wrk completed in it. --pin runs every server on the first CPU and wrk on the
second (taskset). The ratios printed are medians of the per-round ratios to the Asio reference.
Unless --no-syscalls (or without perf), one more run per server counts its system calls per request
over the measured interval (perf stat on the syscall tracepoints; a separate run, since counting
costs CPU). Nothing is asserted: the numbers are for a person (and docs/http.md) to read.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from server_cost import (CpuMeter, SyscallCounter, grouped, load_average, perf_available, pin,  # noqa: E402
                         pin_cpus)
from wasio_server import LISTENING, PROFILES, start_server, wasio_command  # noqa: E402

# The reference servers print "NAME: listening on 127.0.0.1:PORT", without an fd.
REFERENCE_LISTENING = re.compile(r"listening on (\S+):(\d+)")


def wrk(port, threads, connections, seconds, cpu):
    """(requests per second, requests completed) of one wrk run."""
    out = subprocess.run(pin(["wrk", "--threads", str(threads), "--connections", str(connections), "--duration",
                              f"{seconds}s", "--timeout", "5s", f"http://127.0.0.1:{port}/"], cpu),
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    if not rate or not done:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    errors = re.search(r"Socket errors: (.*)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or non_2xx:
        print(f"  warning: {errors.group(0) if errors else ''} {non_2xx.group(0) if non_2xx else ''}".rstrip(),
              flush=True)
    return float(rate.group(1)), int(done.group(1))


def measure(spec, args, seconds, count_syscalls=False):
    """One server run: (req/s, CPU us per request, syscall counts per request or None)."""
    (command, env), ready, listening = spec
    server = start_server(pin(command, args.server_cpu), env, ready, listening, name=os.path.basename(command[0]),
                          quiet=True)
    try:
        wrk(server.port, args.threads, args.connections, 1, args.load_cpu)  # warm-up: connections, caches, frames
        meter = SyscallCounter(server.process.pid) if count_syscalls else CpuMeter(server.process.pid)
        meter.start()
        rate, requests = wrk(server.port, args.threads, args.connections, seconds, args.load_cpu)
        measured = meter.stop()
    finally:
        server.stop()
    requests = max(requests, 1)
    if count_syscalls:
        return rate, None, {k: v / requests for k, v in grouped(measured).items()}
    return rate, measured / requests, None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True, help="folder holding http, http.wasm and wasio-run")
    parser.add_argument("--asio", help="wasio_bench_asio_http (default: BIN_DIR/../tests/bench/http/)")
    parser.add_argument("--epoll", help="wasio_bench_epoll_http (default: BIN_DIR/../tests/bench/http/)")
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, help="wrk threads (default 1 with --pin, else 2)")
    parser.add_argument("--profile", default="strict", choices=PROFILES)
    parser.add_argument("--pin", action="store_true", help="servers on the first CPU, wrk on the second")
    parser.add_argument("--no-syscalls", action="store_true", help="skip the run that counts system calls")
    parser.add_argument("--quick", action="store_true", help="one short round: checks the script runs")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.no_syscalls = 1, 1, True
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (scripts/setup.sh installs it)")
    args.server_cpu, args.load_cpu = pin_cpus(args.pin)
    if args.threads is None:
        args.threads = 1 if args.pin else 2
    seconds = max(1, int(round(args.duration)))
    references = os.path.join(os.path.dirname(os.path.abspath(args.bin_dir)), "tests", "bench", "http")
    asio = args.asio or os.path.join(references, "wasio_bench_asio_http")
    epoll = args.epoll or os.path.join(references, "wasio_bench_epoll_http")
    count_syscalls = not args.no_syscalls and perf_available()
    if not args.no_syscalls and not count_syscalls:
        print("perf (linux-perf) with syscall tracepoints is not available: no system call counts", flush=True)

    os.environ.setdefault("WASIO_CACHE_DIR", os.path.join(os.path.dirname(os.path.abspath(args.bin_dir)), "wasm-cache"))
    http = [os.path.join(args.bin_dir, "http")]
    http_wasm = [os.path.join(args.bin_dir, "http.wasm")]
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    servers = {
        "asio (native reference)": (([asio, "0"], dict(os.environ)), None, REFERENCE_LISTENING),
        "epoll (lean native loop)": (([epoll, "0"], dict(os.environ)), None, REFERENCE_LISTENING),
        "http (natively linked)": (wasio_command(http, args.profile), r"http: serving", LISTENING),
        "http.wasm (wasio-run)": (wasio_command(http_wasm, args.profile, wasio_run), r"http: serving", LISTENING),
    }
    names = list(servers)
    rates = {name: [] for name in names}
    cpu = {name: [] for name in names}
    pinning = f"servers pinned to CPU {args.server_cpu}, wrk to CPU {args.load_cpu}" if args.pin else "not pinned"
    print(f"wrk: {args.threads} thread(s), {args.connections} keep-alive connections, {seconds} s per run, "
          f"{args.rounds} round(s), GET /, profile {args.profile}; {os.cpu_count()} CPUs, {pinning}; "
          f"load average {load_average():.2f} at the start", flush=True)
    for round_index in range(args.rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            rate, us, _ = measure(servers[name], args, seconds)
            rates[name].append(rate)
            cpu[name].append(us)
            print(f"  round {round_index + 1}: {name:26} {rate:10.0f} req/s {us:8.2f} CPU us/req   "
                  f"(load {load_average():.2f})", flush=True)

    syscalls = {}
    if count_syscalls:
        print("system calls per request (one more run per server, counted by perf):", flush=True)
        for name in names:
            _, _, syscalls[name] = measure(servers[name], args, seconds, count_syscalls=True)
            print(f"  {name:26} " + " ".join(f"{k} {v:.3f}" for k, v in syscalls[name].items()), flush=True)

    reference = names[0]
    # The machine's other load drifts during a run; a ratio within one round compares servers measured
    # seconds apart, so the median of per-round ratios is the steadier figure.
    rate_ratio = {n: statistics.median(rates[n][i] / rates[reference][i] for i in range(args.rounds)) for n in names}
    cpu_ratio = {n: statistics.median(cpu[n][i] / cpu[reference][i] for i in range(args.rounds)) for n in names}
    print(f"\nmedians over {args.rounds} round(s); ratios are medians of per-round ratios to {reference} "
          f"(load average {load_average():.2f} at the end)")
    header = f"{'server':26} {'req/s':>10} {'x asio':>7} {'CPU us/req':>11} {'x asio':>7}"
    if syscalls:
        header += "".join(f" {k:>10}" for k in syscalls[reference])
    print(header)
    for n in names:
        line = (f"{n:26} {statistics.median(rates[n]):10.0f} {rate_ratio[n]:7.2f} {statistics.median(cpu[n]):11.2f} "
                f"{cpu_ratio[n]:7.2f}")
        if syscalls:
            line += "".join(f" {v:10.3f}" for v in syscalls[n].values())
        print(line)
    print(f"\ntargets: http.wasm CPU/req <= 1.00x asio (measured {cpu_ratio[names[3]]:.2f}), req/s >= 1.00x "
          f"({rate_ratio[names[3]]:.2f}); http native CPU/req <= 0.95x ({cpu_ratio[names[2]]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
