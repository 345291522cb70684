#!/usr/bin/env python3
"""Out of descriptors, a server's accept loop meets an error every few milliseconds; its log must
stay a handful of lines (rt::error_log: one line, then one line with a count per interval), and the
server must serve again once descriptors are free.

usage: log_flood.py --profile P [--wasio-run PATH] [--ready REGEX] -- PROGRAM [ARGS...]

The server runs under `prlimit --nofile=N` with N just above what it needs to start; the driver
opens 3 N connections and holds them for a few seconds (the accept loop backs off 10 ms per error:
the old code printed ~100 lines a second), counts the "accept failed" lines, closes them, and checks
an echo-or-HTTP exchange works again. Nothing is asserted about speed.
"""

import argparse
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_server, wasio_command  # noqa: E402

HOLD_S = 3
MAX_LINES = 4  # the first line, and at most a few with counts (10 s interval; the hold is shorter)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--ready", default=None)
    parser.add_argument("--nofile", type=int, default=64)
    parser.add_argument("--probe", choices=["echo", "http", "kv", "connect"], default="echo")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    command, env = wasio_command(args.program, args.profile, args.wasio_run)
    server = start_server(["prlimit", f"--nofile={args.nofile}:{args.nofile}", "--"] + command, env, args.ready)
    held = []
    try:
        for _ in range(args.nofile * 3):
            try:
                held.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
            except OSError:
                break  # the backlog is full: enough pressure
        time.sleep(HOLD_S)
        lines = [line for line in server.stderr_lines if "accept failed" in line]
        print(f"     {len(held)} connections held {HOLD_S} s: {len(lines)} 'accept failed' line(s)", flush=True)
        if not lines:
            print("FAIL: the server never ran out of descriptors (raise the pressure)")
            return 1
        if len(lines) > MAX_LINES:
            print(f"FAIL: {len(lines)} lines (at most {MAX_LINES}):\n" + "".join(lines[:10]))
            return 1
        for s in held:
            s.close()
        held = []
        deadline = time.monotonic() + 60
        while True:  # the server serves again once descriptors are free
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
                    s.settimeout(10)
                    if args.probe == "echo":
                        s.sendall(b"ping")
                        ok = s.recv(4) == b"ping"
                    elif args.probe == "http":
                        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                        ok = s.recv(12).startswith(b"HTTP/1.1 200")
                    elif args.probe == "kv":
                        s.sendall(b"PING\r\n")
                        ok = s.recv(7) == b"+PONG\r\n"
                    else:  # a receiver that answers nothing: being accepted and kept is the answer
                        s.sendall(b"<13>1 - h app - - - after the flood\n")
                        s.settimeout(0.5)
                        try:
                            ok = s.recv(1) != b""  # it never sends; a close would mean it refused us
                        except socket.timeout:
                            ok = True
                if ok:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                print("FAIL: the server did not serve again after the descriptors came free")
                return 1
            time.sleep(0.1)
        if not server.alive():
            print("FAIL: the server exited")
            return 1
        print("ok   accept_failed_flood_is_a_handful_of_lines")
        return 0
    finally:
        for s in held:
            s.close()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
