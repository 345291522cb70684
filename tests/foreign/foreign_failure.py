#!/usr/bin/env python3
"""A foreign guest's documented failure on the host a profile copies, asserted exactly.

usage: foreign_failure.py --scenario S --profile P --wasio-run PATH [--expect REGEX --expect-status N]
                          --host-behaviour TEXT -- MODULE.wasm [ARGS...]

Where the real host makes a guest fail, its test asserts that failure rather than skipping it, so a
change of the profile shows up (docs/profiles.md). Every scenario starts the guest under
`wasio-run [--trace] --tcplisten 127.0.0.1:0 --profile P`, waits for its "serving fd 3" line and plays
one client script:

  reset-ends-server     a client's round trip, then an abortive close (SO_LINGER 0) while the server
                        waits in its poll, client after client (at most MAX_RESETS): the server must
                        end, with status --expect-status and a line matching --expect (wasmtime's
                        POLLERR -> error IO event, which mio turns into a failed poll)
  stall-in-accept       a client connects and sends: no echo within STALL_S, and the trace shows the
                        guest accepted it and went straight into the next sock_accept(fd=3, flags=0),
                        which returns only when a second client connects (a blocking accept)
  stall-until-all-fire  a client connects and sends: no echo within STALL_S; a second client connects,
                        and only then the first one's echo arrives (a poll that waits for every
                        subscription: the listener's fired too)
  stall-first-poll      a client connects and sends: within STALL_S the guest's first poll_oneoff
                        never returns and nothing is accepted (a poll that waits for every
                        subscription, one of which never fires)

A stall is detected by a generous deadline (STALL_S); the other deadlines only guard against hangs.
Nothing is asserted about speed.
"""

import argparse
import os
import re
import socket
import subprocess
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from wasio_server import PROFILES, start_server  # noqa: E402

STALL_S = 8        # no echo for this long, with the server alive and idle, is a stall
HANG_GUARD_S = 60  # anything expected to happen must happen within this
MAX_RESETS = 40    # reset-ends-server: client resets before the server must have ended
RESET_GRACE_S = 2  # how long one reset has to end the server before the next client comes
PAYLOAD = b"hello from a foreign-guest test\n"
ACCEPTED = re.compile(r"sock_accept\(fd=3, flags=0, newfd=\d+\) -> success")
POLL_RETURNED = re.compile(r"poll_oneoff\(")


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD_S)
    return s


def echo_within(s, seconds):
    """Whether the whole PAYLOAD came back within `seconds` (False on a timeout)."""
    s.settimeout(seconds)
    got = b""
    deadline = time.monotonic() + seconds
    try:
        while len(got) < len(PAYLOAD) and time.monotonic() < deadline:
            chunk = s.recv(len(PAYLOAD) - len(got))
            if not chunk:
                break
            got += chunk
            s.settimeout(max(0.01, deadline - time.monotonic()))
    except socket.timeout:
        pass
    return got == PAYLOAD


def trace_since(server, start):
    return server.stderr_lines[start:]


def wait_for_trace(server, start, pattern, count, seconds):
    """Waits until `count` trace lines after index `start` match `pattern`; whether they did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(1 for line in trace_since(server, start) if pattern.search(line)) >= count:
            return True
        time.sleep(0.05)
    return False


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    return False


def reset_ends_server(server, port, args):
    # Whether the guest's poll sees the reset first or its read of the socket does (ECONNRESET, the
    # connection just ends) is a race in a guest whose poll spins (tokio registers every socket for
    # writing, always ready under wasmtime): reset one client after another until the server ends.
    status = None
    for attempt in range(1, MAX_RESETS + 1):
        client = connect(port)
        client.sendall(PAYLOAD)
        if not echo_within(client, HANG_GUARD_S):
            return fail(f"no echo before reset {attempt}: the guest does not serve")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        try:
            status = server.wait(RESET_GRACE_S)
            break
        except subprocess.TimeoutExpired:
            continue
    if status is None:
        return fail(f"the server outlived {MAX_RESETS} client resets (the host no longer reports a reset as an error event?)")
    print(f"the server ended after reset {attempt}")
    server.stop()  # reaps it and reads its stderr to the end
    text = "".join(server.stderr_lines)
    ok = True
    if status != args.expect_status:
        ok = fail(f"the server exited with {status}, expected {args.expect_status}")
    if not re.search(args.expect, text):
        ok = fail(f"no stderr line matches {args.expect!r}")
    return ok


def stall_in_accept(server, port, args):
    start = len(server.stderr_lines)
    first = connect(port)
    first.sendall(PAYLOAD)
    if echo_within(first, STALL_S):
        return fail("the first client got its echo: the guest did not stall in accept")
    lines = trace_since(server, start)
    accepted = [i for i, line in enumerate(lines) if ACCEPTED.search(line)]
    if len(accepted) != 1:
        return fail(f"expected exactly one accepted connection in the trace, saw {len(accepted)}")
    if any(POLL_RETURNED.search(line) for line in lines[accepted[0]:]):
        return fail("a poll_oneoff returned after the accept: the guest is not blocked in sock_accept")
    second = connect(port)
    if not wait_for_trace(server, start, ACCEPTED, 2, HANG_GUARD_S):
        return fail("a second client did not end the blocked sock_accept")
    lines = trace_since(server, start)
    accepted = [i for i, line in enumerate(lines) if ACCEPTED.search(line)]
    if any(POLL_RETURNED.search(line) for line in lines[accepted[0]:accepted[1]]):
        return fail("a poll_oneoff returned between the two accepts")
    first.close()
    second.close()
    return True


def stall_until_all_fire(server, port, args):
    first = connect(port)
    first.sendall(PAYLOAD)
    if echo_within(first, STALL_S):
        return fail("the first client got its echo while the listener had nothing: the poll did not wait for every subscription")
    second = connect(port)
    if not echo_within(first, HANG_GUARD_S):
        return fail("the first client's echo did not come once a second client made the listener fire too")
    first.close()
    second.close()
    return True


def stall_first_poll(server, port, args):
    start = len(server.stderr_lines)
    first = connect(port)
    first.sendall(PAYLOAD)
    if echo_within(first, STALL_S):
        return fail("the client got its echo: the guest's poll did not stall")
    lines = trace_since(server, start)
    if any(POLL_RETURNED.search(line) for line in lines):
        return fail("a poll_oneoff returned while a connection waited on the listener")
    if any("sock_accept(" in line for line in lines):
        return fail("the guest accepted the connection: its first poll did not stall")
    first.close()
    return True


SCENARIOS = {
    "reset-ends-server": reset_ends_server,
    "stall-in-accept": stall_in_accept,
    "stall-until-all-fire": stall_until_all_fire,
    "stall-first-poll": stall_first_poll,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--expect", help="regex of the failure line (reset-ends-server)")
    parser.add_argument("--expect-status", type=int, help="the exit status of the failure (reset-ends-server)")
    parser.add_argument("--host-behaviour", required=True, help="what the real host does that makes the guest fail")
    parser.add_argument("program", nargs="+", help="the guest module and its arguments (after --)")
    args = parser.parse_args()
    if args.scenario == "reset-ends-server" and (args.expect is None or args.expect_status is None):
        parser.error("reset-ends-server needs --expect and --expect-status")
    if not os.access(args.wasio_run, os.X_OK):
        raise SystemExit(f"FAIL: wasio-run not found at {args.wasio_run!r}")

    print(f"expected failure ({args.profile}): {args.host_behaviour}")
    # The trace is read by the stall scenarios; it would cut into the guest's own stderr lines, which
    # reset-ends-server reads.
    trace = ["--trace"] if args.scenario != "reset-ends-server" else []
    command = [args.wasio_run] + trace + ["--tcplisten", "127.0.0.1:0", "--profile", args.profile] + args.program
    server = start_server(command, ready=r"serving fd 3", quiet=True)
    try:
        ok = SCENARIOS[args.scenario](server, server.port, args)
    finally:
        server.stop()
    if not ok:
        sys.stderr.write("guest's stderr and trace (last 40 lines):\n" + "".join(server.stderr_lines[-40:]))
    print("PASS: the guest fails exactly as documented" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
