#!/usr/bin/env python3
"""Soak: http.wasm and kv.wasm under wasio-run for N minutes with 10,000 open connections of which 64
are active, plus churn (connect, one request, close), sampling the server's RSS and open fds every
second into a CSV and a gnuplot PNG (docs/testing.md). Not part of the normal suite.

usage: soak.py --wasio-run PATH --bin-dir DIR [--servers http,kv] [--minutes 10 (0: step 1 only)] [--idle 10000]
               [--active 64] [--churn-per-s 20] [--out DIR] [--compare-rounds 3] [--compare-seconds 10]
               [--pin]

Per server, one wasio-run process for the whole run:
1. (http only, --compare-rounds > 0) the idle-connections benchmark: in each round wrk drives the 64
   active connections for --compare-seconds with the server alone, then again with --idle
   connections open and silent; the printed ratio is the median of the per-round ratios
   (issue 19's target: at least 0.7).
2. The soak: --idle connections opened and held (the http server runs with an idle timeout of a
   day and room for them all, so they stay), wrk (http) or redis-benchmark -l (kv) on --active connections, and a churn
   thread that connects, sends one request, checks the answer and closes, --churn-per-s times a
   second. Every second: RSS of the server's processes, their open fds, the idle connections still
   open, churn answers and failures.
Pass (exit 0) when, after the warm-up (the first fifth of the run, at least 60 s):
- RSS is flat: the least-squares slope over the rest, times its length, is under 5% of the mean
  RSS (or under 2 MiB, whichever is larger), and the last minute's mean is within 5% of the first
  post-warm-up minute's;
- open fds stay within the load's own band: max - min at most active + 4 x churn per second + 32,
  with no drift (slope x length under 32);
- no idle connection was closed by the server, no churn request failed, and the server is still
  serving at the end (a last request answered).
Figures: SOAK-SERVER.csv and SOAK-SERVER.png in --out, and a summary line per server.
"""

import argparse
import os
import resource
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "support"))
sys.path.insert(0, os.path.join(here, "..", "http"))
from http_bench import wrk  # noqa: E402
from server_cost import group_pids, load_average, pin, pin_cpus  # noqa: E402
from wasio_server import rss_of_group, start_server, wasio_command  # noqa: E402

HTTP_REQUEST = b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n"
HTTP_CLOSE_REQUEST = b"GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n"
KV_PING = b"*1\r\n$4\r\nPING\r\n"
CLIENT_TIMEOUT_S = 30


class IdleConnections:
    """`count` connections opened in batches and held silent; a watcher thread notices any the
    server closes (readable with nothing to read, or reset)."""

    def __init__(self, port, count, batch=500):
        self.sockets, self.closed_by_server = [], 0
        self._selector = selectors.DefaultSelector()
        self._stopping = threading.Event()
        for start in range(0, count, batch):
            pending = []
            for _ in range(min(batch, count - start)):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                pending.append(s)
            sel = selectors.DefaultSelector()
            for s in pending:
                sel.register(s, selectors.EVENT_WRITE)
            deadline = time.monotonic() + CLIENT_TIMEOUT_S
            left = len(pending)
            while left and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=1):
                    sel.unregister(key.fileobj)
                    left -= 1
            sel.close()
            for s in pending:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    raise SystemExit(f"FAIL: an idle connection could not connect after {len(self.sockets)}")
                self.sockets.append(s)
                self._selector.register(s, selectors.EVENT_READ)
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self):
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.5):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._selector.unregister(s)
                    self.closed_by_server += 1

    @property
    def open(self):
        return len(self.sockets) - self.closed_by_server

    def close(self):
        self._stopping.set()
        self._watcher.join()
        self._selector.close()
        for s in self.sockets:
            s.close()


def http_answer(sock):
    """Reads one response to HTTP_CLOSE_REQUEST: True when it is a 200 with its whole body."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) == int(value)
    return False


def kv_answer(sock):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(64)
        if not chunk:
            return False
        data += chunk
    return data == b"+PONG\r\n"


def one_request(kind, port):
    """Connect, one request, the answer checked, close: True when it was right."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
            s.sendall(HTTP_CLOSE_REQUEST if kind == "http" else KV_PING)
            return http_answer(s) if kind == "http" else kv_answer(s)
    except OSError:
        return False


class Churn(threading.Thread):
    def __init__(self, kind, port, per_second):
        super().__init__(daemon=True)
        self.kind, self.port, self.interval = kind, port, 1.0 / per_second
        self.ok = self.failed = 0
        self._stopping = threading.Event()

    def run(self):
        next_at = time.monotonic()
        while not self._stopping.is_set():
            if one_request(self.kind, self.port):
                self.ok += 1
            else:
                self.failed += 1
            next_at += self.interval
            self._stopping.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self._stopping.set()
        self.join()


def open_fds(pgid):
    total = 0
    for pid in group_pids(pgid):
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def active_load(kind, port, connections, seconds, cpu):
    """The active connections' load for `seconds` (a Popen): wrk for http, redis-benchmark -l for kv."""
    if kind == "http":
        command = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds}s",
                   f"http://127.0.0.1:{port}/"]
    else:
        command = ["redis-benchmark", "-p", str(port), "-c", str(connections), "-t", "set,get", "-r", "100000",
                   "-l", "-q"]
    return subprocess.Popen(pin(command, cpu), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def compare(kind, port, args, cpu):
    """Median over rounds of (req/s with --idle silent connections open) / (req/s alone)."""
    ratios = []
    for round_ in range(args.compare_rounds):
        alone, _ = wrk(port, 1, args.active, args.compare_seconds, cpu)
        idle = IdleConnections(port, args.idle)
        crowded, _ = wrk(port, 1, args.active, args.compare_seconds, cpu)
        closed = idle.closed_by_server
        idle.close()
        ratios.append(crowded / alone)
        print(f"  round {round_ + 1}: {args.active} connections alone {alone:,.0f} req/s, with {args.idle:,} idle "
              f"open {crowded:,.0f} req/s ({crowded / alone:.2f}x; load {load_average():.2f}; "
              f"{closed} idle closed by the server)", flush=True)
        time.sleep(2)  # the closed idle connections leave the server's accept and close paths
    return statistics.median(ratios)


def plot(csv_path, png_path, title):
    if shutil.which("gnuplot") is None:
        print("  (gnuplot is not installed: no PNG; scripts/setup.sh installs gnuplot-nox)")
        return
    script = f"""
set terminal png size 1000,500
set output '{png_path}'
set datafile separator ','
set title '{title}'
set xlabel 'seconds'
set ylabel 'RSS (MiB)'
set y2label 'open fds / idle connections open'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
plot '{csv_path}' using 1:2 with lines lw 2 title 'server RSS (MiB)', \\
     '{csv_path}' using 1:3 axes x1y2 with lines title 'server open fds', \\
     '{csv_path}' using 1:4 axes x1y2 with lines dt 2 title 'idle connections open'
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def soak(kind, args, server_cpu, load_cpu):
    module = os.path.join(args.bin_dir, "http.wasm" if kind == "http" else "kv.wasm")
    # http: room for the idle and active connections and the churn within the guest's memory budget
    # (a 4 KiB head limit lets 10,356 fit), and an idle timeout of a day so the silent ones stay.
    program = [module, f"--max-connections={args.idle + args.active + 200}", "--max-head-bytes=4096",
               "--idle-timeout-ms=86400000"] if kind == "http" else [module]
    command, env = wasio_command(program, "strict", args.wasio_run)
    server = start_server(pin(command, server_cpu), env, ready=f"{kind}: serving", name=kind, quiet=True)
    pgid = server.process.pid
    problems = []
    try:
        print(f"{kind}.wasm: pid {pgid}, load average {load_average():.2f} at the start", flush=True)
        if kind == "http" and args.compare_rounds > 0:
            ratio = compare(kind, server.port, args, load_cpu)
            print(f"{kind}.wasm: {args.idle:,} idle connections keep {ratio:.2f}x the req/s of {args.active} alone "
                  f"(median of {args.compare_rounds} rounds; target at least 0.7)", flush=True)
        duration = int(args.minutes * 60)
        if duration == 0:  # --minutes 0: the idle-connections benchmark only
            return True
        idle = IdleConnections(server.port, args.idle)
        load = active_load(kind, server.port, args.active, duration + 5, load_cpu)
        churn = Churn(kind, server.port, args.churn_per_s)
        churn.start()
        csv_path = os.path.join(args.out, f"soak-{kind}.csv")
        samples = []
        start = time.monotonic()
        with open(csv_path, "w") as csv:
            csv.write("# seconds,rss_mib,open_fds,idle_open,churn_ok,churn_failed,load_average\n")
            while time.monotonic() - start < duration:
                time.sleep(1 - (time.monotonic() - start) % 1)
                t = round(time.monotonic() - start)
                rss = rss_of_group(pgid) / (1 << 20)
                fds = open_fds(pgid)
                samples.append((t, rss, fds))
                csv.write(f"{t},{rss:.2f},{fds},{idle.open},{churn.ok},{churn.failed},{load_average():.2f}\n")
                csv.flush()
                if server.process.poll() is not None:
                    problems.append(f"the server exited ({server.process.returncode}) at {t} s")
                    break
        churn.stop()
        load.terminate()
        load.wait()
        last_ok = one_request(kind, server.port)
        closed = idle.closed_by_server
        idle.close()

        warm = max(60, duration // 5)
        rest = [s for s in samples if s[0] >= warm]
        if len(rest) < 60:
            problems.append(f"only {len(rest)} samples after the {warm} s warm-up: run longer (--minutes)")
        else:
            length = rest[-1][0] - rest[0][0]
            mean_rss = statistics.mean(r for _, r, _ in rest)
            rss_growth = slope([(t, r) for t, r, _ in rest]) * length
            first = statistics.mean(r for t, r, _ in rest if t < rest[0][0] + 60)
            last = statistics.mean(r for t, r, _ in rest if t > rest[-1][0] - 60)
            fd_values = [f for _, _, f in rest]
            fd_growth = slope([(t, f) for t, _, f in rest]) * length
            fd_band = args.active + 4 * args.churn_per_s + 32
            print(f"{kind}.wasm: after the {warm} s warm-up: RSS mean {mean_rss:.1f} MiB, first minute {first:.1f}, "
                  f"last minute {last:.1f}, fitted growth {rss_growth:+.2f} MiB over {length} s; open fds "
                  f"{min(fd_values)}-{max(fd_values)}, fitted growth {fd_growth:+.1f}; idle open {idle.open} of "
                  f"{args.idle}; churn {churn.ok} answered, {churn.failed} failed; load average "
                  f"{load_average():.2f} at the end", flush=True)
            if abs(rss_growth) > max(0.05 * mean_rss, 2.0):
                problems.append(f"RSS is not flat: {rss_growth:+.2f} MiB fitted over {length} s")
            if abs(last - first) > 0.05 * first:
                problems.append(f"RSS moved from {first:.1f} to {last:.1f} MiB after the warm-up")
            if max(fd_values) - min(fd_values) > fd_band or abs(fd_growth) > 32:
                problems.append(f"open fds are not flat: {min(fd_values)}-{max(fd_values)}, drift {fd_growth:+.1f}")
        if closed:
            problems.append(f"the server closed {closed} idle connections")
        if churn.failed:
            problems.append(f"{churn.failed} churn requests failed")
        if not last_ok:
            problems.append("the server did not answer a request at the end")
        plot(csv_path, os.path.join(args.out, f"soak-{kind}.png"),
             f"{kind}.wasm under wasio-run: {args.idle:,} connections, {args.active} active, "
             f"{args.churn_per_s}/s churn")
    finally:
        server.stop()
    for p in problems:
        print(f"FAIL: {kind}.wasm: {p}")
    print(f"{kind}.wasm: {'passed' if not problems else 'FAILED'}", flush=True)
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--bin-dir", required=True, help="where http.wasm and kv.wasm are")
    parser.add_argument("--servers", default="http,kv")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--active", type=int, default=64)
    parser.add_argument("--churn-per-s", type=int, default=20)
    parser.add_argument("--out", default=".")
    parser.add_argument("--compare-rounds", type=int, default=3)
    parser.add_argument("--compare-seconds", type=int, default=10)
    parser.add_argument("--pin", action="store_true", help="the server on the first CPU, the load on the second")
    args = parser.parse_args()
    for tool in ("wrk", "redis-benchmark"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (scripts/setup.sh installs it)")
    # This process holds the idle connections; the server needs as many fds (it inherits the limit).
    want = args.idle + args.active + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        except (ValueError, OSError) as e:
            raise SystemExit(f"soak: needs {want} open files, the limit is {soft} and cannot be raised ({e})")
    server_cpu, load_cpu = pin_cpus(args.pin)
    os.makedirs(args.out, exist_ok=True)
    results = [soak(kind, args, server_cpu, load_cpu) for kind in args.servers.split(",")]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
