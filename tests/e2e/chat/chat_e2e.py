#!/usr/bin/env python3
"""End-to-end check of the chat example with many real clients.

usage: chat_e2e.py --profile P [--wasio-run PATH] [--clients N] [--lines M] -- PROGRAM [ARGS...]

N raw socket clients and two socat clients join, take nicks (/nick), check /who, then each sends M
numbered lines at once. Checked: every line reaches every OTHER client exactly once, in its sender's
order, and never its sender; a client that connected and never reads delays nobody (everyone else
gets everything, a 3000-line flood included, while it is still connected); the commands (/nick taken
or invalid, unknown, /who, /quit with the others told), a line over the limit (told, then closed);
SIGTERM: every client still there reads "*** server shutting down" and then end of stream, and the
server exits 0. Delivery latency (p50, p99) is printed, not asserted: timeouts only guard against hangs.
"""

import argparse
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import start_wasio_server  # noqa: E402

DEADLINE_S = 240  # a whole phase; only guards against hangs


class Client:
    """A chat client over a socket, or over a socat process's pipes (then `process` is set)."""

    def __init__(self, port, name, via_socat=False):
        self.name = name
        self.process = None
        self.buffer = b""
        self.lines = []
        self.closed = False
        if via_socat:
            self.process = subprocess.Popen(["socat", "-", f"TCP:127.0.0.1:{port}"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, bufsize=0)
            self.reader = self.process.stdout
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            self.sock.setblocking(False)
            self.reader = self.sock

    def fileno(self):
        return self.reader.fileno()

    def send(self, data):
        if self.process:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        else:
            self.sock.setblocking(True)
            self.sock.sendall(data)
            self.sock.setblocking(False)

    def pump(self):
        """Reads what is there; False at end of stream."""
        try:
            chunk = os.read(self.fileno(), 65536) if self.process else self.sock.recv(65536)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        now = time.monotonic()
        self.lines += [(line.decode(errors="replace"), now) for line in complete]
        return True

    def close(self):
        if self.process:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        else:
            self.sock.close()


def pump_until(clients, done, what):
    """Reads every client until done() is true."""
    selector = selectors.DefaultSelector()
    for c in clients:
        if not c.closed:
            selector.register(c, selectors.EVENT_READ)
    deadline = time.monotonic() + DEADLINE_S
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"FAIL: timed out waiting for {what}")
        for key, _ in selector.select(timeout=1):
            if not key.fileobj.pump():
                selector.unregister(key.fileobj)
    selector.close()


def wait_line(clients, predicate, what):
    pump_until(clients, lambda: all(any(predicate(c, line) for line, _ in c.lines) for c in clients), what)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="strict")
    parser.add_argument("--wasio-run")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    # A backlog above the bursts of this test (every client joins and renames at once; a flood comes in
    # batches of a reader turn), and a short write timeout so the stuck client is cut off quickly.
    program += ["--backlog", "1024", "--write-timeout-ms", "2000", "--max-line", "512"]

    with start_wasio_server(program, args.profile, args.wasio_run, ready=r"chat: serving") as server:
        port = server.port
        clients = [Client(port, f"c{i}") for i in range(args.clients)]
        clients += [Client(port, f"s{i}", via_socat=True) for i in range(2)]
        wait_line(clients, lambda c, line: line.startswith("*** welcome, guest"), "every welcome")
        for c in clients:
            c.send(f"/nick {c.name}\n".encode())
        wait_line(clients, lambda c, line: line == f"*** you are now {c.name}", "every /nick")
        # A client that never reads a byte, with a small receive window so its socket fills early.
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.settimeout(60)
        stuck.connect(("127.0.0.1", port))
        stuck.sendall(b"/nick stuck\n")
        first = clients[0]
        pump_until([first], lambda: any(l.endswith(" is now stuck") for l, _ in first.lines), "the stuck client's nick")
        first.send(b"/who\n")
        names = sorted([c.name for c in clients] + ["stuck"])
        pump_until([first], lambda: any(l == f"*** {len(names)} here: " + " ".join(names) for l, _ in first.lines),
                   "/who listing every nick")
        for c in clients:
            c.lines.clear()

        # Everyone talks at once; the stuck client's backlog overflows and its socket fills.
        sent_at = {}
        for seq in range(args.lines):
            for c in clients:
                text = f"{c.name} line {seq}"
                sent_at[text] = time.monotonic()
                c.send((text + "\n").encode())
        expected_each = (len(clients) - 1) * args.lines

        def chat_lines(c):
            return [(l, t) for l, t in c.lines if not l.startswith("***")]
        pump_until(clients, lambda: all(len(chat_lines(c)) >= expected_each for c in clients), "every chat line")
        latencies = []
        for c in clients:
            got = chat_lines(c)
            if len(got) != expected_each:
                raise SystemExit(f"FAIL: {c.name} got {len(got)} chat lines, expected {expected_each}")
            per_sender = {}
            for line, at in got:
                sender, _, text = line.partition(": ")
                if sender == c.name:
                    raise SystemExit(f"FAIL: {c.name} heard its own line {line!r}")
                per_sender.setdefault(sender, []).append(text)
                latencies.append(at - sent_at[text])
            for other in clients:
                if other is c:
                    continue
                want = [f"{other.name} line {seq}" for seq in range(args.lines)]
                if per_sender.get(other.name) != want:
                    raise SystemExit(f"FAIL: {c.name} got {other.name}'s lines as {per_sender.get(other.name)!r}")
        latencies.sort()
        print(f"ok: {len(clients)} clients each got all {expected_each} lines of the others, once and in order, "
              f"while a client that never reads stayed connected; delivery latency p50 "
              f"{latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms",
              flush=True)

        # A flood from one client: far more than the stuck client's socket and backlog hold. Everyone
        # else still gets all of it, in order, while the stuck client is connected; it is cut off
        # (its socket took no bytes for the write timeout) and the others hear it left.
        flooder, flood = clients[-1], 3000
        for c in clients:
            c.lines.clear()
        flooder.send(b"".join(f"flood {i} {'f' * 400}\n".encode() for i in range(flood)))
        listeners = [c for c in clients if c is not flooder]
        pump_until(listeners, lambda: all(len(chat_lines(c)) >= flood for c in listeners), "every flood line")
        for c in listeners:
            got = [l.partition(": ")[2].split(" ")[1] for l, _ in chat_lines(c)]
            if got != [str(i) for i in range(flood)]:
                raise SystemExit(f"FAIL: {c.name} got the flood out of order or with gaps")
        print(f"ok: {len(listeners)} clients got all {flood} lines of a flood while a client that never reads "
              f"stayed connected", flush=True)
        # The stuck client had everything queued in its socket (loopback buffers hold a few MB; past
        # them its writer would wait out --write-timeout-ms and drop it). It leaves; the others hear it.
        stuck.close()
        wait_line(clients, lambda c, line: line == "*** stuck left", "the others hearing the stuck client left")

        # Commands.
        a, b = clients[1], clients[2]
        for c in (a, b):
            c.lines.clear()
        a.send(f"/nick {b.name}\n".encode())
        a.send(b"/nick bad name!\n")
        a.send(b"/frobnicate\n")
        pump_until([a], lambda: len(a.lines) >= 3, "command replies")
        replies = [l for l, _ in a.lines[:3]]
        if not (replies[0] == f"*** {b.name} is taken" and replies[1].startswith("*** a nick is") and
                replies[2].startswith("*** unknown command /frobnicate")):
            raise SystemExit(f"FAIL: command replies were {replies!r}")
        quitter = clients[3]
        quitter.send(b"/quit\n")
        pump_until([quitter], lambda: quitter.closed, "/quit closing the connection")
        if quitter.lines[-1][0] != "*** bye":
            raise SystemExit(f"FAIL: /quit's last line was {quitter.lines[-1][0]!r}")
        wait_line([b], lambda c, line: line == f"*** {quitter.name} left", "the others hearing of /quit")
        long_line = clients[4]
        long_line.send(b"x" * 600 + b"\n")
        pump_until([long_line], lambda: long_line.closed, "a line over --max-line closing the connection")
        if not long_line.lines[-1][0].startswith("*** line too long"):
            raise SystemExit(f"FAIL: a long line got {long_line.lines[-1][0]!r}")
        print("ok: /nick (taken, invalid), unknown commands, /quit and an overlong line", flush=True)

        # Graceful shutdown: everyone left is told, then the stream ends; the server exits 0.
        remaining = [c for c in clients if not c.closed]
        for c in remaining:
            c.lines.clear()
        os.killpg(server.process.pid, signal.SIGTERM)
        pump_until(remaining, lambda: all(c.closed for c in remaining), "every client's end of stream")
        for c in remaining:
            if not any(line == "*** server shutting down" for line, _ in c.lines):
                raise SystemExit(f"FAIL: {c.name} was not told of the shutdown: {c.lines[-3:]!r}")
        status = server.wait(60)
        if status != 0:
            raise SystemExit(f"FAIL: the server exited with {status} after SIGTERM")
        for c in clients:
            c.close()
        print(f"ok: SIGTERM told all {len(remaining)} clients and the server exited 0", flush=True)


if __name__ == "__main__":
    main()
