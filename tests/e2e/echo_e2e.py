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
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from wasio_server import PROFILES, start_wasio_server  # noqa: E402

CLIENT_TIMEOUT_S = 180


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
    parser.add_argument("--profile", required=True, choices=PROFILES)
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

    server = start_wasio_server(args.program, args.profile, args.wasio_run, ready=args.ready)
    try:
        port = server.port
        with tempfile.TemporaryDirectory(prefix="wasio-e2e-") as folder:
            socat_ok = socat_round_trips(port, args.socat_clients, args.seed, folder)
        load = subprocess.run([args.load, "--port", str(port), "--seed", str(args.seed)] + args.load_arg,
                              timeout=CLIENT_TIMEOUT_S + 60)
        alive = server.alive()
        if not alive:
            print(f"FAIL: server exited with {server.returncode} during the test", file=sys.stderr)
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
