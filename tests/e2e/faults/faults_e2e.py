#!/usr/bin/env python3
"""An example server under the host's fault layer (wasio-run --faults SEED, natively WASIO_FAULTS),
with clients that check every answer they get.

usage: faults_e2e.py --example echo|echo_poll|http|kv|syslog|wakeup --profile P [--wasio-run PATH] [--seeds 1,2] [--rate R]
                     [--connections N] -- PROGRAM

The host injects again and intr, short reads and writes, resets, aborted and mfile accepts,
spurious and delayed poll events and realtime clock steps (docs/testing.md). Per seed:
- echo, echo_poll: connections send random bytes in random pieces, half-close, and read to the end:
  what comes back is exactly what was sent, or (on a connection the host reset) a prefix of it.
- http: keep-alive connections send pipelined batches of GET / and POST /echo with unique bodies:
  every response that arrives is complete, in order and the right one; a connection that ends early
  is reconnected.
- kv: each client INCRs its own counter and SETs its own keys: acknowledged INCR replies rise by
  exactly one per acknowledged call unless a cut connection may have lost a reply in between (then
  they still rise), and at the end every acknowledged SET's value and every counter (at least its
  last acknowledged value) is read back.
- syslog: connections send octet-counted RFC 5424 frames, each with a unique id, in random pieces,
  half-close and wait for the receiver to close: in its JSON output each connection's messages are
  there exactly once, unchanged and in order, all of them or (on a connection the host reset) the
  first few; nothing else is there.
- wakeup (its control listener): wakers connect, write one byte, half-close and wait for the guest
  to close, sending again on a new connection after a reset (docs/wakeup.md): the wake bytes the
  guest counts are no more than were sent, and fall short of the wakers by no more than the resets
  injected; a spurious event or an aborted accept is never a wake.
Then SIGTERM: the server must drain and exit 0 (no trap, no hang), and say how many faults it
injected; connections cut short must be no more than the resets and aborted accepts injected.
Prints "N passed, M failed" (one per seed). Timeouts only guard against hangs.
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from resp import command as resp  # noqa: E402
from wasio_server import PROFILES, start_server, wasio_command  # noqa: E402

CLIENT_TIMEOUT_S = 60
FAULTS_LINE = re.compile(r"wasio: faults injected: total (\d+)(?: \((.*)\))?")


class Cut(Exception):
    """The connection ended early (reset, or closed by the server after a fault)."""


def counts_of(text):
    m = None
    for m in FAULTS_LINE.finditer(text):
        pass
    if m is None:
        return None
    counts = {"total": int(m.group(1))}
    for part in (m.group(2) or "").split(", "):
        if part:
            kind, n = part.rsplit(" ", 1)
            counts[kind] = int(n)
    return counts


def connect(port):
    """A connection to the server (ConnectionResetError when an aborted accept reset it at once)."""
    return socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S)


def connect_or_cut(port, stats):
    """connect(), or None after counting a cut when the server reset it before it was up."""
    try:
        return connect(port)
    except ConnectionResetError:
        stats["cut"] += 1
        return None


def recv_some(sock):
    try:
        data = sock.recv(65536)
    except (ConnectionResetError, BrokenPipeError) as e:
        raise Cut(str(e))
    return data


def send_or_cut(sock, data):
    try:
        sock.sendall(data)
    except (ConnectionResetError, BrokenPipeError) as e:
        raise Cut(str(e))


def send_in_pieces(sock, data, rng, largest):
    """sendall() of `data` in random pieces of 1 to `largest` bytes (the server's reads see them cut)."""
    at = 0
    while at < len(data):
        n = rng.randint(1, largest)
        sock.sendall(data[at:at + n])
        at += n


# --- echo ---------------------------------------------------------------------------------------

def echo_connection(port, rng, stats):
    payload = rng.randbytes(rng.randint(1, 48 * 1024))
    got = bytearray()
    s = connect_or_cut(port, stats)
    if s is None:
        return
    with s:
        try:
            send_in_pieces(s, payload, rng, 8192)
            s.shutdown(socket.SHUT_WR)
        except (ConnectionResetError, BrokenPipeError, OSError) as e:
            if isinstance(e, (socket.timeout, TimeoutError)):
                raise
            # the server reset or ended it: read what came back
        try:
            while True:
                chunk = recv_some(s)
                if not chunk:
                    break
                got += chunk
        except Cut:
            pass
    if bytes(got) == payload:
        stats["exact"] += 1
    elif payload.startswith(bytes(got)):
        stats["cut"] += 1
    else:
        stats["wrong"].append(f"echo: {len(got)} bytes back of {len(payload)}, not a prefix")


# --- syslog -------------------------------------------------------------------------------------

def syslog_connection(port, rng, stats, tag, sent):
    """Sends octet-counted frames; records them in sent[tag] (the receiver's output is checked after
    it stopped, in syslog_verify)."""
    count = rng.randint(1, 40)
    messages = []
    for i in range(count):
        body = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(rng.randint(1, 300)))
        messages.append(f"{tag}.{i} {body.strip() or 'x'}")
    wire = b"".join(b"%d %s" % (len(frame), frame) for frame in
                    (f"<14>1 2026-12-01T00:00:00Z faults-host faults - - - {m}".encode() for m in messages))
    s = connect_or_cut(port, stats)
    if s is None:  # counted as cut already; none of its messages may show up
        return
    sent[tag] = messages
    with s:
        try:
            send_in_pieces(s, wire, rng, 2048)
            s.shutdown(socket.SHUT_WR)
            while recv_some(s):  # the receiver closes once it has read every frame
                pass
        except Cut:
            pass
        except OSError as e:  # reset (ENOTCONN, EPIPE, ECONNRESET): syslog_verify sees what arrived
            if isinstance(e, (socket.timeout, TimeoutError)):
                raise


def syslog_verify(output_path, sent, stats):
    """Every connection's messages in the output exactly once, unchanged, in order: all of them, or the
    first few for a connection the host cut (counted as cut); nothing that was not sent."""
    delivered = {}
    with open(output_path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                message = json.loads(raw).get("message", "")
            except ValueError as e:
                stats["wrong"].append(f"syslog: output line {number} is not JSON ({e})")
                continue
            tag, _, rest = message.partition(".")
            index = rest.split(" ", 1)[0]
            if tag not in sent or not index.isdigit() or int(index) >= len(sent[tag]) or sent[tag][int(index)] != message:
                stats["wrong"].append(f"syslog: a message that was never sent: {message[:80]!r}")
                continue
            delivered.setdefault(tag, []).append(int(index))
    for tag, messages in sent.items():
        got = delivered.get(tag, [])
        stats["answered"] += len(got)
        if got != list(range(len(got))):
            stats["wrong"].append(f"syslog: connection {tag} delivered {got[:12]}..., not its first messages once each in order")
        elif len(got) == len(messages):
            stats["exact"] += 1
        else:
            stats["cut"] += 1


# --- wakeup -------------------------------------------------------------------------------------

def wake_once(port, stats):
    """One waker, as docs/wakeup.md says a waker works: connect, one byte, half-close, and wait until
    the guest closes; a reset means the guest closed the connection before reading the byte (to make
    room for another waker, or the host aborted the accept), so the waker sends it again on a new
    connection, after a short pause. Under a high fault rate the guest's make-room policy (close the
    quietest waker when accepting fails with mfile) can close a waker several times before it wrote,
    so the bound is generous: it only tells a waker that is never let through. Returns how many bytes
    it sent (the retries included)."""
    sent = 0
    for attempt in range(100):
        if attempt:
            time.sleep(min(0.05, 0.001 * attempt))
        try:
            with connect(port) as s:
                s.sendall(b"w")
                sent += 1
                s.shutdown(socket.SHUT_WR)
                while s.recv(16):
                    pass
            return sent  # the guest read to the end of the stream and closed it
        except (socket.timeout, TimeoutError):
            raise
        except OSError:  # ECONNRESET, EPIPE, ENOTCONN: try again
            continue
    stats["wrong"].append("wakeup: a waker was reset 100 times in a row: its wake never got through")
    return sent


WOKEN_LINE = re.compile(rb"wakeup: woken \(\d+ of \d+, (\d+) wake bytes?\)")


def wakeup_verify(output_path, wakers, sent, counts, stats):
    """The guest counted no more wake bytes than were sent, and lost no more wakers' bytes than the
    resets injected (a reset shuts the connection both ways: the waker sees an end of stream and
    cannot tell its byte was never read)."""
    with open(output_path, "rb") as f:
        counted = sum(int(m.group(1)) for m in WOKEN_LINE.finditer(f.read()))
    lost_at_most = counts.get("reset", 0)
    stats["answered"] = counted
    if counted > sent:
        stats["wrong"].append(f"wakeup: {counted} wake bytes counted, only {sent} sent (a spurious event made a wake)")
    elif counted < wakers - lost_at_most:
        stats["wrong"].append(f"wakeup: {counted} wake bytes counted for {wakers} wakers ({sent} bytes sent), "
                              f"more lost than the {lost_at_most} resets injected")
    stats["exact"], stats["cut"] = min(counted, wakers), max(0, wakers - counted)


# --- http ---------------------------------------------------------------------------------------

class HttpReader:
    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def _more(self):
        chunk = recv_some(self.sock)
        if not chunk:
            raise Cut("end of stream")
        self.buffer += chunk

    def response(self):
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body


def http_connection(port, rng, stats, batches=6):
    s = connect_or_cut(port, stats)
    if s is None:
        return
    reader = HttpReader(s)
    try:
        for _ in range(batches):
            expected, wire = [], b""
            for _ in range(rng.randint(1, 4)):
                if rng.random() < 0.5:
                    wire += b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                    expected.append(b"Hello, World!")
                else:
                    body = rng.randbytes(rng.randint(0, 3000)) + os.urandom(8)
                    wire += b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                    expected.append(body)
            send_or_cut(s, wire)
            for want in expected:
                status, headers, body = reader.response()
                if status != 200 or body != want:
                    stats["wrong"].append(f"http: status {status}, {len(body)} bytes where {len(want)} were due")
                    return
                stats["answered"] += 1
                if headers.get(b"connection") == b"close":
                    raise Cut("Connection: close")
        stats["exact"] += 1
    except Cut:
        stats["cut"] += 1
    finally:
        s.close()


# --- kv -----------------------------------------------------------------------------------------

class RespReader:
    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def _line(self):
        while b"\r\n" not in self.buffer:
            chunk = recv_some(self.sock)
            if not chunk:
                raise Cut("end of stream")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        if line[:1] == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            while len(self.buffer) < n + 2:
                chunk = recv_some(self.sock)
                if not chunk:
                    raise Cut("end of stream")
                self.buffer += chunk
            value, self.buffer = self.buffer[:n], self.buffer[n + 2:]
            return value
        return line


def kv_client(port, rng, stats, client, state):
    counter = f"faults:{client}:counter"
    acked = state.setdefault(client, {"last": 0, "sets": {}})
    for round_ in range(4):
        s = connect_or_cut(port, stats)
        if s is None:
            acked["maybe_lost"] = True
            continue
        reader = RespReader(s)
        try:
            for i in range(25):
                if rng.random() < 0.5:
                    send_or_cut(s, resp("INCR", counter))
                    reply = reader.reply()
                    if not reply.startswith(b":"):
                        stats["wrong"].append(f"kv: INCR answered {reply!r}")
                        return
                    value = int(reply[1:])
                    if value <= acked["last"] or (value != acked["last"] + 1 and not acked.get("maybe_lost")):
                        stats["wrong"].append(f"kv: INCR gave {value} after {acked['last']}")
                        return
                    acked["last"], acked["maybe_lost"] = value, False
                else:
                    key, value = f"faults:{client}:{round_}:{i}", rng.randbytes(rng.randint(1, 2000))
                    send_or_cut(s, resp("SET", key, value))
                    reply = reader.reply()
                    if reply != b"+OK":
                        stats["wrong"].append(f"kv: SET answered {reply!r}")
                        return
                    acked["sets"][key] = value
                stats["answered"] += 1
            stats["exact"] += 1
        except Cut:
            stats["cut"] += 1
            acked["maybe_lost"] = True  # an INCR may have run without its reply reaching us
        finally:
            s.close()


def kv_verify(port, state, stats):
    """Reads back every acknowledged write, reconnecting when a fault cuts the connection."""
    for client, acked in state.items():
        todo = [("counter", f"faults:{client}:counter", acked["last"])] + \
               [("set", k, v) for k, v in acked["sets"].items()]
        attempts = 0
        while todo and attempts < 200:
            attempts += 1
            s = connect_or_cut(port, stats)
            if s is None:
                continue
            reader = RespReader(s)
            try:
                while todo:
                    kind, key, want = todo[0]
                    send_or_cut(s, resp("GET", key))
                    got = reader.reply()
                    if kind == "counter" and want > 0 and (got is None or int(got) < want):
                        stats["wrong"].append(f"kv: counter {key} is {got!r}, below its acknowledged {want}")
                    elif kind == "set" and got != want:
                        stats["wrong"].append(f"kv: {key} reads {got[:20] if got else got!r}..., not what SET stored")
                    todo.pop(0)
            except Cut:
                stats["cut"] += 1
            finally:
                s.close()
        if todo:
            stats["wrong"].append(f"kv: could not read back {len(todo)} keys of client {client}")


# --- driver -------------------------------------------------------------------------------------

def run_clients(example, port, seed, connections):
    stats = {"exact": 0, "cut": 0, "answered": 0, "wrong": [], "sent": {}, "wake_bytes": 0, "wakers": 0}
    lock = threading.Lock()
    kv_state = {}
    threads = []
    workers = 8

    def work(index):
        rng = random.Random(seed * 1000 + index)
        local = {"exact": 0, "cut": 0, "answered": 0, "wrong": []}
        local_sent, local_wakes = {}, [0, 0]  # wake bytes sent, wakers
        try:
            for c in range(connections // workers):
                if example in ("echo", "echo_poll"):
                    echo_connection(port, rng, local)
                elif example == "http":
                    http_connection(port, rng, local)
                elif example == "syslog":
                    syslog_connection(port, rng, local, f"s{seed}w{index}c{c}", local_sent)
                elif example == "wakeup":
                    local_wakes[0] += wake_once(port, local)
                    local_wakes[1] += 1
            if example == "kv":
                kv_client(port, rng, local, index, kv_state)
        except (socket.timeout, TimeoutError) as e:
            local["wrong"].append(f"{example}: a client timed out ({e}): the server hangs")
        except Exception as e:  # a client error the driver does not expect: fail loudly, not by omission
            local["wrong"].append(f"{example}: a client failed: {type(e).__name__}: {e}")
        with lock:
            for k in ("exact", "cut", "answered"):
                stats[k] += local[k]
            stats["wrong"] += local["wrong"]
            stats["sent"].update(local_sent)
            stats["wake_bytes"] += local_wakes[0]
            stats["wakers"] += local_wakes[1]

    for i in range(workers):
        t = threading.Thread(target=work, args=(i,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    if example == "kv":
        kv_verify(port, kv_state, stats)
    return stats


def run_seed(args, seed):
    program = args.program
    if program[0].endswith(".wasm"):
        command, env = wasio_command(program, args.profile, args.wasio_run)
        command[1:1] = ["--faults", str(seed), "--fault-rate", str(args.rate)]
    else:
        command, env = wasio_command(program, args.profile, args.wasio_run,
                                     env_extra={"WASIO_FAULTS": str(seed), "WASIO_FAULT_RATE": str(args.rate)})
    if args.example == "wakeup":
        command.append("--wakes")
        command.append(str(10 ** 9))  # until SIGTERM
    output = tempfile.NamedTemporaryFile(prefix=f"faults-{args.example}-", suffix=".out")
    server = start_server(command, env, name=args.example, quiet=True, stdout=output)
    problems = []
    try:
        stats = run_clients(args.example, server.port, seed, args.connections)
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            code = server.wait(timeout=CLIENT_TIMEOUT_S)
        except Exception:
            code = None
    finally:
        server.stop()
    said = "".join(server.stderr_lines)
    counts = counts_of(said)
    if code != 0:
        problems.append(f"exit status {code} after SIGTERM, not 0 (134 is a guest trap, None a hang)")
    if counts is None:
        problems.append("no 'wasio: faults injected' line at exit")
        counts = {"total": 0}
    if args.example == "syslog":
        syslog_verify(output.name, stats["sent"], stats)
    elif args.example == "wakeup":
        wakeup_verify(output.name, stats["wakers"], stats["wake_bytes"], counts, stats)
    output.close()
    problems += stats["wrong"]
    allowed_cuts = counts.get("reset", 0) + counts.get("accept_aborted", 0)
    if stats["cut"] > allowed_cuts:
        problems.append(f"{stats['cut']} connections cut short, but only {allowed_cuts} resets and aborted accepts "
                        f"were injected: the server lost connections by itself")
    if counts["total"] == 0:
        problems.append("no fault was injected (the run tested nothing)")
    print(f"seed {seed}: {counts['total']} faults injected ({', '.join(f'{k} {v}' for k, v in counts.items() if k != 'total')}); "
          f"{stats['exact']} connections exact, {stats['cut']} cut by a fault, {stats['answered']} answers checked; "
          f"exit {code}")
    for p in problems[:10]:
        print(f"FAILED: seed {seed}: {p}")
    if problems:
        sys.stdout.write(said[-3000:])
    return not problems, counts["total"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--example", required=True, choices=["echo", "echo_poll", "http", "kv", "syslog", "wakeup"])
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--seeds", default="1,2", help="comma-separated seeds, or FIRST-LAST")
    parser.add_argument("--rate", type=float, default=0.02)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    if "-" in args.seeds:
        first, last = (int(x) for x in args.seeds.split("-"))
        seeds = list(range(first, last + 1))
    else:
        seeds = [int(x) for x in args.seeds.split(",")]
    passed = failed = injected = 0
    for seed in seeds:
        ok, total = run_seed(args, seed)
        injected += total
        passed, failed = passed + ok, failed + (not ok)
    print(f"{args.example}: {injected} faults injected over {len(seeds)} seeds")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
