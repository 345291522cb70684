#!/usr/bin/env python3
"""systemd socket activation and readiness (docs/systemd.md), with Debian's systemd-socket-activate
and a notify socket this driver opens.

usage: systemd_e2e.py --example echo|http --profile P [--wasio-run PATH] -- PROGRAM [ARGS...]

PROGRAM ending in .wasm runs under wasio-run, anything else is the natively linked example. Checked:
- activated: `systemd-socket-activate -l 127.0.0.1:P1 -l 127.0.0.1:P2 --fdname=web:admin` starts the
  server on the first connection; with a pre-opened directory at guest fd 3, the inherited sockets
  (host fds 3 and 4) are guest fds 4 and 5 ("inherited, name web" / "name admin"), ahead of a named
  --tcplisten / WASIO_TCPLISTEN one (fd 6, "name extra"); the guest itself reports the three names
  ("serving 3 listener(s) ... named: 4=web 5=admin 6=extra"; natively this also shows LISTEN_FDS
  did not reach the guest's environment: it would have made the guest take fds 3 and 4); requests
  are served on all three; the notify socket receives READY=1, then after SIGTERM STOPPING=1, in that
  order and nothing else; exit 0.
- refused: an inherited fd 3 that is not a listening TCP socket (a UDP socket from
  `systemd-socket-activate --datagram`, a TCP socket that does not listen, /dev/null) ends the run
  with status 1 and a line naming fd 3 and what it is.
- foreign: LISTEN_PID of another process: the variables are ignored (fd 3, a real listening socket,
  is not adopted; only the --tcplisten listener serves).
Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import errno
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import Server, free_port, stop_process_group  # noqa: E402

GUARD_S = 120  # against hangs only (the first run may translate and compile the module)
failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def is_wasm(program):
    return program[0].endswith(".wasm")


def guest_command(args, extra_listener, directory=None):
    """(command, -E settings) running the program with one more listener of its own and, when given,
    a pre-opened directory (which takes guest fd 3, so every listener's guest fd is its host fd + 1)."""
    program = args.program
    env = {"WASIO_CACHE_DIR": os.environ.get("WASIO_CACHE_DIR", "")}
    if args.profile == "uvwasi":
        env["WASIO_MAX_POLL_WAIT_MS"] = "20"  # as wasio_server.py runs every uvwasi server
    if is_wasm(program):
        command = [args.wasio_run, "--profile", args.profile]
        if directory:
            command += ["--dir", directory]
        if extra_listener:
            command += ["--tcplisten", extra_listener]
        if "WASIO_MAX_POLL_WAIT_MS" in env:
            command += ["--env", "WASIO_MAX_POLL_WAIT_MS=" + env.pop("WASIO_MAX_POLL_WAIT_MS")]
        return command + list(program), env
    env["WASIO_PROFILE"] = args.profile
    if directory:
        env["WASIO_DIR"] = directory
    if extra_listener:
        env["WASIO_TCPLISTEN"] = extra_listener
    return list(program), env


class NotifySocket:
    """An AF_UNIX datagram socket, as a service manager's NOTIFY_SOCKET."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.received = []

    def next(self, timeout=GUARD_S):
        self.sock.settimeout(timeout)
        try:
            datagram = self.sock.recv(4096).decode()
        except socket.timeout:
            return None
        self.received.append(datagram)
        return datagram

    def drain(self):
        """Whatever else arrived, without waiting."""
        while self.next(timeout=0.01) is not None:
            pass
        return self.received

    def close(self):
        self.sock.close()


def echo_round_trip(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD_S) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk


def http_get(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=GUARD_S)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def serves(example, port, what):
    if example == "echo":
        payload = f"through {what}\n".encode() * 100
        return expect(echo_round_trip(port, payload) == payload, f"echo through {what} (port {port})")
    status, body = http_get(port)
    return expect(status == 200 and b"Hello" in body, f"GET / through {what} (port {port}) gave {status} {body[:60]!r}")


def start_activated(args, notify, directory):
    """A Server running the program under systemd-socket-activate on two free ports; retries when a
    port was taken between choosing and binding it. Returns (server, [port1, port2])."""
    for _attempt in range(5):
        ports = [free_port(), free_port()]
        if ports[0] == ports[1]:
            continue
        command, env = guest_command(args, "extra=127.0.0.1:0", directory)
        settings = [f"-E{name}={value}" for name, value in env.items()] + [f"-ENOTIFY_SOCKET={notify.path}"]
        wrapper = ["systemd-socket-activate", f"-l127.0.0.1:{ports[0]}", f"-l127.0.0.1:{ports[1]}",
                   "--fdname=web:admin"] + settings
        server = Server(wrapper + command, name="activated")
        try:
            for port in ports:
                server.wait_for(rf"Listening on 127\.0\.0\.1:{port} as", "systemd-socket-activate's listening line")
            return server, ports
        except SystemExit:
            text = "".join(server.stderr_lines)
            server.stop()
            if "Address already in use" in text or os.strerror(errno.EADDRINUSE) in text:
                continue
            raise
    raise SystemExit("FAIL: no free port pair for systemd-socket-activate after 5 attempts")


LISTENING = r"listening on 127\.0\.0\.1:(\d+) \(fd {fd}{extra}\)"


def activated(args):
    folder = tempfile.mkdtemp(prefix="wasio-systemd-")
    notify = NotifySocket(folder)
    server = None
    try:
        server, ports = start_activated(args, notify, folder)
        # systemd-socket-activate execs the server on the first connection: this request starts it.
        serves(args.example, ports[0], "the first inherited socket")
        # Host fds 3 and 4 are guest fds 4 and 5: the directory comes first (wasi-libc's pre-open scan).
        server.wait_for(rf"directory {re.escape(folder)} as {re.escape(folder)} \(fd 3\)", "the directory at fd 3")
        lines = [server.wait_for(LISTENING.format(fd=fd, extra=extra), f"fd {fd} listening line")
                 for fd, extra in ((4, ", inherited, name web"), (5, ", inherited, name admin"), (6, ", name extra"))]
        expect([int(m.group(1)) for m in lines[:2]] == ports, f"guest fds 4 and 5 are the inherited ports {ports}")
        extra_port = int(lines[2].group(1))
        server.wait_for(rf"{args.example}: serving 3 listener\(s\).*named: 4=web 5=admin 6=extra",
                        "the guest's serving line with the three names")
        expect(notify.next() == "READY=1\nSTATUS=serving 3 listener(s)", f"READY=1 first, got {notify.received}")
        serves(args.example, ports[1], "the second inherited socket")
        serves(args.example, extra_port, "the named --tcplisten listener")
        server.process.send_signal(signal.SIGTERM)
        try:
            status = server.wait(GUARD_S)
        except subprocess.TimeoutExpired:
            status = None
        expect(status == 0, f"exit status after SIGTERM: {status}")
        received = notify.drain()
        expect(len(received) == 2 and received[1].startswith("STOPPING=1\nSTATUS=draining"),
               f"READY=1 then STOPPING=1 and nothing else: {received}")
    finally:
        if server:
            server.stop()
        notify.close()
        shutil.rmtree(folder, ignore_errors=True)


def with_fd3(make_fd3, command, env, listen_pid_of_child=True):
    """Starts `command` with fd 3 from make_fd3() (an object with fileno()), LISTEN_FDS=1,
    LISTEN_FDNAMES=web and LISTEN_PID the child's own pid (bash's exec keeps it) or pid 1's.
    Returns the Popen (stderr piped)."""
    fd3_owner = make_fd3()
    fd = fd3_owner.fileno()
    pid = '"$$"' if listen_pid_of_child else "1"
    # bash, not sh: dash's redirections take single-digit fds only.
    move = "" if fd == 3 else f" 3<&{fd} {fd}<&-"
    script = f'export LISTEN_PID={pid} LISTEN_FDS=1 LISTEN_FDNAMES=web; exec "$@"{move}'
    full_env = dict(os.environ)
    full_env.update(env)
    process = subprocess.Popen(["bash", "-c", script, "bash"] + command, env=full_env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               pass_fds=(fd,), start_new_session=True)
    fd3_owner.close()
    return process


def refused(args):
    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        return s

    def unlistened_tcp():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        return s

    cases = [(udp, "a datagram socket"), (unlistened_tcp, "a stream socket that is not listening"),
             (lambda: open(os.devnull, "rb"), "a character device, not a socket")]
    command, env = guest_command(args, None)
    for make, what in cases:
        process = with_fd3(make, command, env)
        try:
            _, stderr = process.communicate(timeout=GUARD_S)
        except subprocess.TimeoutExpired:
            stop_process_group(process)
            expect(False, f"fd 3 as {what}: no exit within {GUARD_S} s")
            continue
        expect(process.returncode == 1, f"fd 3 as {what}: exit status {process.returncode}, want 1")
        expect(re.search(r"inherited socket 1 of 1 \(fd 3, named web, LISTEN_FDS\): " + re.escape(what), stderr),
               f"fd 3 as {what}: the refusal names it: {stderr.strip()!r}")

    # systemd-socket-activate's own datagram socket, started by a first datagram.
    for _attempt in range(5):
        port = free_port()
        wrapper = ["systemd-socket-activate", "--datagram", f"-l127.0.0.1:{port}"] + \
                  [f"-E{name}={value}" for name, value in env.items()]
        server = Server(wrapper + command, name="datagram")
        try:
            server.wait_for(rf"Listening on 127\.0\.0\.1:{port} as", "systemd-socket-activate's listening line")
        except SystemExit:
            if "Address already in use" in "".join(server.stderr_lines):
                server.stop()
                continue
            server.stop()
            raise
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"start", ("127.0.0.1", port))
        try:
            server.wait_for(r"inherited socket 1 of 1 \(fd 3, LISTEN_FDS\): a datagram socket", "the refusal")
            status = server.wait(GUARD_S)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            server.stop()
        expect(status == 1, f"a --datagram socket: exit status {status}, want 1")
        break


def foreign(args):
    """LISTEN_PID of another process: nothing is adopted, fd 3 stays the process's own business."""
    def listening():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        return s

    command, env = guest_command(args, "127.0.0.1:0")
    process = with_fd3(listening, command, env, listen_pid_of_child=False)
    lines = []
    try:
        deadline = time.monotonic() + GUARD_S
        serving = re.compile(rf"{args.example}: serving (\d+) listener")
        found = None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = serving.search(line)
            if found:
                break
        expect(found is not None and found.group(1) == "1", f"one listener served, got {lines}")
        listening_lines = [l for l in lines if "listening on" in l]
        expect(len(listening_lines) == 1 and "inherited" not in listening_lines[0],
               f"only the --tcplisten listener, not inherited: {listening_lines}")
        if listening_lines:
            port = int(re.search(r":(\d+) \(fd", listening_lines[0]).group(1))
            serves(args.example, port, "the --tcplisten listener next to foreign LISTEN_* variables")
    finally:
        stop_process_group(process)
        process.stderr.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", choices=["echo", "http"], required=True)
    parser.add_argument("--profile", default="strict")
    parser.add_argument("--wasio-run")
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    args.program = [p for p in args.program if p != "--"]
    if shutil.which("systemd-socket-activate") is None:
        raise SystemExit("FAIL: systemd-socket-activate is not installed (apt-get install systemd)")
    activated(args)
    if args.example == "echo":
        refused(args)
        foreign(args)
    if failures:
        print(f"FAIL: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
