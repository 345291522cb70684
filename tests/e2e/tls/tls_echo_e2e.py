#!/usr/bin/env python3
"""End-to-end echo load over host-terminated TLS: many concurrent Python ssl clients (one thread,
non-blocking sockets, ssl.SSLObject over memory buffers) against an echo server behind --tlslisten,
every byte checked. As tests/e2e/echo_load.cpp does over plain TCP: each client sends a random
payload while reading the echo; plain clients close after the whole echo (close_notify); half-close
clients send close_notify and shut their TCP sending side after the payload, then expect every byte
back followed by the server's close_notify; reset clients abort with SO_LINGER 0, half mid-echo,
half right after their first bytes (often mid-handshake). Then one more client proves the server
still serves.

usage: tls_echo_e2e.py --profile P [--wasio-run PATH] [--guest-tls] [--key ec|rsa] [--clients N] [--max-size B]
                       [--half-closes N] [--resets N] [--seed S] -- PROGRAM

--guest-tls: the echo does TLS itself (in-guest TLS, BearSSL), given --tls-cert/--tls-key in a
pre-opened /certs; the same clients, the same checks (the half-close clients' bytes are all echoed
before the server reads their close_notify, which it then answers with its own).

Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import os
import random
import re
import selectors
import socket
import ssl
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server  # noqa: E402
from tls_http_e2e import make_certificate  # noqa: E402

GUARD_S = 300
CHUNK = 16384


class Client:
    def __init__(self, port, context, payload, how, reset_early=False):
        self.payload = payload
        self.how = how  # "close", "half_close" or "reset"
        self.reset_early = reset_early
        self.sock = socket.socket()
        self.sock.setblocking(False)
        self.sock.connect_ex(("127.0.0.1", port))
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")
        self.handshaken = False
        self.sent = 0
        self.echoed = bytearray()
        self.pending = b""       # ciphertext not yet taken by the socket
        self.closing = False     # our close_notify is queued
        self.tcp_shut = False
        self.clean_end = False   # the server's close_notify arrived
        self.done = False
        self.failure = None

    def fail(self, why):
        self.failure = why
        self.finish()

    def finish(self):
        if not self.done:
            self.done = True
            self.sock.close()

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.finish()

    def wants_write(self):
        return bool(self.pending) or bool(self.outgoing.pending)

    def step(self, readable):
        """Moves this client as far as it can go without blocking."""
        if self.done:
            return
        try:
            if readable:
                try:
                    data = self.sock.recv(262144)
                except BlockingIOError:
                    data = None
                except ConnectionResetError:
                    return self.fail("reset by the server")
                if data == b"":
                    self.incoming.write_eof()
                elif data:
                    self.incoming.write(data)
            if not self.handshaken:
                try:
                    self.tls.do_handshake()
                    self.handshaken = True
                except ssl.SSLWantReadError:
                    pass
            if self.handshaken:
                self.read_plaintext()
                if self.done:
                    return
                self.write_plaintext()
            self.flush()
        except ssl.SSLError as error:
            self.fail(f"TLS error: {error}")
        except OSError as error:
            if self.how != "reset":
                self.fail(f"socket error: {error}")

    def read_plaintext(self):
        while True:
            try:
                data = self.tls.read(262144)
            except ssl.SSLWantReadError:
                return
            except ssl.SSLZeroReturnError:
                self.clean_end = True
                return self.end_of_stream()
            except ssl.SSLEOFError:
                return self.end_of_stream()
            if not data:
                return self.end_of_stream()
            self.echoed += data
            if self.how == "reset" and not self.reset_early and self.echoed:
                return self.reset()  # mid-echo
            if self.how == "close" and len(self.echoed) >= len(self.payload):
                if bytes(self.echoed) != self.payload:
                    return self.fail(f"echo differs: {len(self.echoed)} bytes back for {len(self.payload)}")
                try:
                    self.tls.unwrap()
                except ssl.SSLWantReadError:
                    pass
                self.flush()
                return self.finish()

    def end_of_stream(self):
        if self.how == "half_close":
            if bytes(self.echoed) != self.payload:
                return self.fail(f"echo differs: {len(self.echoed)} of {len(self.payload)} bytes")
            if not self.clean_end:
                return self.fail("the echo ended without close_notify")
            return self.finish()
        return self.fail(f"the server ended the stream after {len(self.echoed)} of {len(self.payload)} bytes")

    def write_plaintext(self):
        # Bounded: at most 256 KiB of ciphertext waits on our side, so neither side deadlocks.
        while self.sent < len(self.payload) and len(self.pending) + self.outgoing.pending < 262144:
            self.sent += self.tls.write(self.payload[self.sent:self.sent + CHUNK])
            if self.how == "reset" and self.reset_early:
                self.flush()
                return self.reset()
        if self.sent == len(self.payload) and self.how == "half_close" and not self.closing:
            self.closing = True
            try:
                self.tls.unwrap()  # queues our close_notify; reading goes on
            except ssl.SSLWantReadError:
                pass

    def flush(self):
        if self.done:
            return
        self.pending += self.outgoing.read()
        while self.pending:
            try:
                n = self.sock.send(self.pending)
            except BlockingIOError:
                return
            self.pending = self.pending[n:]
        if self.closing and not self.tcp_shut:
            self.tcp_shut = True
            self.sock.shutdown(socket.SHUT_WR)


def run_load(port, context, rng, clients, min_size, max_size, half_closes, resets):
    hows = ["half_close"] * half_closes + ["reset"] * resets
    hows += ["close"] * (clients - len(hows))
    rng.shuffle(hows)
    selector = selectors.DefaultSelector()
    active = []
    for i, how in enumerate(hows):
        payload = rng.randbytes(rng.randint(min_size, max_size))
        client = Client(port, context, payload, how, reset_early=(how == "reset" and i % 2 == 0))
        selector.register(client.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)
        active.append(client)
    deadline = time.monotonic() + GUARD_S
    registered = set(active)
    while registered and time.monotonic() < deadline:
        for key, events in selector.select(timeout=1):
            client = key.data
            client.step(bool(events & selectors.EVENT_READ))
        for client in list(registered):
            if client.done:
                registered.discard(client)
                try:
                    selector.unregister(client.sock)
                except (KeyError, ValueError):
                    pass
            else:
                interest = selectors.EVENT_READ | (selectors.EVENT_WRITE if client.wants_write() or not client.handshaken else 0)
                selector.modify(client.sock, interest, client)
    failures = 0
    for client in active:
        if not client.done:
            client.failure = "still running at the guard deadline"
        if client.how != "reset" and client.failure:
            failures += 1
            print(f"FAIL: {client.how} client ({len(client.payload)} bytes): {client.failure}", file=sys.stderr)
    print(f"tls echo load: {clients} clients ({half_closes} half-close, {resets} reset), {failures} failed",
          flush=True)
    return failures == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run", help="the wasio-run program (needed for .wasm)")
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--min-size", type=int, default=1)
    parser.add_argument("--max-size", type=int, default=1048576)
    parser.add_argument("--half-closes", type=int, default=15)
    parser.add_argument("--resets", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--guest-tls", action="store_true", help="the guest does TLS itself (in-guest TLS)")
    parser.add_argument("--key", choices=["ec", "rsa"], default="ec", help="the certificate's key type")
    parser.add_argument("program", help="the echo server (after --)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wasio-tls-echo-") as folder:
        cert, key = make_certificate(folder, args.key)
        context = ssl.create_default_context(cafile=cert)
        where = {"guest_tls": (cert, key)} if args.guest_tls else {"tls": (cert, key)}
        server = start_wasio_server([args.program], args.profile, args.wasio_run, ready=re.compile("echo: serving"),
                                    quiet=True, **where)
        try:
            rng = random.Random(args.seed)
            ok = run_load(server.port, context, rng, args.clients, args.min_size, args.max_size, args.half_closes,
                          args.resets)
            ok = run_load(server.port, context, rng, 1, 1, 100_000, 1, 0) and ok  # still serving
            alive = server.alive()
            if not alive:
                print(f"FAIL: server exited with {server.returncode}", file=sys.stderr)
            for line in server.stderr_lines[-1:]:
                print(f"last server line: {line.strip()}")
        finally:
            server.stop()
    print("PASS" if ok and alive else "FAIL")
    return 0 if ok and alive else 1


if __name__ == "__main__":
    sys.exit(main())
