#!/usr/bin/env python3
"""Hostile clients against the HTTP example: every attack of issue 10 and more. After each attack
the server must still run, answer a normal client (GET / -> 200), and keep its resident memory
within the bound the check states (measured from /proc before and after, rss_of_group).

usage: http_hostile.py --profile P [--wasio-run PATH] [--only NAME]... -- PROGRAM

PROGRAM ending in .wasm runs under wasio-run; anything else natively (tests/support/wasio_server.py).
Three servers run, one after the other: the main one (timeouts of 1-2 s, 64 MiB bodies, 300
connections), one with 100 connections and a long idle timeout (idle memory, a burst of 1,000), one
with 2 (bursts of 50, slowloris lock-out); and a configuration that must be refused at start.
Timeouts here only guard against hangs; nothing is asserted about speed. Memory bounds are
generous (tens of MiB) against what the old behaviour took (hundreds of MiB, or a trap).
"""

import argparse
import hashlib
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server, wasio_command  # noqa: E402

READY = re.compile(r"http: serving")
GUARD_S = 60            # no single exchange may hang longer than this
MIB = 1 << 20

HEAD_TIMEOUT_MS = 1000
IDLE_TIMEOUT_MS = 1500
BODY_TIMEOUT_MS = 2000
SEND_TIMEOUT_MS = 2000
MAX_BODY = 64 * MIB
MAIN_ARGS = [f"--head-timeout-ms={HEAD_TIMEOUT_MS}", f"--idle-timeout-ms={IDLE_TIMEOUT_MS}",
             f"--body-timeout-ms={BODY_TIMEOUT_MS}", f"--send-timeout-ms={SEND_TIMEOUT_MS}",
             f"--max-body-bytes={MAX_BODY}", "--max-connections=300"]
# The accounting and idle-memory servers keep connections for as long as the test holds them.
LONG_IDLE_ARGS = MAIN_ARGS[:1] + ["--idle-timeout-ms=120000"] + MAIN_ARGS[2:5]


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


class Checks:
    def __init__(self, only):
        self.passed = 0
        self.failed = 0
        self.only = set(only)

    def run(self, name, function, *args):
        if self.only and name not in self.only:
            return
        started = time.monotonic()
        try:
            function(*args)
        except Exception as error:  # a failed check reports and the others still run
            self.failed += 1
            print(f"FAIL {name}: {error!r}", flush=True)
            return
        self.passed += 1
        print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)


# --- raw HTTP -----------------------------------------------------------------------------------

def connect(port, timeout=GUARD_S):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_response(s, buffered):
    """(status, headers, body) of the next response on s (Content-Length or chunked bodies), or None
    when the stream ends first. Raises on a response cut short."""
    while b"\r\n\r\n" not in buffered:
        chunk = s.recv(65536)
        if not chunk:
            if buffered:
                raise AssertionError(f"stream ended inside a head: {bytes(buffered[:100])!r}")
            return None
        buffered += chunk
    end = buffered.index(b"\r\n\r\n")
    lines = bytes(buffered[:end]).decode("latin-1").split("\r\n")
    del buffered[:end + 4]
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()

    def need(n):
        while len(buffered) < n:
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("stream ended inside a body")
            buffered.extend(chunk)

    if headers.get("transfer-encoding") == "chunked":
        body = bytearray()
        while True:
            while b"\r\n" not in buffered:
                need(len(buffered) + 1)
            line_end = buffered.index(b"\r\n")
            size = int(bytes(buffered[:line_end]).split(b";")[0], 16)
            del buffered[:line_end + 2]
            need(size + 2)
            body += buffered[:size]
            del buffered[:size + 2]
            if size == 0:
                break
        return status, headers, bytes(body)
    length = int(headers.get("content-length", "0"))
    need(length)
    body = bytes(buffered[:length])
    del buffered[:length]
    return status, headers, body


def closed_by_server(s, buffered=None):
    """True once the server closes (or resets) s; reads and drops anything before that."""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        if not chunk:
            return True
        if buffered is not None:
            buffered += chunk


def send_quietly(s, data):
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False  # the server answered and closed before taking everything: expected here


def answer(port, request):
    """(status, headers, body, closed) for one raw request on a fresh connection."""
    with connect(port) as s:
        send_quietly(s, request)
        buffered = bytearray()
        response = read_response(s, buffered)
        expect(response is not None, f"no response to {request[:60]!r}")
        closed = closed_by_server(s) if response[1].get("connection") == "close" else False
        return response + (closed,)


def expect_error(port, request, status):
    got, headers, body, closed = answer(port, request)
    expect(got == status, f"{request[:70]!r}: status {got}, expected {status} ({body[:80]!r})")
    expect(headers.get("connection") == "close" and closed, f"{request[:70]!r}: {status} without a close")
    return body


def normal_client(port):
    status, _, body, _ = answer(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    expect(status == 200 and body == b"Hello, World!", f"a normal client got {status} {body[:40]!r}")


def stats(port):
    status, _, body, _ = answer(port, b"GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    expect(status == 200, f"/stats answered {status}")
    return json.loads(body)


class Attack:
    """Runs one attack and then the checks every attack ends with: the server is alive, a normal
    client is served, and RSS grew by at most `rss_bound` bytes over the RSS before the attack."""

    def __init__(self, server, rss_bound):
        self.server = server
        self.rss_bound = rss_bound

    def __call__(self, attack, *args):
        before = self.server.rss_bytes()
        attack(self.server.port, *args)
        expect(self.server.alive(), f"the server exited ({self.server.returncode})")
        wait_until_free(self.server.port)  # 503 only while the attack's own connections are being closed
        after = self.server.rss_bytes()
        print(f"     RSS {before / MIB:.1f} -> {after / MIB:.1f} MiB (bound +{self.rss_bound / MIB:.0f})", flush=True)
        expect(after - before <= self.rss_bound,
               f"RSS grew from {before / MIB:.1f} MiB to {after / MIB:.1f} MiB (bound +{self.rss_bound / MIB:.0f} MiB)")


# --- attacks from the issue -----------------------------------------------------------------------

def two_large_echoes(port, size=48 * MIB):
    """Two concurrent POST /echo of `size` bytes: streamed back, never held (it used to hold the body,
    copy it into the response, and trap the guest at 1 GiB each)."""
    results = [None, None]

    def one(index):
        block = hashlib.sha256(str(index).encode()).digest() * 2048  # 64 KiB of a pattern per client
        with connect(port) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % size)
            received = hashlib.sha256()
            got = [0]
            head = bytearray()

            def reader():
                while b"\r\n\r\n" not in head:
                    chunk = s.recv(65536)
                    if not chunk:
                        return
                    head.extend(chunk)
                end = head.index(b"\r\n\r\n")
                rest = bytes(head[end + 4:])
                received.update(rest)
                got[0] += len(rest)
                while got[0] < size:
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        return
                    received.update(chunk)
                    got[0] += len(chunk)

            t = threading.Thread(target=reader, daemon=True)
            t.start()
            sent = hashlib.sha256()
            for _ in range(size // len(block)):
                s.sendall(block)
                sent.update(block)
            t.join(GUARD_S * 2)
            status_line = bytes(head[:20])
            results[index] = (status_line.startswith(b"HTTP/1.1 200"), got[0], received.digest() == sent.digest())

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(GUARD_S * 3)
    for index, result in enumerate(results):
        expect(result is not None, f"echo {index} did not finish")
        ok, got, same = result
        expect(ok and got == size and same, f"echo {index}: 200={ok}, {got} of {size} bytes, identical={same}")


def smuggling(port):
    body = expect_error(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"5\r\nhelloXX5\r\nworld\r\n0\r\n\r\n", 400)
    expect(b"hello" not in body, "the smuggled body was echoed")


def leniency(port):
    """Requests llhttp 8.1 accepted and RFC 9112 refuses; and valid chunk extensions it must accept."""
    for request, status in [
        (b"GET / HTTP/1.1\r\n\r\n", 400),                                           # no Host
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),                     # two Hosts
        (b"GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n", 400),                 # space in a name
        (b"GET / HTTP/1.1\r\nHost: t\r\n: x\r\n\r\n", 400),                         # empty name
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        (b"GET / HTTP/0.9\r\nHost: t\r\n\r\n", 400),
        (b"GET / RTSP/1.0\r\nHost: t\r\n\r\n", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n 5\r\n\r\nhello", 400),          # obs-fold
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),  # TE on 1.0
    ]:
        expect_error(port, request, status)
    for extension in [b"5;a=b", b'5;a="b c"', b"5;a"]:
        status, _, body, _ = answer(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                                          b"Connection: close\r\n\r\n" + extension + b"\r\nhello\r\n0\r\n\r\n")
        expect(status == 200 and body == b"hello", f"chunk extension {extension!r}: {status} {body!r}")


def flood(port, prefix, filler, status, total=50 * MIB):
    """Sends `prefix`, then `filler` repeated up to `total` bytes while the server may answer; the
    server must answer `status` and close long before `total` bytes were taken."""
    with connect(port) as s:
        s.sendall(prefix)
        block = filler * max(1, 65536 // len(filler))
        sent = 0
        s.settimeout(GUARD_S)
        while sent < total and send_quietly(s, block):
            sent += len(block)
        expect(sent < total, f"the server took all {total} bytes of {filler[:10]!r}... without answering")
        buffered = bytearray()
        try:
            response = read_response(s, buffered)
        except ConnectionResetError:
            response = None  # the reset of unread bytes can destroy the answer; the close is what counts
        if response is not None:
            expect(response[0] == status, f"status {response[0]}, expected {status}")


def unbounded_parts(port):
    chunked = b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    flood(port, chunked + b"5\r\nhello\r\n0\r\n", b"X-Trailer: 0123456789abcdef\r\n", 431)   # trailers
    flood(port, chunked + b"5;ext=", b"e" * 64, 400)                                          # a chunk extension
    flood(port, chunked, b"0" * 64, 400)                                                      # leading zeros
    flood(port, b"", b"\r\n" * 32, 400)                                                       # CRLFs before a request


def slow_body(port):
    """A body one byte at a time (and CRLFs before a request line): one deadline for the whole phase,
    not renewed by each byte, so the connection ends (408, or 400 past the empty-line bound)."""
    def trickle(prefix, byte, statuses):
        with connect(port) as s:
            s.sendall(prefix)
            deadline = time.monotonic() + GUARD_S
            s.settimeout(0.1)
            buffered = bytearray()
            while time.monotonic() < deadline:
                if not send_quietly(s, byte):
                    break
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                buffered += chunk
                if b"\r\n\r\n" in buffered:
                    break
            expect(time.monotonic() < deadline, f"{prefix[:30]!r}: still open after {GUARD_S} s of trickling")
            s.settimeout(GUARD_S)
            response = read_response(s, buffered) if buffered else None
            if response is not None:
                expect(response[0] in statuses, f"{prefix[:30]!r}: status {response[0]}")

    threads = [
        threading.Thread(target=trickle, args=(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n",
                                               b"x", (408,))),
        threading.Thread(target=trickle, args=(b"", b"\r\n", (400, 408))),
        threading.Thread(target=trickle, args=(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               b"5\r\nhello\r\n0\r\n", b"X", (408, 431))),  # trickled trailers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(GUARD_S + 10)


def many_slowloris(port):
    """20 trickling clients at once: each is closed by its deadline while normal clients are served."""
    finished = []

    def one():
        with connect(port) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
            s.settimeout(0.2)
            deadline = time.monotonic() + GUARD_S
            while time.monotonic() < deadline:
                if not send_quietly(s, b"y"):
                    break
                try:
                    if not s.recv(65536):
                        break
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    break
            finished.append(time.monotonic() < deadline)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(20)]
    for t in threads:
        t.start()
    normal_client(port)  # served while the 20 hold their connections
    for t in threads:
        t.join(GUARD_S + 10)
    expect(len(finished) == 20 and all(finished), f"{finished.count(True)} of 20 slow clients were closed")


def idle_memory(port, count=100):
    """200 sequential 1 MiB echoes, two on each of `count` keep-alive connections that all stay open:
    an idle connection keeps no buffer (each used to keep its largest: 200 echoes held 210 MB)."""
    body = os.urandom(MIB)
    kept = [connect(port) for _ in range(count)]
    try:
        for _ in range(2):
            for s in kept:
                s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                response = read_response(s, bytearray())
                expect(response is not None and response[0] == 200 and response[2] == body, "an echo failed")
    finally:
        for s in kept:
            s.close()


def pipelined_without_reading(port, count=20000):
    """20,000 pipelined requests sent without reading a response: the server stops reading once its
    output is full (backpressure), so memory stays bounded; then every response arrives in order."""
    request = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    with connect(port) as s:
        sender = threading.Thread(target=lambda: send_quietly(s, request * count), daemon=True)
        sender.start()
        time.sleep(0.5)  # let the server fill its output and the socket buffers: it must stop, not grow
        buffered = bytearray()
        for i in range(count):
            response = read_response(s, buffered)
            expect(response is not None and response[0] == 200, f"response {i} of {count} missing")
        sender.join(GUARD_S)


def header_and_url_floods(port):
    expect_error(port, b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X: y\r\n" * 20000 + b"\r\n", 431)  # header count
    expect_error(port, b"GET /" + b"u" * 100000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 431)         # long URL
    expect_error(port, b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"v" * 100000 + b"\r\n\r\n", 431)


def resets_and_half_open(port):
    """Clients that reset mid-request, half-close after part of a request, or connect and say nothing."""
    for i in range(100):
        s = connect(port)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"z" * (i * 500))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        s.close()
    for _ in range(50):
        s = connect(port)
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Part")
        s.shutdown(socket.SHUT_WR)
        expect(closed_by_server(s), "a half-closed partial request was not closed")
        s.close()
    silent = [connect(port) for _ in range(60)]
    for s in silent:
        expect(closed_by_server(s), "a silent connection was not closed by the idle deadline")
        s.close()


def reads_nothing_back(port):
    """A client that sends a large echo but never reads: the server stops (send deadline) instead of
    buffering the echo, and closes."""
    with connect(port) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (32 * MIB))
        block = b"w" * 65536
        sent = 0
        s.settimeout(GUARD_S)
        while sent < 32 * MIB and send_quietly(s, block):
            sent += len(block)
        expect(sent < 32 * MIB, "the server took a 32 MiB echo body from a client that read nothing")


# --- connection accounting -------------------------------------------------------------------------

def burst(port, clients, hold_s=1.0):
    """`clients` connect at once and each sends GET / and reads its answer while holding the connection;
    returns (statuses, closed without a response)."""
    statuses = []
    silent = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    sockets = []

    def one():
        try:
            barrier.wait(GUARD_S)
            s = socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)
        except (OSError, threading.BrokenBarrierError):
            with lock:
                silent[0] += 1
            return
        with lock:
            sockets.append(s)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            response = read_response(s, bytearray())
        except (OSError, AssertionError):
            response = None
        with lock:
            if response is None:
                silent[0] += 1
            else:
                statuses.append(response[0])

    threads = [threading.Thread(target=one, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(GUARD_S * 2)
    time.sleep(hold_s)
    for s in sockets:
        s.close()
    return statuses, silent[0]


def wait_until_free(port, deadline_s=GUARD_S):
    deadline = time.monotonic() + deadline_s
    while True:
        status, _, _, _ = answer(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        if status == 200:
            return
        expect(time.monotonic() < deadline, "no slot came free after the burst")
        time.sleep(0.05)


def exact_accounting(server, limit, clients, trials):
    """Bursts of `clients` against max-connections=`limit`: never more than `limit` served at once
    (every served client holds its connection), never more than 64 refusals in progress (/stats)."""
    port = server.port
    for trial in range(trials):
        statuses, silent = burst(port, clients)
        served = statuses.count(200)
        expect(served <= limit, f"trial {trial}: {served} clients served at once with max-connections={limit}")
        expect(all(s in (200, 503) for s in statuses), f"trial {trial}: statuses {sorted(set(statuses))}")
        expect(served + statuses.count(503) + silent == clients, f"trial {trial}: clients lost")
        wait_until_free(port)
    counters = stats(port)
    expect(counters["connections"]["peak"] <= limit, f"/stats: peak {counters['connections']['peak']} > {limit}")
    expect(counters["refusals"]["peak"] <= 64, f"/stats: {counters['refusals']['peak']} refusals at once > 64")
    print(f"     max-connections={limit}, {trials} bursts of {clients}: peak {counters['connections']['peak']}, "
          f"refusals peak {counters['refusals']['peak']}, silent {counters['refusals']['silent']}", flush=True)


def slowloris_lockout(server):
    """Two trickling clients take both slots of max-connections=2: others get 503 meanwhile, and
    are served once the two are closed by the body deadline (they used to hold the slots forever)."""
    port = server.port
    wait_until_free(port)
    holders = []
    for _ in range(2):
        s = connect(port)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\nx")
        holders.append(s)
    # Both slots are held now (counted at accept): a third client is refused.
    status, _, _, _ = answer(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    expect(status == 503, f"a third client got {status} while two slow clients held both slots")
    stop = threading.Event()

    def keep_trickling(s):
        while not stop.is_set() and send_quietly(s, b"x"):
            time.sleep(0.1)

    threads = [threading.Thread(target=keep_trickling, args=(s,), daemon=True) for s in holders]
    for t in threads:
        t.start()
    try:
        wait_until_free(port)
    finally:
        stop.set()
        for s in holders:
            s.close()


def refused_configuration(args):
    command, env = wasio_command([args.program, "--max-connections=100000"], args.profile, args.wasio_run)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    expect(result.returncode == 2, f"exit status {result.returncode}, expected 2 (a usage error)")
    expect("needs up to" in result.stderr and "connections fit" in result.stderr,
           f"no clear message: {result.stderr[-300:]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run", help="the wasio-run program (needed for .wasm)")
    parser.add_argument("--only", action="append", default=[], help="run only this check (repeatable)")
    parser.add_argument("program", help="the server under test (after --)")
    args = parser.parse_args()
    # 1,000 clients at once need descriptors on both sides (the server inherits the raised limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192, hard))

    checks = Checks(args.only)
    checks.run("refuses_a_configuration_it_cannot_hold", refused_configuration, args)

    server = start_wasio_server([args.program] + MAIN_ARGS, args.profile, args.wasio_run, ready=READY)
    try:
        normal_client(server.port)
        for _ in range(3):  # warm up: the first large echoes grow the heap once, later ones reuse it
            two_large_echoes(server.port, 4 * MIB)
        checks.run("two_concurrent_48MiB_echoes_stream", Attack(server, 32 * MIB), two_large_echoes)
        checks.run("chunk_crlf_smuggling_is_400", Attack(server, 8 * MIB), smuggling)
        checks.run("rfc9112_leniency_is_refused", Attack(server, 8 * MIB), leniency)
        checks.run("50MB_trailers_extensions_zeros_crlfs_are_cut", Attack(server, 16 * MIB), unbounded_parts)
        checks.run("slow_body_and_crlf_trickle_end_at_their_deadline", Attack(server, 8 * MIB), slow_body)
        checks.run("20_slowloris_clients_are_closed", Attack(server, 8 * MIB), many_slowloris)
        checks.run("20000_pipelined_requests_unread", Attack(server, 16 * MIB), pipelined_without_reading)
        checks.run("header_count_url_and_value_floods_are_431", Attack(server, 8 * MIB), header_and_url_floods)
        checks.run("resets_half_open_and_silent_connections", Attack(server, 16 * MIB), resets_and_half_open)
        checks.run("a_client_that_never_reads_its_echo", Attack(server, 16 * MIB), reads_nothing_back)
        checks.run("server_alive", lambda: expect(server.alive(), "the server exited during the attacks"))
    finally:
        server.stop()

    accounting = start_wasio_server([args.program] + LONG_IDLE_ARGS + ["--max-connections=100"], args.profile,
                                    args.wasio_run, ready=READY)
    try:
        normal_client(accounting.port)
        two_large_echoes(accounting.port, 2 * MIB)  # warm-up, as above
        checks.run("200_sequential_1MiB_echoes_on_open_connections", Attack(accounting, 40 * MIB), idle_memory)
        checks.run("burst_of_1000_against_100_connections", exact_accounting, accounting, 100, 1000, 1)
        checks.run("accounting_server_alive", lambda: expect(accounting.alive(), "the server exited"))
    finally:
        accounting.stop()

    small = start_wasio_server([args.program] + LONG_IDLE_ARGS + ["--max-connections=2"], args.profile,
                               args.wasio_run, ready=READY)
    try:
        checks.run("3_bursts_of_50_against_2_connections", exact_accounting, small, 2, 50, 3)
        checks.run("slowloris_cannot_lock_out_the_2_slots", slowloris_lockout, small)
        checks.run("small_server_alive", lambda: expect(small.alive(), "the server exited during the attacks"))
    finally:
        small.stop()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 and checks.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
