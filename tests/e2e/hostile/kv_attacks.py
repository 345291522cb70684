#!/usr/bin/env python3
"""Hostile clients against kv: every attack gets its documented answer (an error reply or a closed
connection, see docs/kv.md "Limits"), the server answers a normal client right after, and its RSS
after each attack stays within the bound stated next to the attack.

usage: kv_attacks.py --profile P [--wasio-run PATH] -- PROGRAM [ARGS...]

PROGRAM ending in .wasm runs under `wasio-run --tcplisten 127.0.0.1:0 --profile P`; anything else is
the natively linked kv with WASIO_TCPLISTEN and WASIO_PROFILE. The server runs with its defaults;
attacks that need a smaller limit set it with CONFIG SET and put the default back. RSS is read from
/proc (wasio-run's for a .wasm: it holds the guest's linear memory, which never shrinks, so each bound
is on the growth during one attack). Timeouts only guard against hangs; nothing is timed.
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server  # noqa: E402

CLIENT_TIMEOUT_S = 120
MIB = 1 << 20
DEFAULT_OUTPUT_LIMIT = "normal 64mb 16mb 60"  # kv's default (server_config.hpp)


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        data = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def read_reply(f):
    """One RESP2 reply as bytes (nested arrays included)."""
    line = f.readline()
    if not line:
        raise EOFError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-", b":"):
        return line
    if kind == b"$":
        n = int(rest)
        return line if n < 0 else line + f.read(n + 2)
    if kind == b"*":
        return line + b"".join(read_reply(f) for _ in range(max(int(rest), 0)))
    raise ValueError(f"bad reply line {line!r}")


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S)
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        self.sock.sendall(encode(list(args)))
        return read_reply(self.file)

    def close(self):
        self.file.close()
        self.sock.close()


def info_field(port, section, name):
    c = Client(port)
    try:
        text = c.call("INFO", section).decode()
    finally:
        c.close()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise SystemExit(f"FAIL: INFO {section} has no {name}")


def read_to_end(sock, limit):
    """Bytes read until the peer closes (or resets); stops counting past `limit`."""
    total = 0
    buffer = bytearray(MIB)
    try:
        while total <= limit:
            n = sock.recv_into(buffer)
            if n == 0:
                break
            total += n
    except ConnectionResetError:
        pass
    return total


def closed_without_reply(sock):
    """True when the server closed the connection (EOF or reset) before sending anything."""
    return read_to_end(sock, 0) == 0


# Each attack: (name, RSS growth bound in bytes, function(port) -> list of failure strings).

def mget_amplification(count):
    def attack(port):
        # The request: one 1 MiB value named `count` times in one 38 KB MGET. The reply
        # (count MiB) is produced as the client reads it, never whole.
        c = Client(port)
        failures = []
        if c.call("SET", "big", b"v" * MIB) != b"+OK\r\n":
            failures.append("SET big failed")
        c.sock.sendall(encode(["MGET"] + ["big"] * count))
        expected = len(b"*%d\r\n" % count) + count * (len(b"$%d\r\n" % MIB) + MIB + 2)
        got = read_to_end_exact(c.sock, expected)
        if got != expected:
            failures.append(f"MGET x{count}: read {got} bytes of {expected}")
        if c.call("PING") != b"+PONG\r\n":
            failures.append("the same connection does not answer after the MGET")
        c.close()
        return failures
    return attack


def read_to_end_exact(sock, expected):
    total = 0
    buffer = bytearray(MIB)
    while total < expected:
        n = sock.recv_into(buffer, min(len(buffer), expected - total))
        if n == 0:
            break
        total += n
    return total


def mget_not_read(port):
    # The same request from a client that never reads: the server holds the high-water mark plus
    # one value for it, the kernel buffers push back, and closing frees it.
    c = Client(port)
    c.call("SET", "big", b"v" * MIB)
    c.sock.sendall(encode(["MGET"] + ["big"] * 4200))
    time.sleep(1)
    c.close()
    time.sleep(0.5)
    return []


def output_hard_limit(port):
    # Past the hard limit the client is closed without its reply, and counted.
    admin = Client(port)
    before = int(info_field(port, "stats", "client_output_buffer_limit_disconnections"))
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 0 0")
    failures = []
    c = Client(port)
    c.call("SET", "eight", b"e" * (8 * MIB))
    c.sock.sendall(encode(["GET", "eight"]))
    if not closed_without_reply(c.sock):
        failures.append("a reply past the hard limit was sent")
    c.close()
    admin.call("CONFIG", "SET", "client-output-buffer-limit", DEFAULT_OUTPUT_LIMIT)
    admin.call("DEL", "eight")
    admin.close()
    after = int(info_field(port, "stats", "client_output_buffer_limit_disconnections"))
    if after != before + 1:
        failures.append(f"client_output_buffer_limit_disconnections went {before} -> {after}, not +1")
    return failures


def output_soft_limit(port):
    # Over the soft limit for longer than its seconds, a client that does not read is closed: after
    # waiting well past the limit, less than the whole reply can still be read, then the end.
    admin = Client(port)
    before = int(info_field(port, "stats", "client_output_buffer_limit_disconnections"))
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 2mb 1")
    failures = []
    c = Client(port)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    c.call("SET", "eight", b"e" * (8 * MIB))
    c.sock.sendall(encode(["GET", "eight"]))
    reply = len(b"$%d\r\n" % (8 * MIB)) + 8 * MIB + 2
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if int(info_field(port, "stats", "client_output_buffer_limit_disconnections")) > before:
            break
    got = read_to_end(c.sock, reply)
    if got >= reply:
        failures.append("the whole reply arrived although the client held it past the soft limit")
    c.close()
    admin.call("CONFIG", "SET", "client-output-buffer-limit", DEFAULT_OUTPUT_LIMIT)
    admin.call("DEL", "eight")
    admin.close()
    after = int(info_field(port, "stats", "client_output_buffer_limit_disconnections"))
    if after != before + 1:
        failures.append(f"client_output_buffer_limit_disconnections went {before} -> {after}, not +1")
    return failures


def keys_past_hard_limit(port):
    # KEYS grows with the data set: one that would pass the hard limit is never built; the client
    # is closed and counted.
    admin = Client(port)
    args = ["MSET"]
    for i in range(20000):
        args += [f"key:{i:06d}", "x"]
    admin.call(*args)
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 64kb 0 0")
    c = Client(port)
    c.sock.sendall(encode(["KEYS", "*"]))
    failures = [] if closed_without_reply(c.sock) else ["KEYS past the hard limit was answered"]
    c.close()
    admin.call("CONFIG", "SET", "client-output-buffer-limit", DEFAULT_OUTPUT_LIMIT)
    if not admin.call("KEYS", "key:00000*").startswith(b"*10\r\n"):
        failures.append("KEYS under the default limit does not answer")
    admin.call("FLUSHALL")
    admin.close()
    return failures


def maxmemory_oom(port):
    # The second attack: SETs of 32 MiB values. With maxmemory 64mb the server answers
    # -OOM once the data set passes it, so 20 of them (640 MiB) leave it near 64 MiB.
    admin = Client(port)
    admin.call("CONFIG", "SET", "maxmemory", "64mb")
    c = Client(port)
    value = b"m" * (32 * MIB)
    replies = [c.call("SET", f"huge:{i}", value) for i in range(20)]
    oom = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    failures = []
    # The request being read counts too (client buffers are in used_memory, as in Redis): one or
    # two values fit, then every SET is refused.
    accepted = replies.count(b"+OK\r\n")
    if not 1 <= accepted <= 2 or replies[accepted:] != [oom] * (20 - accepted):
        failures.append(f"replies {sorted(set(replies))}: expected +OK once or twice, then only -OOM")
    if c.call("GET", "missing") != b"$-1\r\n" or c.call("DEL", "huge:0") != b":1\r\n":
        failures.append("reads and deletes must still run over maxmemory")
    used = int(info_field(port, "memory", "used_memory"))
    if used > 64 * MIB + 32 * MIB:
        failures.append(f"used_memory {used} past maxmemory plus one value")
    c.close()
    admin.call("FLUSHALL")
    admin.call("CONFIG", "SET", "maxmemory", "2gb")
    admin.close()
    return failures


def maxmemory_lru(port):
    # allkeys-lru: writes keep succeeding, old keys are evicted, the data set stays near maxmemory.
    admin = Client(port)
    admin.call("CONFIG", "SET", "maxmemory", "32mb", "maxmemory-policy", "allkeys-lru")
    evicted_before = int(info_field(port, "stats", "evicted_keys"))
    failures = []
    value = b"l" * MIB
    for i in range(200):
        if admin.call("SET", f"lru:{i}", value) != b"+OK\r\n":
            failures.append(f"SET lru:{i} refused under allkeys-lru")
            break
    keys = int(admin.call("DBSIZE")[1:-2])
    if not 0 < keys < 40:
        failures.append(f"DBSIZE {keys} after 200 MiB into 32 MiB")
    if int(info_field(port, "stats", "evicted_keys")) - evicted_before < 160:
        failures.append("evicted_keys did not count the evictions")
    if admin.call("GET", "lru:199") != b"$%d\r\n" % MIB + value + b"\r\n":
        failures.append("the last key written was evicted")
    admin.call("FLUSHALL")
    admin.call("CONFIG", "SET", "maxmemory", "2gb", "maxmemory-policy", "noeviction")
    admin.close()
    return failures


def request_limits(port):
    # Request-side bounds: each answered with Redis's protocol error, then a close.
    cases = [
        (b"*2\r\n$3\r\nGET\r\n$99999999999\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*2000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        # One byte past the 64 KiB line limit, exactly: the server has read everything when it
        # closes, so the close is a FIN after the reply, not a reset that could drop it.
        (b"x" * 65537, b"-ERR Protocol error: too big inline request\r\n"),
        (b"*1\r\n$" + b"1" * 65536, b"-ERR Protocol error: too big bulk count string\r\n"),
    ]
    failures = []
    for request, expected in cases:
        c = Client(port)
        c.sock.sendall(request)
        reply = c.file.readline()
        if reply != expected:
            failures.append(f"{request[:20]!r}...: got {reply!r}")
        elif c.file.read(1) != b"":
            failures.append(f"{request[:20]!r}...: connection left open")
        c.close()
    # A request past --max-request (64 MiB): three 30 MB arguments. Refused at the third's length,
    # before its bytes are sent.
    c = Client(port)
    c.sock.sendall(b"*4\r\n$3\r\nSET\r\n$30000000\r\n" + b"a" * 30000000 + b"\r\n$30000000\r\n" + b"b" * 30000000 +
                   b"\r\n$30000000\r\n")
    reply = c.file.readline()
    if reply != b"-ERR Protocol error: request too big\r\n":
        failures.append(f"a request past 64 MiB got {reply!r}")
    c.close()
    return failures


def pipeline_flood(port):
    # A client that pipelines without reading: past the output high-water mark the server stops
    # reading it, so what it holds stays bounded however much the client sends.
    c = Client(port)
    c.call("SET", "hundred", b"h" * (100 * 1024))
    c.sock.setblocking(False)
    batch = encode(["GET", "hundred"]) * 1000
    sent = 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and sent < 256 * MIB:
        try:
            sent += c.sock.send(batch)
        except BlockingIOError:
            time.sleep(0.05)
    c.sock.setblocking(True)
    c.close()
    time.sleep(0.5)
    return []


def partial_requests(port):
    # Twenty clients each start a 30 MiB argument and send 1 MiB of it: what they hold is what they
    # sent (nothing is reserved ahead of the bytes), freed when they go.
    clients = []
    for _ in range(20):
        c = Client(port)
        c.sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$30000000\r\n" + b"p" * MIB)
        clients.append(c)
    time.sleep(0.5)
    for c in clients:
        c.close()
    time.sleep(0.5)
    return []


def crowd_past_maxmemory_clients(port):
    # Many clients, each within its own limits, together past maxmemory-clients: the ones whose
    # buffers grow past it are closed and counted (evicted_clients), the total stays near the limit.
    admin = Client(port)
    admin.call("CONFIG", "SET", "maxmemory-clients", "48mb")
    admin.call("SET", "eight", b"e" * (8 * MIB))
    before = int(info_field(port, "stats", "evicted_clients"))
    crowd = []
    for _ in range(16):
        c = Client(port)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        c.sock.sendall(encode(["GET", "eight"]))
        crowd.append(c)
    time.sleep(1)
    evicted = int(info_field(port, "stats", "evicted_clients")) - before
    clients_memory = int(info_field(port, "memory", "mem_clients_normal"))
    failures = []
    if evicted < 4:
        failures.append(f"evicted_clients +{evicted}: 16 clients of ~8 MiB each fit 48mb")
    if clients_memory > 48 * MIB + 16 * MIB:
        failures.append(f"mem_clients_normal {clients_memory} past maxmemory-clients")
    for c in crowd:
        c.close()
    admin.call("CONFIG", "SET", "maxmemory-clients", "1gb")
    admin.call("DEL", "eight")
    admin.close()
    return failures


ATTACKS = [
    ("MGET of a 1 MiB value x1000, read", 48 * MIB, mget_amplification(1000)),
    ("MGET of a 1 MiB value x4200, read", 48 * MIB, mget_amplification(4200)),
    ("MGET of a 1 MiB value x4200, not read", 48 * MIB, mget_not_read),
    ("output past the hard limit", 64 * MIB, output_hard_limit),
    ("output held past the soft limit", 64 * MIB, output_soft_limit),
    ("KEYS past the hard limit", 64 * MIB, keys_past_hard_limit),
    ("request limits", 160 * MIB, request_limits),
    ("pipelined flood, never read", 48 * MIB, pipeline_flood),
    ("20 clients with half-sent 30 MiB values", 96 * MIB, partial_requests),
    ("16 clients holding 8 MiB replies past maxmemory-clients 48mb", 96 * MIB, crowd_past_maxmemory_clients),
    ("20 SETs of 32 MiB under maxmemory 64mb", 256 * MIB, maxmemory_oom),
    ("200 MiB of SETs under maxmemory 32mb allkeys-lru", 160 * MIB, maxmemory_lru),
]


def normal_client_served(port):
    c = Client(port)
    try:
        ok = (c.call("SET", "normal", "client") == b"+OK\r\n" and c.call("GET", "normal") == b"$6\r\nclient\r\n"
              and c.call("DEL", "normal") == b":1\r\n")
    finally:
        c.close()
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()

    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=r"kv: serving")
    ok = True
    try:
        if not normal_client_served(server.port):
            raise SystemExit("FAIL: a normal client is not served before any attack")
        for name, bound, attack in ATTACKS:
            before = server.rss_bytes()
            failures = attack(server.port)
            after = server.rss_bytes()
            if not server.alive():
                print(f"FAIL: {name}: the server exited with {server.returncode}", file=sys.stderr)
                ok = False
                break
            if not normal_client_served(server.port):
                failures.append("a normal client was not served right after")
            growth = after - before
            if growth > bound:
                failures.append(f"RSS grew {growth / MIB:.1f} MiB, bound {bound / MIB:.0f} MiB")
            status = "FAIL" if failures else "ok"
            print(f"{status}: {name}: RSS {before / MIB:.1f} -> {after / MIB:.1f} MiB (bound +{bound / MIB:.0f} MiB)"
                  + "".join(f"\n  {f}" for f in failures))
            ok = ok and not failures
    finally:
        server.stop()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
