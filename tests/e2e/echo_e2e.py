#!/usr/bin/env python3
"""End-to-end check of an echo server: concurrent socat clients and wasio_echo_load, byte-exact.

usage: echo_e2e.py --profile P --load PATH [--wasio-run PATH] [--ready REGEX] [--socat-clients N]
                   [--seed S] [--load-arg ARG]... -- PROGRAM [ARGS...]

PROGRAM ending in .wasm runs under `wasio-run --tcplisten 127.0.0.1:0 --profile P`; anything else is
a natively linked guest run with WASIO_TCPLISTEN=127.0.0.1:0 and WASIO_PROFILE=P. The port comes
from the "wasio-run: listening on ADDR:PORT (fd N)" line. The server must outlive every client; it
is stopped at the end (SIGTERM, then SIGKILL) with its whole process group, leaving nothing open.
Timeouts here only guard against hangs; nothing is asserted about speed.
"""

import argparse
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

LISTENING = re.compile(r"listening on (\S+):(\d+) \(fd (\d+)\)")
START_TIMEOUT_S = 600  # the first run of a .wasm may include its wasm2c translation and C build
CLIENT_TIMEOUT_S = 180


class Server:
    def __init__(self, command, env):
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, errors="replace",
                                        start_new_session=True)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._forward, daemon=True)
        self.reader.start()

    def _forward(self):
        for line in self.process.stderr:
            sys.stderr.write("server: " + line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern, what):
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"FAIL: no {what} within {START_TIMEOUT_S} s")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise SystemExit(f"FAIL: server exited with {self.process.wait()} before printing {what}")
            found = pattern.search(line)
            if found:
                return found

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.reader.join(timeout=10)
        self.process.stderr.close()


def server_command(args):
    program = args.program[0]
    env = dict(os.environ)
    if program.endswith(".wasm"):
        if not args.wasio_run or not os.access(args.wasio_run, os.X_OK):
            raise SystemExit(f"FAIL: wasio-run not found at {args.wasio_run!r} (needed for {program})")
        return [args.wasio_run, "--tcplisten", "127.0.0.1:0", "--profile", args.profile] + args.program, env
    env["WASIO_TCPLISTEN"] = "127.0.0.1:0"
    env["WASIO_PROFILE"] = args.profile
    return list(args.program), env


def socat_round_trips(port, count, seed, folder):
    """count socat clients at once, each sending a random payload then half-closing (socat's EOF)."""
    rng = random.Random(seed)
    clients = []
    for i in range(count):
        payload = rng.randbytes(rng.randint(1, 300_000))
        sent = os.path.join(folder, f"socat-{i}.in")
        with open(sent, "wb") as f:
            f.write(payload)
        received = os.path.join(folder, f"socat-{i}.out")
        with open(sent, "rb") as stdin, open(received, "wb") as stdout:
            process = subprocess.Popen(["socat", "-t", str(CLIENT_TIMEOUT_S), "-", f"TCP:127.0.0.1:{port}"],
                                       stdin=stdin, stdout=stdout)
        clients.append((process, payload, received))
    failures = 0
    for process, payload, received in clients:
        try:
            code = process.wait(timeout=CLIENT_TIMEOUT_S + 30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        with open(received, "rb") as f:
            echoed = f.read()
        if code != 0 or echoed != payload:
            failures += 1
            print(f"FAIL: socat client exit {code}, sent {len(payload)} bytes, got {len(echoed)} back"
                  f"{' (different bytes)' if len(echoed) == len(payload) else ''}", file=sys.stderr)
    print(f"socat: {count} concurrent clients, {failures} failed")
    return failures == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=["strict", "wasmtime-legacy", "uvwasi"])
    parser.add_argument("--load", required=True, help="the wasio_echo_load program")
    parser.add_argument("--wasio-run", help="the wasio-run program (needed for .wasm)")
    parser.add_argument("--ready", help="regex of the server's own start line to wait for after 'listening on'")
    parser.add_argument("--socat-clients", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-arg", action="append", default=[], help="extra argument for wasio_echo_load")
    parser.add_argument("program", nargs="+", help="the server under test and its arguments (after --)")
    args = parser.parse_args()
    if shutil.which("socat") is None:
        raise SystemExit("FAIL: socat is not installed (scripts/setup.sh installs it)")

    command, env = server_command(args)
    server = Server(command, env)
    try:
        port = int(server.wait_for(LISTENING, "'listening on' line").group(2))
        if args.ready:
            server.wait_for(re.compile(args.ready), f"line matching {args.ready!r}")
        with tempfile.TemporaryDirectory(prefix="wasio-e2e-") as folder:
            socat_ok = socat_round_trips(port, args.socat_clients, args.seed, folder)
        load = subprocess.run([args.load, "--port", str(port), "--seed", str(args.seed)] + args.load_arg,
                              timeout=CLIENT_TIMEOUT_S + 60)
        alive = server.process.poll() is None
        if not alive:
            print(f"FAIL: server exited with {server.process.returncode} during the test", file=sys.stderr)
        # The load client ends with a fresh round trip; one more socat one proves the same of socat's path.
        if alive:
            with tempfile.TemporaryDirectory(prefix="wasio-e2e-") as folder:
                socat_ok = socat_round_trips(port, 1, args.seed + 1, folder) and socat_ok
        ok = socat_ok and load.returncode == 0 and alive
    finally:
        server.stop()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
