#!/usr/bin/env python3
"""Hostile senders against the syslog receiver: oversized frames, octet counts that lie, endless
lines without a newline, many idle connections, slow senders, resets mid-frame. After each attack
the receiver must still run, take a normal message (it appears on its stdout), and keep its
resident memory within the bound the check states.

usage: syslog_hostile.py --profile P [--wasio-run PATH] -- PROGRAM

The receiver runs with small limits (messages of 4 KiB, 50 connections, a 1.5 s frame deadline, a
2 s idle deadline); its stdout goes to a temporary file the checks read. Timeouts only guard
against hangs; nothing is asserted about speed.
"""

import argparse
import os
import re
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server  # noqa: E402

READY = re.compile(r"syslog: receiving")
GUARD_S = 60
MIB = 1 << 20
MAX_CONNECTIONS = 50
ARGS = ["--max-message-length", "4096", "--max-connections", str(MAX_CONNECTIONS), "--frame-timeout-ms", "1500",
        "--idle-timeout-ms", "2000"]


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)
    s.settimeout(GUARD_S)
    return s


def send_quietly(s, data):
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def closed_by_server(s, within=GUARD_S):
    s.settimeout(within)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class Receiver:
    def __init__(self, args, out):
        self.out = out
        self.server = start_wasio_server([args.program] + ARGS, args.profile, args.wasio_run, ready=READY,
                                         stdout=out)
        self.port = self.server.port
        self.sent = 0

    def delivered(self, token):
        self.out.flush()
        with open(self.out.name, "rb") as f:
            return token.encode() in f.read()

    def normal_message(self, s=None):
        """A well-formed message (on `s`, or a fresh connection) must show up on stdout."""
        self.sent += 1
        token = f"normal-{self.sent}-{os.getpid()}"
        line = f"<13>1 2026-12-01T08:00:00Z host app - - - {token}\n".encode()
        if s is None:
            with connect(self.port) as fresh:
                fresh.sendall(line)
        else:
            s.sendall(line)
        deadline = time.monotonic() + GUARD_S
        while not self.delivered(token):
            expect(time.monotonic() < deadline, f"message {token} never reached stdout")
            time.sleep(0.05)


def run_attack(receiver, name, bound, attack, results):
    before = receiver.server.rss_bytes()
    started = time.monotonic()
    try:
        attack(receiver)
        expect(receiver.server.alive(), "the receiver exited")
        receiver.normal_message()
        after = receiver.server.rss_bytes()
        expect(after - before <= bound, f"RSS {before / MIB:.1f} -> {after / MIB:.1f} MiB (bound +{bound / MIB:.0f})")
    except Exception as error:
        results.append(False)
        print(f"FAIL {name}: {error!r}", flush=True)
        return
    results.append(True)
    print(f"ok   {name} ({time.monotonic() - started:.1f} s, RSS {before / MIB:.1f} -> {after / MIB:.1f} MiB, "
          f"bound +{bound / MIB:.0f})", flush=True)


# --- attacks ------------------------------------------------------------------------------------

def oversized_frame(r):
    """An octet-counted frame of 8 MiB (limit 4 KiB) is skipped without being buffered; the frame
    after it on the same connection is delivered."""
    with connect(r.port) as s:
        s.sendall(b"%d " % (8 * MIB))
        block = b"o" * 65536
        for _ in range(8 * MIB // len(block)):
            if not send_quietly(s, block):
                return  # closed by the frame deadline on a slow machine: bounded either way
        frame = f"<13>1 - host app - - - after-oversized-{os.getpid()}".encode()
        s.sendall(b"%d %s" % (len(frame), frame))
        deadline = time.monotonic() + GUARD_S
        while not r.delivered(f"after-oversized-{os.getpid()}"):
            expect(time.monotonic() < deadline, "the frame after the oversized one was lost")
            time.sleep(0.05)


def count_promises_more(r):
    """`500 <13>short` and then nothing: the frame deadline closes the connection (it used to wait forever)."""
    with connect(r.port) as s:
        s.sendall(b"500 <13>1 - host app - - - short")
        expect(closed_by_server(s), "a frame promising more than it sent was never closed")


def count_promises_less(r):
    """A count shorter than the message: the rest is garbage, skipped to the next whitespace; the
    next good frame is delivered."""
    with connect(r.port) as s:
        frame = f"<13>1 - host app - - - after-lie-{os.getpid()}".encode()
        s.sendall(b"5 <13>1 - host app - - - the count said five\n" + b"%d %s\n" % (len(frame), frame))
        deadline = time.monotonic() + GUARD_S
        while not r.delivered(f"after-lie-{os.getpid()}"):
            expect(time.monotonic() < deadline, "the frame after a lying count was lost")
            time.sleep(0.05)


def endless_line(r):
    """20 MB without a newline: counted once as too long and skipped, never buffered (or cut by the
    frame deadline); the connection's next line, or a new connection, is served."""
    with connect(r.port) as s:
        s.sendall(b"<13>1 - host app - - - ")
        block = b"l" * 65536
        for _ in range(20 * MIB // len(block)):
            if not send_quietly(s, block):
                return
        send_quietly(s, b"\n")


def many_idle_connections(r):
    """200 connections that send nothing: 50 are kept (max-connections), the rest closed at once;
    the kept ones are closed by the idle deadline."""
    sockets = [connect(r.port) for _ in range(200)]
    try:
        closed = sum(1 for s in sockets if closed_by_server(s, within=GUARD_S))
        expect(closed == 200, f"{closed} of 200 idle connections were closed")
    finally:
        for s in sockets:
            s.close()


def slow_senders(r):
    """20 senders trickling one byte every 100 ms: each frame's deadline runs from its first byte,
    not renewed by the trickle, so every one is closed."""
    closed = []

    def one():
        with connect(r.port) as s:
            s.sendall(b"<13>1 - host app - - - ")
            s.settimeout(0.1)
            deadline = time.monotonic() + GUARD_S
            while time.monotonic() < deadline:
                if not send_quietly(s, b"s"):
                    break
                try:
                    if not s.recv(1):
                        break
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    break
            closed.append(time.monotonic() < deadline)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(GUARD_S + 10)
    expect(len(closed) == 20 and all(closed), f"{closed.count(True)} of 20 slow senders were closed")


def resets_mid_frame(r):
    for i in range(100):
        s = connect(r.port)
        s.sendall(b"%d <13>1 - host app - - - " % (1000 + i) + b"r" * (i * 7))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("program")
    args = parser.parse_args()
    results = []
    with tempfile.NamedTemporaryFile(prefix="syslog-hostile-", suffix=".jsonl") as out:
        receiver = Receiver(args, out)
        try:
            receiver.normal_message()
            oversized_frame(receiver)  # warm-up: the first large reads grow the heap once
            run_attack(receiver, "oversized_8MiB_frame_is_skipped", 16 * MIB, oversized_frame, results)
            run_attack(receiver, "octet_count_promising_more_is_cut", 8 * MIB, count_promises_more, results)
            run_attack(receiver, "octet_count_promising_less_resyncs", 8 * MIB, count_promises_less, results)
            run_attack(receiver, "20MB_line_without_newline", 16 * MIB, endless_line, results)
            run_attack(receiver, "200_idle_connections_bounded_and_closed", 16 * MIB, many_idle_connections, results)
            run_attack(receiver, "20_slow_senders_are_closed", 8 * MIB, slow_senders, results)
            run_attack(receiver, "100_resets_mid_frame", 8 * MIB, resets_mid_frame, results)
            results.append(receiver.server.alive())
            refused = [line for line in receiver.server.stderr_lines if "connection refused" in line]
            print(f"     'connection refused' lines: {len(refused)} (rate-limited)", flush=True)
            if len(refused) > 3:
                results.append(False)
                print(f"FAIL refusals_are_rate_limited: {len(refused)} lines", flush=True)
        finally:
            receiver.server.stop()
    print(f"{results.count(True)} passed, {results.count(False)} failed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
