#!/usr/bin/env python3
"""End-to-end check of the kv server: the replies real Redis gives, redis-benchmark without errors,
limits, active expiry.

usage: kv_e2e.py --profile P [--wasio-run PATH] [--requests N] -- PROGRAM [ARGS...]

PROGRAM ending in .wasm runs under `wasio-run --tcplisten 127.0.0.1:0 --profile P`; anything else is a
natively linked guest run with WASIO_TCPLISTEN=127.0.0.1:0 and WASIO_PROFILE=P. When redis-server is
installed, the same transcript is sent to one started on an ephemeral loopback port, and the replies
must match byte for byte. Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_redis_server, start_wasio_server, stop_process_group  # noqa: E402

CLIENT_TIMEOUT_S = 300

# Requests whose replies do not depend on time or hash order. KEYS replies are compared as sets.
TRANSCRIPT = [
    ["FLUSHALL"],
    ["PING"], ["PING", "hello"], ["ECHO", "a b"],
    ["SET", "user:1", "alice"], ["SET", "user:2", "bob", "EX", "100"], ["GET", "user:1"], ["GET", "nope"],
    ["SET", "user:1", "x", "NX"], ["SET", "ghost", "x", "XX"], ["SET", "user:1", "carol", "XX", "GET"],
    ["SET", "k", "v", "EX", "0"], ["SET", "k", "v", "EX", "abc"], ["SET", "k", "v", "BOGUS"],
    ["EXPIRE", "user:1", "100"], ["TTL", "user:1"], ["PTTL", "missing"], ["TTL", "missing"],
    ["EXPIRE", "user:1", "50", "GT"], ["EXPIRE", "user:1", "200", "GT"], ["TTL", "user:1"],
    ["EXPIRE", "user:1", "1", "NX", "XX"], ["EXPIRE", "missing", "10"], ["EXPIRE", "user:1", "x"],
    ["GETSET", "user:1", "dave"], ["TTL", "user:1"],
    ["KEYS", "user:*"], ["KEYS", "u?er:[12]"], ["KEYS", "nothing*"],
    ["INCR", "n"], ["INCRBY", "n", "41"], ["DECR", "n"], ["INCR", "user:1"], ["INCRBY", "n", "x"],
    ["SET", "big", "9223372036854775807"], ["INCR", "big"],
    ["MSET", "a", "1", "b", "2"], ["MSET", "a"], ["MGET", "a", "zz", "b"],
    ["EXISTS", "a", "a", "zz"], ["DEL", "a", "zz", "b"], ["DEL", "a"], ["DBSIZE"],
    ["GET"], ["GET", "a", "b"], ["FOO", "bar", "baz"], ["nosuchcommand"],
    ["CONFIG", "GET", "appendonly"], ["SELECT", "0"], ["SELECT", "x"],
    ["FLUSHALL"], ["DBSIZE"],
]
# The differences issue 10 found, and more edge cases: option repeats and conflicts, which error
# wins, CR/LF and NUL in arguments, integer bounds, arity of every command, CONFIG, maxmemory.
TRANSCRIPT += [
    # SET: a repeated expiry option is allowed (the last wins); two kinds conflict; a syntax error
    # anywhere wins over a bad number; options are C strings ("NX\0junk" is NX).
    ["SET", "k", "v", "EX", "10", "EX", "20"], ["TTL", "k"], ["SET", "k", "v", "PX", "100", "PX", "200000"],
    ["PTTL", "k"], ["SET", "k", "v", "PX", "10", "EX", "20"], ["SET", "k", "v", "EX", "abc", "BOGUS"],
    ["SET", "k", "v", "EXAT", "abc", "PXAT", "1"], ["SET", "k", "v", "EX", "0", "BOGUS"],
    ["SET", "k", "v", "EX", "abc", "NX"], ["SET", "k", "v", "EX", "-5"], ["SET", "k", "v", "KEEPTTL", "EX", "5"],
    ["SET", "k", "v", "EX", "5", "KEEPTTL"], ["SET", "k", "v", "KEEPTTL", "KEEPTTL"], ["SET", "k", "v", "NX\0junk"],
    ["SET", "k", "v", "KEEPTTL\0x"], ["SET", "k", "v", "EX"], ["SET", "k", "v", "EX", "5", "EX"],
    ["SET", "k", "v", "GET", "GET"], ["SET", "k", "v", "NX", "NX"], ["SET", "k", "v", "XX", "NX"],
    ["SET", "k", "v", "NX", "GET"], ["SET", "k", "w", "XX", "GET"], ["SET", "k", "v", "ex", "5", "get"],
    ["SET", "k", "v", "EX", "9223372036854775807"], ["SET", "k", "v", "PX", "9223372036854775807"],
    ["SET", "k", "v", "EXAT", "9223372036854775807"], ["SET", "k", "v", "EX", "9223372036854775"],
    ["SET", "k", "v", "EX", "9223372036854776"], ["SET", "k", "v", "PXAT", "1", "GET"], ["EXISTS", "k"],
    # EXPIRE: option errors quote the option with CR/LF at its ends trimmed and inside replaced.
    ["SET", "e", "v"], ["EXPIRE", "e", "10", "bogus\r\n"], ["EXPIRE", "e", "10", "\r\nbogus"],
    ["EXPIRE", "e", "10", "bo\ngus"], ["EXPIRE", "e", "10", "NX\0x"], ["EXPIRE", "e", "abc", "bogus"],
    ["EXPIRE", "e", "abc", "NX", "XX"], ["EXPIRE", "e", "10", "NX", "GT"], ["EXPIRE", "e", "10", "GT", "LT"],
    ["EXPIRE", "e", "100", "LT"], ["TTL", "e"], ["EXPIRE", "e", "100", "XX"], ["EXPIRE", "e", "50", "GT"],
    ["EXPIRE", "e", "200", "LT"], ["EXPIRE", "e", "1.5"], ["EXPIRE", "e", "9223372036854775807"],
    ["EXPIRE", "e", "-9223372036854775808"], ["PEXPIRE", "e", "9223372036854775807"],
    ["EXPIRE", "e", "9223372036854775"], ["EXPIRE", "e", "-9223372036854776"], ["EXPIRE", "e", "-1"],
    ["EXISTS", "e"],
    # Integers: bounds, overflow, strict syntax of both the argument and the stored value.
    ["SET", "n", "9223372036854775807"], ["INCRBY", "n", "0"], ["INCRBY", "n", "-1"], ["INCR", "n"], ["GET", "n"],
    ["SET", "n", "-9223372036854775808"], ["DECR", "n"], ["DECRBY", "n", "1"], ["DECRBY", "n", "-9223372036854775808"],
    ["INCRBY", "n", "-9223372036854775808"], ["SET", "m", "0"], ["DECRBY", "m", "-9223372036854775808"],
    ["DECRBY", "m", "9223372036854775807"], ["INCRBY", "m", "9223372036854775808"], ["INCRBY", "m", "+1"],
    ["INCRBY", "m", " 1"], ["INCRBY", "m", "01"], ["INCRBY", "m", "-0"], ["INCRBY", "m", "1.5"], ["INCRBY", "m", "1\0"],
    ["SET", "s", "  12"], ["INCR", "s"], ["SET", "s", "12 "], ["INCR", "s"], ["SET", "s", "007"], ["INCR", "s"],
    ["SET", "s", "-0"], ["INCR", "s"], ["SET", "s", ""], ["INCR", "s"], ["SET", "s", "1e3"], ["INCR", "s"],
    # Arity of every command.
    ["INCR"], ["INCR", "a", "b"], ["INCRBY", "a"], ["INCRBY", "a", "1", "2"], ["DECRBY", "a"], ["DECR"],
    ["GETSET"], ["GETSET", "a"], ["GETSET", "a", "b", "c"], ["MSET"], ["MSET", "a", "1", "b"], ["MGET"],
    ["DEL"], ["EXISTS"], ["TTL"], ["PTTL", "a", "b"], ["EXPIRE", "a"], ["PEXPIRE", "a"], ["ECHO"],
    ["ECHO", "a", "b"], ["PING", "a", "b"], ["DBSIZE", "x"], ["FLUSHALL", "x"], ["FLUSHALL", "SYNC", "x"],
    ["KEYS"], ["KEYS", "a", "b"], ["SELECT"], ["SET", "k"], ["CONFIG"], ["CONFIG", "GET"], ["CONFIG", "SET", "x"],
    ["COMMAND", "COUNT", "x"], ["GET", "a", "b", "c"],
    # NUL bytes and CR/LF in names and arguments. (Not "GET\0x" or "CONFIG GET\0": Redis hashes a
    # name with its length but compares it as a C string, so whether it finds GET depends on its
    # random hash seed; kv treats names as bytes, always unknown. See docs/kv.md.)
    ["ge\0t", "a"], ["foo\r\nbar", "a\r\nb"], ["foo", "\0abc"], ["FLUSHALL", "sync\0"],
    ["SET", "k\0a", "v\0b"], ["GET", "k\0a"], ["GET", "k"], ["INCR", "k\0a"], ["CONFIG", "GETX", "x"],
    ["CONFIG", "foo\r\nbar"], ["COMMAND", "FOO"], ["PING", "\r\nx"], ["ECHO", ""],
    # SELECT reads an int first.
    ["SELECT", "1"], ["SELECT", "-1"], ["SELECT", "2147483648"], ["SELECT", "-2147483649"],
    ["SELECT", "99999999999999999999"],
    # KEYS: bracket ranges compare signed chars, so bytes >= 0x80 sort below ASCII.
    ["FLUSHALL"], ["MSET", b"\x80a", "1", b"\xffa", "2", "za", "3", "Aa", "4", b"\x7fa", "5"],
    ["KEYS", b"[\x80-z]a"], ["KEYS", b"[a-\xff]a"], ["KEYS", b"[\x81-\xfe]a"], ["KEYS", b"[^\x80-\x90]a"],
    ["KEYS", b"[\xff]a"], ["KEYS", b"?a"], ["FLUSHALL"],
    # CONFIG GET answers a plain name as spelled, each parameter once; CONFIG SET's value syntax
    # (Redis's memory units), errors, all-or-nothing application.
    ["CONFIG", "GET", "MAXMEMORY"], ["CONFIG", "GET", "timeout", "timeout"], ["CONFIG", "GET", "maxmemory", "save"],
    ["CONFIG", "GET", "maxmemory-p*"], ["CONFIG", "GET", "nonexistent"], ["CONFIG", "SET", "maxmemory", "10mb"],
    ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "1k"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "1KB"], ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "1g"],
    ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "05"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "99999999999999999999"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "8589934592gb"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "1t"], ["CONFIG", "SET", "maxmemory", "1 mb"], ["CONFIG", "SET", "maxmemory", "-1"],
    ["CONFIG", "SET", "maxmemory", "1.5mb"], ["CONFIG", "SET", "maxmemory", "+5"], ["CONFIG", "SET", "maxmemory", ""],
    ["CONFIG", "SET", "maxmemory", "1mb\0junk"], ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "2gb"],
    ["CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU"], ["CONFIG", "GET", "maxmemory-policy"],
    ["CONFIG", "SET", "maxmemory-policy", "allkeys-random"], ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    ["CONFIG", "SET", "maxmemory", "1", "maxmemory-policy"], ["CONFIG", "SET", "nosuch", "1"],
    ["CONFIG", "SET", "maxmemory", "1mb", "maxmemory", "2mb"], ["CONFIG", "SET", "databases", "2"],
    ["CONFIG", "SET", "maxmemory", "3mb", "maxmemory-samples", "0"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory-samples", "x"], ["CONFIG", "SET", "maxmemory-samples", "10"],
    ["CONFIG", "GET", "maxmemory-samples"], ["CONFIG", "SET", "maxmemory-samples", "5"],
    ["CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb"],
    ["CONFIG", "SET", "client-output-buffer-limit", "normal x 512kb 10"],
    ["CONFIG", "SET", "client-output-buffer-limit", "normal  1 2 3"],
    ["CONFIG", "SET", "client-output-buffer-limit", "NORMAL 1 2 -3"],
    ["CONFIG", "SET", "client-output-buffer-limit", "normal 1 2 x"],
    ["CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3"],
    ["CONFIG", "SET", "client-output-buffer-limit", "Normal 64mb 16mb 60"],
    # Over maxmemory: commands that grow the data set get -OOM (after arity, before syntax);
    # reads, deletes and expiry changes still run.
    ["SET", "keep", "v"], ["CONFIG", "SET", "maxmemory", "1"], ["SET", "x", "y"], ["SET", "x", "y", "BOGUS"],
    ["SET", "x"], ["GET", "keep"], ["INCR", "x"], ["INCRBY", "x", "1"], ["DECR", "x"], ["DECRBY", "x", "1"],
    ["MSET", "a", "b"], ["GETSET", "x", "y"], ["SET", "x", "y", "NX"], ["EXPIRE", "keep", "100"], ["TTL", "keep"],
    ["MGET", "keep", "x"], ["EXISTS", "keep"], ["DEL", "keep"], ["DBSIZE"], ["CONFIG", "SET", "maxmemory", "2gb"],
    ["SET", "x", "y"], ["FLUSHALL"],
]
# redis-server runs with kv's defaults where they differ from Redis's, so the values compare.
REDIS_ARGS = ["--databases", "1", "--maxmemory", "2gb", "--proto-max-bulk-len", "32mb",
              "--client-output-buffer-limit", "normal 64mb 16mb 60", "--maxmemory-clients", "1gb"]
INLINE_TRANSCRIPT = b'PING\r\nSET inline "quoted value"\r\nGET inline\r\nEXISTS inline x\r\n\r\nDEL inline\r\n'


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        data = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def read_reply(f):
    """One RESP2 reply from a buffered socket file, as bytes (nested arrays included)."""
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
        n = int(rest)
        return line + b"".join(read_reply(f) for _ in range(max(n, 0)))
    raise ValueError(f"bad reply line {line!r}")


def normalise(args, reply):
    """KEYS and CONFIG GET order follows each server's hash table: compare those replies as sorted
    lists (of keys, or of name-value pairs)."""
    name = args[0].upper() if isinstance(args[0], str) else ""
    if name not in ("KEYS", "CONFIG") or not reply.startswith(b"*"):
        return reply
    f = _Reader(reply)
    header = f.readline()
    items = [read_reply(f) for _ in range(int(header[1:-2]))]
    if name == "CONFIG":
        items = [a + b for a, b in sorted(zip(items[0::2], items[1::2]))]
    return header + b"".join(sorted(items))


class _Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def readline(self):
        end = self.data.index(b"\n", self.at) + 1
        line, self.at = self.data[self.at:end], end
        return line

    def read(self, n):
        chunk, self.at = self.data[self.at:self.at + n], self.at + n
        return chunk


def transcript(port):
    """Sends TRANSCRIPT pipelined in one write, then the inline one; returns the normalised replies."""
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
        f = s.makefile("rb")
        s.sendall(b"".join(encode(a) for a in TRANSCRIPT))
        replies = [normalise(a, read_reply(f)) for a in TRANSCRIPT]
        s.sendall(INLINE_TRANSCRIPT)
        replies += [read_reply(f) for _ in range(5)]  # the blank line gets no reply
        return replies


# Header and inline lines with a NUL before their line end: Redis looks for the end with strchr,
# which stops at the NUL, so the line never ends and is refused once past 64 KiB. Each is exactly one
# byte past the limit (counted from the line's start), so the server has read all of it when it
# closes (a FIN, not a reset).
NUL_LINES = [b"PING\0" + b"x" * 65532, b"*1\0" + b"x" * 65534, b"*1\r\n$4\0" + b"x" * 65534]


def nul_lines(port):
    replies = []
    for request in NUL_LINES:
        with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
            s.sendall(request)
            replies.append(s.makefile("rb").read())  # the error, then the close
    return replies


def redis_cli_session(port):
    """What a person typing into redis-cli sees (its formatting of each reply)."""
    outputs = []
    for args in (["SET", "greeting", "hi"], ["GET", "greeting"], ["EXPIRE", "greeting", "100"], ["TTL", "greeting"],
                 ["KEYS", "greet*"], ["DEL", "greeting"], ["GET", "greeting"], ["NOPE", "x"]):
        r = subprocess.run(["redis-cli", "-p", str(port)] + args, capture_output=True, text=True,
                           timeout=CLIENT_TIMEOUT_S)
        outputs.append((r.returncode, r.stdout))
    return outputs


def check_limits(port):
    """An oversized bulk length gets Redis's protocol error and a close; the server keeps serving."""
    ok = True
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
        f = s.makefile("rb")
        s.sendall(b"*2\r\n$3\r\nGET\r\n$99999999999\r\n")
        reply = read_reply(f)
        if reply != b"-ERR Protocol error: invalid bulk length\r\n":
            print(f"FAIL: oversized bulk got {reply!r}", file=sys.stderr)
            ok = False
        if f.read(1) != b"":
            print("FAIL: connection stayed open after a protocol error", file=sys.stderr)
            ok = False
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
        s.sendall(b"*2000000\r\n")  # more arguments than allowed
        reply = read_reply(s.makefile("rb"))
        if reply != b"-ERR Protocol error: invalid multibulk length\r\n":
            print(f"FAIL: too many arguments got {reply!r}", file=sys.stderr)
            ok = False
    return ok


def check_active_expiry(port):
    """A key nobody reads again is reclaimed by the expiry timer: DBSIZE counts it until then."""
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
        f = s.makefile("rb")
        s.sendall(encode(["FLUSHALL"]) + encode(["SET", "short", "v", "PX", "50"]))
        read_reply(f), read_reply(f)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            s.sendall(encode(["DBSIZE"]))
            if read_reply(f) == b":0\r\n":
                return True
            time.sleep(0.05)
    print("FAIL: an expired key was never reclaimed", file=sys.stderr)
    return False


def benchmark(port, requests):
    ok = True
    for extra in (["-P", "1"], ["-P", "16", "-c", "50"]):
        command = ["redis-benchmark", "-p", str(port), "-t", "ping,set,get,incr,mset", "-n", str(requests),
                   "--csv"] + extra
        r = subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S)
        rows = [line for line in r.stdout.splitlines() if line.startswith('"') and not line.startswith('"test"')]
        names = [row.split(",")[0].strip('"') for row in rows]
        expected = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"]
        errors = [line for line in (r.stdout + r.stderr).splitlines() if "rror" in line]
        print(f"redis-benchmark {' '.join(extra)}: exit {r.returncode}, tests {names}")
        if r.returncode != 0 or names != expected or errors:
            print(f"FAIL: redis-benchmark {' '.join(extra)}: {errors or r.stdout + r.stderr}", file=sys.stderr)
            ok = False
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--requests", type=int, default=20000, help="redis-benchmark -n")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    for tool in ("redis-benchmark", "redis-cli"):
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed (apt-get install redis-tools)")

    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=r"kv: serving")
    redis = None
    ok = True
    try:
        if shutil.which("redis-server"):
            redis = start_redis_server(extra_args=REDIS_ARGS)
        ours = transcript(server.port)
        if redis:
            theirs = transcript(redis[1])
            for args_, a, b in zip(TRANSCRIPT + [["inline"]] * 5, ours, theirs):
                if a != b:
                    print(f"FAIL: {args_}: kv replied {a!r}, redis-server {b!r}", file=sys.stderr)
                    ok = False
            for request, a, b in zip(NUL_LINES, nul_lines(server.port), nul_lines(redis[1])):
                if a != b:
                    print(f"FAIL: {request[:12]!r}...: kv replied {a!r}, redis-server {b!r}", file=sys.stderr)
                    ok = False
            cli_ours, cli_theirs = redis_cli_session(server.port), redis_cli_session(redis[1])
            if cli_ours != cli_theirs:
                print(f"FAIL: redis-cli session differs:\n kv:    {cli_ours}\n redis: {cli_theirs}", file=sys.stderr)
                ok = False
            print(f"transcript: {len(ours)} replies and {len(NUL_LINES)} NUL-line closes compared with redis-server, "
                  "redis-cli session compared")
        else:
            print("transcript: redis-server not installed, replies not compared")
        ok = check_limits(server.port) and ok
        ok = check_active_expiry(server.port) and ok
        ok = benchmark(server.port, args.requests) and ok
        if not server.alive():
            print(f"FAIL: server exited with {server.returncode}", file=sys.stderr)
            ok = False
    finally:
        server.stop()
        if redis:
            stop_process_group(redis[0])
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
