#!/usr/bin/env python3
"""wasio-run --workers 2 --connection-log FILE against http.wasm (docs/workers.md).

usage: workers_e2e.py --wasio-run PATH [--profile P] -- http.wasm

One supervised run, checked in order:
- both workers take connections: clients connect (in batches of 16 at a time, more batches until
  the connection log shows each worker, at most 60) and the log's worker= field is counted;
- a worker killed with SIGKILL comes back: the supervisor logs the kill and a new pid for that
  worker number, and connections after it are served, some by the restarted worker;
- the connection log lists every connection of a short wrk run with its real peer port: the ports
  of wrk's 8 sockets (read from /proc/WRK_PID/fd and /proc/net/tcp while it runs) are peer ports of
  the accept lines written meanwhile, and the only other one is wrk's own address check (a
  connection it opens and closes before the 8, with no bytes either way);
- every Python client's connection is in the log with its real port (the client socket's
  getsockname) and with the bytes it sent and received; every accept line has its close line;
- SIGTERM to the supervisor drains both workers (each prints the http example's clean shutdown
  line and exits 0) and the supervisor exits 0.
Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import Server  # noqa: E402

EXIT_TIMEOUT_S = 60
STARTED = re.compile(r"wasio-run: worker (\d+) \(pid (\d+)\) started")
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (accept|close) worker=(\d+) listener=(\S+) "
                      r"peer=(\S+):(\d+) fd=(\d+)(?: received=(\d+) sent=(\d+) duration_ms=([\d.]+))?$")
REQUEST = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


class Log:
    """The connection log, parsed; lines() re-reads the whole file."""

    def __init__(self, path):
        self.path = path

    def lines(self):
        with open(self.path) as f:
            raw = f.read().splitlines()
        parsed = []
        for line in raw:
            m = LOG_LINE.match(line)
            expect(m is not None, f"connection log line not in the documented format: {line!r}")
            if m:
                parsed.append(m)
        return parsed


def wait_lines(server, starts, servings):
    """The next `starts` worker start lines, once `servings` 'http: serving' lines came too (the
    supervisor's and the workers' lines arrive in either order, and share stderr: a guest that
    writes its line in two pieces can have the supervisor's line land in the middle of it)."""
    either = re.compile(rf"{STARTED.pattern}|http: serving")
    started = []
    while len(started) < starts or servings > 0:
        line = server.wait_for(either, "a worker's start or 'http: serving' line").string
        started += list(STARTED.finditer(line))
        servings -= line.count("http: serving")
    return started


def client(port, results):
    """One request with Connection: close; records (local port, bytes sent, bytes received)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        local = s.getsockname()[1]
        s.sendall(REQUEST)
        received = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            received += len(chunk)
        results.append((local, len(REQUEST), received))


def batch(port, results, count=16):
    threads = [threading.Thread(target=client, args=(port, results)) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def wait_log(log, predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.lines()
        if predicate(lines):
            return lines
        time.sleep(0.05)
    expect(False, f"the connection log never showed {what}")
    return log.lines()


def socket_ports_of(pid):
    """The local TCP ports of every socket process `pid` holds (its /proc fds and /proc/net/tcp)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for row in f:
                    fields = row.split()
                    if fields[9] in inodes:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            pass
    return ports


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--profile", default="strict")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("FAIL: wrk is not installed (scripts/setup.sh installs it)")
    module = args.program[0]
    workdir = tempfile.mkdtemp(prefix="wasio-workers-")
    log = Log(os.path.join(workdir, "connections.log"))
    env = dict(os.environ)
    if args.profile == "uvwasi":
        extra = ["--env", "WASIO_MAX_POLL_WAIT_MS=20"]
    else:
        extra = []
    command = [args.wasio_run, "--workers", "2", "--connection-log", log.path, "--tcplisten", "127.0.0.1:0",
               "--profile", args.profile] + extra + [module] + args.program[1:]
    server = Server(command, env, name="workers", start_timeout_s=120)
    try:
        port = server.wait_listening()[0]
        pids = {}
        for m in wait_lines(server, 2, 2):
            pids[int(m.group(1))] = int(m.group(2))
        expect(sorted(pids) == [1, 2], f"the workers started are {sorted(pids)}, not 1 and 2")
        listening = sum(1 for line in server.stderr_lines if "listening on" in line)
        expect(listening == 1, f"'listening on' was printed {listening} times, not once")

        # Both workers take connections.
        results = []
        for attempt in range(60):
            batch(port, results)
            seen = collections.Counter(m.group(3) for m in log.lines() if m.group(2) == "accept")
            if seen["1"] > 0 and seen["2"] > 0:
                break
        print(f"workers: connections per worker after {len(results)} clients: {dict(seen)}")
        expect(seen["1"] > 0 and seen["2"] > 0, f"not both workers took connections: {dict(seen)}")

        # A worker killed with SIGKILL comes back. First every connection so far is closed (http
        # closes after the client's end, so a client can be done before the close line is written).
        wait_log(log, lambda ls: sum(m.group(2) == "accept" for m in ls) == sum(m.group(2) == "close" for m in ls),
                 "a close line for every accept before the kill")
        victim = pids[1]
        os.kill(victim, signal.SIGKILL)
        server.wait_for(rf"worker 1 \(pid {victim}\) was killed by SIGKILL: restarting it in \d+ ms", "the restart line")
        m = wait_lines(server, 1, 1)[0]
        expect(m.group(1) == "1" and int(m.group(2)) != victim, f"after the kill: {m.group(0)!r}")
        before = len(log.lines())
        for attempt in range(60):
            batch(port, results)
            after = collections.Counter(m.group(3) for m in log.lines()[before:] if m.group(2) == "accept")
            if after["1"] > 0:
                break
        print(f"workers: connections per worker after the restart: {dict(after)}")
        expect(after["1"] > 0, "the restarted worker 1 took no connection")

        # Every connection of a wrk run, with the ports of wrk's own sockets.
        before = len(log.lines())
        wrk = subprocess.Popen(["wrk", "-t2", "-c8", "-d3s", f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        time.sleep(1.5)
        wrk_ports = socket_ports_of(wrk.pid)
        out, _ = wrk.communicate(timeout=60)
        expect("Socket errors" not in out, f"wrk reported socket errors: {out}")
        # wrk opens one connection first and closes it at once (wrk.resolve checks the address with
        # wrk.connect), then its 8: 9 accepts, the first one with no bytes either way.
        lines = wait_log(log, lambda ls: sum(1 for m in ls[before:] if m.group(2) == "close") >= 9, "wrk's 9 closes")
        accepted = [m for m in lines[before:] if m.group(2) == "accept"]
        closed = {int(m.group(6)): m for m in lines[before:] if m.group(2) == "close"}
        logged_ports = {int(m.group(6)) for m in accepted}
        probes = logged_ports - wrk_ports
        print(f"workers: wrk's socket ports {sorted(wrk_ports)}; logged peer ports {sorted(logged_ports)}")
        expect(len(accepted) == 9, f"the log has {len(accepted)} accepts during wrk -c8, not 8 + wrk's address check")
        expect(len(wrk_ports) == 8 and wrk_ports <= logged_ports,
               f"wrk's own ports {sorted(wrk_ports)} are not all among the logged {sorted(logged_ports)}")
        expect(len(probes) == 1 and all(closed.get(p) is not None and closed[p].group(8) == "0" for p in probes),
               f"the logged connections other than wrk's 8 ({sorted(probes)}) are not its one empty address check")
        expect(all(int(closed[p].group(8)) > 0 and int(closed[p].group(9)) > 0 for p in wrk_ports if p in closed),
               "a wrk connection is logged with no bytes")
        expect(all(m.group(5) == "127.0.0.1" for m in accepted), "a wrk connection's peer address is not 127.0.0.1")

        # SIGTERM drains both workers.
        server.process.send_signal(signal.SIGTERM)
        try:
            status = server.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            status = None
        expect(status == 0, f"the supervisor exited {status} after SIGTERM, not 0")
        server._reader.join(10)
        text = "".join(server.stderr_lines)
        clean = len(re.findall(r"http: shut down cleanly", text))
        expect(clean == 2, f"{clean} workers printed the clean shutdown line, not 2")
        for number in (1, 2):
            expect(re.search(rf"worker {number} \(pid \d+\) exited with status 0", text),
                   f"worker {number} did not exit 0 after SIGTERM")

        # The Python clients, each with its real port and byte counts; every accept closed.
        lines = log.lines()
        accepts = collections.Counter((m.group(3), m.group(5), m.group(6), m.group(7)) for m in lines
                                      if m.group(2) == "accept")
        closes = collections.Counter((m.group(3), m.group(5), m.group(6), m.group(7)) for m in lines
                                     if m.group(2) == "close")
        expect(accepts == closes, f"accepts without a close: {accepts - closes}; closes without an accept: {closes - accepts}")
        by_port = collections.defaultdict(list)
        for m in lines:
            if m.group(2) == "close":
                by_port[int(m.group(6))].append(m)
        missing = [p for p, _, _ in results if p not in by_port]
        expect(not missing, f"{len(missing)} of {len(results)} client connections are not in the log (ports {missing[:5]})")
        wrong = []
        for local, sent, received in results:
            entries = by_port.get(local, [])
            if len(entries) == 1:
                m = entries[0]
                if (int(m.group(8)), int(m.group(9))) != (sent, received):
                    wrong.append((local, sent, received, m.group(8), m.group(9)))
        expect(not wrong, f"byte counts differ from the clients' (port, sent, received, logged): {wrong[:5]}")
        print(f"workers: {len(results)} client connections and {len(accepted)} wrk connections logged; "
              f"{sum(accepts.values())} accepts, {sum(closes.values())} closes in all")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"workers_e2e: {len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("workers_e2e: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
