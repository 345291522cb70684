#!/usr/bin/env python3
"""SIGTERM while clients run: every example drains (docs/shutdown.md).

usage: shutdown_e2e.py --example http|kv|syslog|echo --profile P [--wasio-run PATH] -- PROGRAM [ARGS...]

PROGRAM ending in .wasm runs under wasio-run, anything else natively (tests/support/wasio_server.py).
The signal goes to the server's own process (wasio-run, or the native program), as systemd or docker
sends it. Checked, per example:
- http: wrk runs; a request half-sent before the signal is answered after it, with Connection: close;
  an idle keep-alive connection is closed without a reset; the server's own count of answered
  requests equals the responses wrk and the probes received (every request read was answered);
  exit 0. Then a second SIGTERM during a drain that cannot finish ends it at once (143).
- kv: redis-benchmark runs; a probe pipelines commands, SIGTERM comes while they are answered, and
  the probe gets exactly as many whole replies as the server says it processed; exit 0.
- syslog: senders stream messages; stdout ends with a complete JSON line, every line parses, the
  summary is printed and counts as many messages as stdout holds; exit 0.
- echo: bytes sent before the signal come back, then end of stream; exit 0.
Each also prints the idle shutdown time (SIGTERM to exit) as a figure, never asserted.
Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import start_wasio_server  # noqa: E402

EXIT_TIMEOUT_S = 60  # a guard against hangs, far above the 10 s grace period
failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


def terminate(server, sig=signal.SIGTERM):
    """Sends `sig` to the server process; returns (exit status, seconds to exit)."""
    started = time.monotonic()
    server.process.send_signal(sig)
    try:
        status = server.wait(EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        expect(False, f"the server did not exit within {EXIT_TIMEOUT_S} s of {sig.name}")
        return None, None
    return status, time.monotonic() - started


def recv_all(sock, timeout=30):
    """Everything until end of stream; raises on a reset (so a reset is never taken for a clean close)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def idle_shutdown(args, ready):
    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=ready)
    try:
        status, seconds = terminate(server)
        expect(status == 0, f"idle shutdown exited {status}")
        if seconds is not None:
            print(f"figure: idle {args.example} shutdown after SIGTERM: {seconds * 1000:.1f} ms "
                  f"({args.profile}, {'wasm' if args.program[0].endswith('.wasm') else 'native'})")
    finally:
        server.stop()


# --- http ---

HTTP_READY = r"http: serving"
WRK_REQUESTS = re.compile(r"(\d+) requests in")
SERVER_REQUESTS = re.compile(r"http: shut down cleanly \((\d+) requests\)")


def http_response(sock):
    data = recv_all(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def check_http(args):
    idle_shutdown(args, HTTP_READY)
    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=HTTP_READY)
    try:
        port = server.port
        wrk = subprocess.Popen(["wrk", "-t2", "-c16", "-d6s", f"http://127.0.0.1:{port}/"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2)
        # An idle keep-alive connection that got its answer.
        idle = socket.create_connection(("127.0.0.1", port))
        idle.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        idle.settimeout(30)
        first = b""
        while b"Hello" not in first:
            chunk = idle.recv(4096)
            expect(chunk, "the idle connection's first response never came")
            if not chunk:
                break
            first += chunk
        # A request whose head and half its body are read before the signal.
        probe = socket.create_connection(("127.0.0.1", port))
        probe.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello")
        time.sleep(0.5)  # let the server read it (reading is what "read before the signal" means)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        probe.sendall(b"world")
        head, body = http_response(probe)
        expect(head.startswith("HTTP/1.1 200"), f"the half-sent request got {head[:40]!r}")
        expect("connection: close" in head.lower(), f"the drained response lacks Connection: close: {head!r}")
        expect(body == b"helloworld", f"the drained response's body is {body!r}")
        try:
            rest = recv_all(idle)
            expect(rest == b"", f"the idle connection got {rest[:60]!r} instead of a close")
        except ConnectionResetError:
            expect(False, "the idle keep-alive connection was reset instead of closed")
        try:
            status = server.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            status = None
        expect(status == 0, f"the server exited {status} after the drain")
        out, _ = wrk.communicate(timeout=60)
        counted = WRK_REQUESTS.search(out)
        said = [SERVER_REQUESTS.search(line) for line in server.stderr_lines]
        said = [m for m in said if m]
        expect(counted is not None, f"wrk printed no request count: {out[-300:]}")
        expect(len(said) == 1, "the server did not print its request count")
        if counted and said:
            answered, received = int(said[0].group(1)), int(counted.group(1)) + 2
            print(f"http: server answered {answered}, clients received {received} (wrk {counted.group(1)} + 2 probes)")
            expect(answered == received, f"the server answered {answered} requests, the clients received {received}")
    finally:
        server.stop()

    # A second SIGTERM during a drain that cannot finish (a request that never completes) ends it now.
    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=HTTP_READY)
    try:
        stuck = socket.create_connection(("127.0.0.1", server.port))
        stuck.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part")
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        server.wait_for(r"shutting down", "the drain's start")
        status, _ = terminate(server)
        expect(status == 128 + signal.SIGTERM, f"a second SIGTERM ended the drain with {status}, not 143")
        stuck.close()
    finally:
        server.stop()


# --- kv ---

KV_READY = r"kv: serving"
KV_COMMANDS = re.compile(r"kv: shut down cleanly \((\d+) commands\)")


def check_kv(args):
    idle_shutdown(args, KV_READY)
    # SIGTERM while redis-benchmark runs: a clean exit, and redis-benchmark is not left hanging.
    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=KV_READY)
    try:
        bench = subprocess.Popen(["redis-benchmark", "-p", str(server.port), "-c", "8", "-n", "100000000", "-P", "8",
                                  "-t", "set,get", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        status, _ = terminate(server)
        expect(status == 0, f"kv exited {status} when SIGTERM came during redis-benchmark")
        try:
            bench.wait(timeout=60)
        except subprocess.TimeoutExpired:
            bench.kill()
            bench.wait()
    finally:
        server.stop()
    # Exact: one client pipelines commands and SIGTERM comes while they are answered. The server says
    # how many commands it processed; the client must hold exactly that many whole replies.
    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=KV_READY)
    try:
        probe = socket.create_connection(("127.0.0.1", server.port))
        count = 50000
        payload = b"".join(b"*3\r\n$3\r\nSET\r\n$6\r\nk%05d\r\n$1\r\nv\r\n" % (i % 100000) for i in range(count))

        def send():
            try:
                probe.sendall(payload)
            except OSError:
                pass  # the server closed: it stopped reading at the shutdown
        sender = threading.Thread(target=send)
        sender.start()
        probe.settimeout(30)
        got = probe.recv(65536)  # the server is answering: it has read at least the first commands
        server.process.send_signal(signal.SIGTERM)
        try:
            got += recv_all(probe)
        except ConnectionResetError:
            expect(False, "the probe was reset instead of closed")
        sender.join(timeout=60)
        try:
            status = server.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            status = None
        expect(status == 0, f"kv exited {status} after the drain")
        replies = got.count(b"+OK\r\n")
        expect(len(got) == 5 * replies, f"the probe's last reply is cut: {got[-20:]!r}")
        said = [m for m in (KV_COMMANDS.search(line) for line in server.stderr_lines) if m]
        expect(len(said) == 1, "kv did not print its command count")
        if said:
            processed = int(said[0].group(1))
            print(f"kv: probe sent {count} SETs; the server processed {processed}; the probe got {replies} replies")
            expect(processed == replies, f"kv processed {processed} commands but the client got {replies} replies")
            expect(replies > 0, "no reply before the shutdown")
    finally:
        server.stop()


# --- syslog ---

SYSLOG_READY = r"syslog: receiving"
SUMMARY = re.compile(r"syslog: summary: connections=(\d+) messages=(\d+) rfc5424=(\d+) rfc3164=(\d+) malformed=(\d+)")


def syslog_sender(port, tag, stop):
    sock = socket.create_connection(("127.0.0.1", port))
    i = 0
    try:
        while not stop.is_set():
            batch = b"".join(b"<13>1 - host %s 1 - - message %d of the stream\n" % (tag, i + k) for k in range(50))
            sock.sendall(batch)
            i += 50
            time.sleep(0.002)  # a steady stream, not a flood: the test is about the stop
    except OSError:
        pass  # the receiver closed: it is shutting down
    finally:
        sock.close()


def check_syslog(args):
    idle_shutdown(args, SYSLOG_READY)
    out_path = os.path.join(args.work, "syslog.out")
    with open(out_path, "wb") as out:
        server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=SYSLOG_READY, stdout=out)
        try:
            stop = threading.Event()
            senders = [threading.Thread(target=syslog_sender, args=(server.port, b"s%d" % k, stop)) for k in range(4)]
            for t in senders:
                t.start()
            loggers = [subprocess.Popen(["logger", "--tcp", "--server", "127.0.0.1", "--port", str(server.port),
                                         "--rfc5424", "-t", "lg", "-f", "/etc/services"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
            time.sleep(1.5)
            status, _ = terminate(server)
            stop.set()
            for t in senders:
                t.join(timeout=60)
            for p in loggers:
                p.wait(timeout=60)
            expect(status == 0, f"syslog exited {status}")
        finally:
            server.stop()
    with open(out_path, "rb") as f:
        data = f.read()
    expect(data.endswith(b"\n"), f"stdout does not end with a complete line: {data[-80:]!r}")
    lines = data.splitlines()
    bad = 0
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            bad += 1
    expect(bad == 0, f"{bad} of {len(lines)} stdout lines are not JSON")
    summaries = [m for m in (SUMMARY.search(line) for line in server.stderr_lines) if m]
    expect(len(summaries) == 1, "no summary line on stderr")
    if summaries:
        messages, malformed = int(summaries[0].group(2)), int(summaries[0].group(5))
        print(f"syslog: {len(lines)} lines written, summary messages={messages} malformed={malformed}")
        # Malformed frames are counted, not written (a line cut by the shutdown may be one).
        expect(len(lines) == messages, f"{len(lines)} lines on stdout, the summary counts {messages} messages")
        expect(messages > 0, "no message was received before the shutdown")


# --- echo ---

def check_echo(args):
    idle_shutdown(args, r"serving")
    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=r"serving")
    try:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"x" * 100000)
        sock.settimeout(30)
        got = sock.recv(65536)
        status, _ = terminate(server)
        try:
            got += recv_all(sock)
        except ConnectionResetError:
            expect(False, "the echo connection was reset instead of closed")
        expect(status == 0, f"echo exited {status}")
        expect(0 < len(got) <= 100000 and got == b"x" * len(got), f"echo sent back {len(got)} odd bytes")
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", required=True, choices=["http", "kv", "syslog", "echo"])
    parser.add_argument("--profile", required=True)
    parser.add_argument("--wasio-run")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    for tool in {"http": ["wrk"], "kv": ["redis-benchmark"], "syslog": ["logger"], "echo": []}[args.example]:
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed")
    args.work = os.environ.get("TMPDIR", "/tmp")
    import tempfile
    with tempfile.TemporaryDirectory(prefix="wasio-shutdown-") as work:
        args.work = work
        {"http": check_http, "kv": check_kv, "syslog": check_syslog, "echo": check_echo}[args.example](args)
    if failures:
        print(f"FAIL ({len(failures)} problem(s))", file=sys.stderr)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
