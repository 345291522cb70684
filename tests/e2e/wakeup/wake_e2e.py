#!/usr/bin/env python3
"""Wakes a wake_guest.wasm blocked in poll_oneoff, under wasio-run, with one strategy.

  wake_e2e.py --wasio-run PATH --module wake_guest.wasm --mode MODE [--profile P]

MODE: host (wasio-run --waker, SIGUSR1), control (a second listener, a TCP waker writes a byte),
control-hostile (wakers that close or reset first, then a good one), timed (host channel checked
every 20 ms tick), same-thread, idle (host channel with --trace: no poll_oneoff returns during an
idle second, then one wake), serve-with-waker (a server example with --waker next to its listener:
the wake channel is not taken for a listener), signal-flood (examples/wakeup under --waker while
SIGUSR1 arrives from while the module compiles until wasio-run has exited).
Exit 0 and "N passed, 0 failed" when the guest woke as it should.
"""
import argparse
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import UVWASI_MAX_POLL_WAIT_MS  # noqa: E402

GRACE = 0.3  # how long the guest must stay blocked before the wake (it has nothing that could end it)


class Guest:
    def __init__(self, command):
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""
        self.err = b""

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        streams = [self.proc.stdout, self.proc.stderr]
        while streams:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select(streams, [], [], left)
            for s in ready:
                data = os.read(s.fileno(), 65536)
                if not data:
                    streams.remove(s)
                elif s is self.proc.stdout:
                    self.out += data
                else:
                    self.err += data
            if not ready:
                return

    def wait_for(self, pattern, stream, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = (self.out if stream == "out" else self.err).decode(errors="replace")
            m = re.search(pattern, text)
            if m:
                return m
            if self.proc.poll() is not None:
                self.pump(0.1)
                text = (self.out if stream == "out" else self.err).decode(errors="replace")
                return re.search(pattern, text)
            self.pump(0.05)
        return None

    def finish(self, seconds=30):
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.pump(0.2)
        return self.proc.returncode

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_example(args):
    """examples/wakeup: woken twice from outside, as wasm (host channel, SIGUSR1) or natively (control
    listener from WASIO_TCPLISTEN, a TCP waker)."""
    failures = []

    def check(ok, what):
        print(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            failures.append(what)

    if args.mode == "example-wasm":
        guest = Guest([args.wasio_run, "--waker", args.module, "--wakes", "2"])
        check(guest.wait_for(r"waiting on the host wake channel", "out") is not None, "the example picks the host channel")
        for i in (1, 2):
            guest.pump(GRACE)
            os.kill(guest.proc.pid, signal.SIGUSR1)
            check(guest.wait_for(rf"woken \({i} of 2", "out") is not None, f"SIGUSR1 wakes it ({i})")
    else:
        env = dict(os.environ, WASIO_TCPLISTEN="127.0.0.1:0")
        guest = Guest.__new__(Guest)
        guest.proc = subprocess.Popen([args.program, "--wakes", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        guest.out, guest.err = b"", b""
        m = guest.wait_for(r"listening on 127\.0\.0\.1:(\d+)", "err")
        check(m is not None, "the native example announces its listener")
        check(guest.wait_for(r"waiting on the control listener", "out") is not None, "it falls back to a control listener")
        if m:
            waker = socket.create_connection(("127.0.0.1", int(m.group(1))))
            for i in (1, 2):
                guest.pump(GRACE)
                waker.sendall(b"w")
                check(guest.wait_for(rf"woken \({i} of 2", "out") is not None, f"a byte wakes it ({i})")
            waker.close()
    status = guest.finish()
    check(status == 0, f"it exits 0 after two wakes (got {status})")
    if failures:
        sys.stdout.write(guest.out.decode(errors="replace") + guest.err.decode(errors="replace")[-4000:])
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0

def run_serve_with_waker(args):
    """A server that discovers its listeners by probing (rt::tcp_listener::preopened) under
    wasio-run --waker: the waker fd after the listener must not be adopted as a second listener
    (accept on a connected stream is badf: "accept failed"), and the server must echo."""
    failures = []

    def check(ok, what):
        print(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            failures.append(what)

    command = [args.wasio_run, "--profile", args.profile, "--tcplisten", "127.0.0.1:0", "--waker"]
    if args.profile == "uvwasi":
        # uvwasi's poll_oneoff returns only once every fd subscription fired (HOST-SEMANTICS.md 4):
        # the server's wait must be bounded there, as every uvwasi e2e run's is (wasio_server.py).
        command += ["--env", f"WASIO_MAX_POLL_WAIT_MS={UVWASI_MAX_POLL_WAIT_MS}"]
    guest = Guest(command + [args.module])
    m = guest.wait_for(r"listening on 127\.0\.0\.1:(\d+)", "err")
    check(m is not None, "wasio-run announces the listener")
    check(guest.wait_for(r"waker on fd \d+", "err") is not None, "wasio-run announces the waker")
    check(guest.wait_for(r"serving 1 listener\(s\)", "err") is not None, "the server adopts one listener, not the waker")
    if m:
        payload = bytes(range(256)) * 64
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=30) as c:
            c.sendall(payload)
            c.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                got += chunk
        check(got == payload, f"it echoes {len(payload)} bytes ({len(got)} came back)")
    # A wake byte the server does not watch is harmless: SIGUSR1 must neither kill nor confuse it.
    os.kill(guest.proc.pid, signal.SIGUSR1)
    guest.pump(GRACE)
    check(guest.proc.poll() is None, "a wake the server does not watch leaves it running")
    check(b"accept failed" not in guest.err, "no accept failure is logged")
    guest.proc.terminate()
    guest.finish()
    if failures:
        sys.stdout.write(guest.err.decode(errors="replace")[-4000:])
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


def has_child(pid):
    """True when some process's parent is `pid` (wasio-run runs wasm2c and cc while it compiles)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    return True
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return False


def run_signal_flood(args):
    """examples/wakeup under --waker with an empty module cache, SIGUSR1 sent every millisecond from
    the moment wasio-run compiles the module (its wake channel does not exist yet) until it has
    exited (after the guest ended): the guest's exit status (0) must come out, not death by SIGUSR1.
    The flood starts once wasio-run has a child (wasm2c or cc): before its main has run, SIGUSR1 has
    the default action of any fresh process."""
    failures = []

    def check(ok, what):
        print(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            failures.append(what)

    cache = tempfile.mkdtemp(prefix="wake_e2e_cache_")
    try:
        guest = Guest([args.wasio_run, "--cache-dir", cache, "--waker", args.module, "--wakes", "3"])
        deadline = time.monotonic() + 60
        while guest.proc.poll() is None and time.monotonic() < deadline and not has_child(guest.proc.pid):
            time.sleep(0.001)
        check(guest.proc.poll() is None, "wasio-run is compiling the module when the flood starts")
        sent = 0
        deadline = time.monotonic() + 90
        while guest.proc.poll() is None and time.monotonic() < deadline:
            try:
                os.kill(guest.proc.pid, signal.SIGUSR1)
                sent += 1
            except ProcessLookupError:
                break
            guest.pump(0.001)
        status = guest.finish()
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"{sent} SIGUSR1 sent")
    check(status == 0, f"the guest's exit status comes out (got {status}; -{int(signal.SIGUSR1)} is death by SIGUSR1)")
    check(re.search(rb"woken \(3 of 3", guest.out) is not None, "the guest was woken three times")
    if failures:
        sys.stdout.write(guest.out.decode(errors="replace") + guest.err.decode(errors="replace")[-4000:])
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasio-run")
    ap.add_argument("--module")
    ap.add_argument("--program", help="example-native: the natively linked examples/wakeup")
    ap.add_argument("--mode", required=True)
    ap.add_argument("--profile", default="strict")
    args = ap.parse_args()
    if args.mode.startswith("example"):
        return run_example(args)
    if args.mode == "serve-with-waker":
        return run_serve_with_waker(args)
    if args.mode == "signal-flood":
        return run_signal_flood(args)

    mode = args.mode
    base = [args.wasio_run, "--profile", args.profile]
    guest_args = {"host": ["host"], "idle": ["host"], "timed": ["timed", "20"], "same-thread": ["same-thread"],
                  "control": ["control"], "control-hostile": ["control"]}[mode]
    flags = {"host": ["--waker"], "idle": ["--waker", "--trace"], "timed": ["--waker"], "same-thread": [],
             "control": ["--tcplisten", "127.0.0.1:0"], "control-hostile": ["--tcplisten", "127.0.0.1:0"]}[mode]
    guest = Guest(base + flags + [args.module] + guest_args)
    failures = []

    def check(ok, what):
        print(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            failures.append(what)

    port = None
    if mode.startswith("control"):
        m = guest.wait_for(r"listening on 127\.0\.0\.1:(\d+)", "err")
        check(m is not None, "wasio-run announces the control listener")
        port = int(m.group(1)) if m else None
    check(guest.wait_for(r"wake_guest: blocked", "out") is not None, "the guest reaches its wait")

    if mode != "same-thread":
        guest.pump(GRACE)
        check(guest.proc.poll() is None and b"woken" not in guest.out,
              "the guest stays blocked while nothing wakes it")
    if mode == "idle":
        cpu_before = guest.cpu_seconds()
        polls_before = guest.err.count(b"poll_oneoff(")
        guest.pump(1.0)
        cpu = guest.cpu_seconds() - cpu_before
        polls_idle = guest.err.count(b"poll_oneoff(") - polls_before
        print(f"idle second: {polls_idle} poll_oneoff returns, {cpu * 1000:.0f} ms CPU of wasio-run")
        check(polls_idle == 0, "no poll_oneoff returns while idle (no periodic wake-ups)")

    if mode in ("host", "idle", "timed"):
        os.kill(guest.proc.pid, signal.SIGUSR1)
    elif mode == "control-hostile" and port:
        quiet = socket.create_connection(("127.0.0.1", port))
        quiet.close()  # a waker that connects and leaves without a byte
        rude = socket.create_connection(("127.0.0.1", port))
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rude.close()  # a reset
        guest.pump(GRACE)
        check(guest.proc.poll() is None and b"woken" not in guest.out,
              "wakers that send nothing neither wake nor hurt the guest")
    if mode.startswith("control") and port:
        waker = socket.create_connection(("127.0.0.1", port))
        waker.sendall(b"w")
    m = guest.wait_for(r"wake_guest: woken polls=(\d+)", "out")
    check(m is not None, "the wake ends the wait")
    if mode.startswith("control") and port:
        waker.close()
    status = guest.finish()
    check(status == 0, f"the guest exits 0 (got {status})")
    if mode == "idle" and m:
        total = guest.err.count(b"poll_oneoff(")
        check(total == 1, f"one poll_oneoff in all: the blocked one the wake ended (got {total})")
    if failures:
        sys.stdout.write(guest.out.decode(errors="replace"))
        sys.stdout.write(guest.err.decode(errors="replace")[-4000:])
    print(f"{len(failures) == 0 and 1 or 0} passed, {len(failures) and 1 or 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
