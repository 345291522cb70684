"""Starting and stopping the servers the e2e drivers and benchmarks talk to.

A wasio program runs one of two ways (wasio_command): a path ending in .wasm runs under
`wasio-run --tcplisten ADDR --profile P`; anything else is a natively linked guest run with
WASIO_TCPLISTEN=ADDR and WASIO_PROFILE=P in its environment. Either way it prints
"wasio-run: listening on ADDR:PORT (fd N)" on stderr for each listener, which Server.wait_listening
turns into ports.

Server runs a command in its own session (so stop() reaches every process it started), forwards
its stderr lines (prefixed with its name) and queues them for wait_for. Timeouts here only guard
against hangs; nothing is asserted about speed.

Import it from a driver with:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "<up to tests>", "support"))
"""

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

LISTENING = re.compile(r"listening on (\S+):(\d+) \(fd (\d+)(?:, tls)?(?:, inherited)?(?:, name [^)]*)?\)")
START_TIMEOUT_S = 600  # the first run of a .wasm may include its wasm2c translation and C build
STOP_GRACE_S = 10      # how long SIGTERM has before SIGKILL
PROFILES = ["strict", "wasmtime-legacy", "uvwasi"]
# uvwasi's poll_oneoff returns only when EVERY fd subscription fired or a clock did
# (HOST-SEMANTICS.md 4): wasio programs run there with a bounded wait (wasio/io/max_poll_wait.hpp).
# The caller's WASIO_MAX_POLL_WAIT_MS wins; env_extra can set it too (or to "" to run without).
UVWASI_MAX_POLL_WAIT_MS = "20"


GUEST_TLS_DIR = "/certs"  # where guest_tls pre-opens the certificate's folder


def wasio_command(program, profile, wasio_run=None, env_extra=None, tcplisten="127.0.0.1:0", tls=None,
                  guest_tls=None):
    """(command, env) running `program` (a list: path, then arguments) as a wasio guest listening on
    `tcplisten` under host profile `profile`. env_extra reaches the guest's environment either way
    (for a .wasm through wasio-run --env). tls=(CERT, KEY) makes the listener a TLS one
    (--tlslisten/--tls-cert/--tls-key, natively WASIO_TLSLISTEN/WASIO_TLS_CERT/WASIO_TLS_KEY).
    guest_tls=(CERT, KEY) makes the guest do TLS itself (in-guest TLS, docs/tls.md) on a plain TCP
    listener: the certificate's folder is pre-opened read-only as /certs (--dir-ro, natively
    WASIO_DIR_RO) and the program gets --tls-cert=/certs/NAME --tls-key=/certs/NAME (both files
    must be in one folder). Raises SystemExit when a .wasm needs a missing wasio-run."""
    path, arguments = program[0], list(program[1:])
    dirs_ro = []
    if guest_tls:
        folder = os.path.dirname(os.path.abspath(guest_tls[0]))
        if os.path.dirname(os.path.abspath(guest_tls[1])) != folder:
            raise SystemExit("FAIL: guest_tls needs the certificate and the key in one folder")
        dirs_ro.append(f"{folder}::{GUEST_TLS_DIR}")
        arguments += [f"--tls-cert={GUEST_TLS_DIR}/{os.path.basename(guest_tls[0])}",
                      f"--tls-key={GUEST_TLS_DIR}/{os.path.basename(guest_tls[1])}"]
    env = dict(os.environ)
    env_extra = dict(env_extra or {})
    if profile == "uvwasi" and "WASIO_MAX_POLL_WAIT_MS" not in env_extra:
        env_extra["WASIO_MAX_POLL_WAIT_MS"] = os.environ.get("WASIO_MAX_POLL_WAIT_MS", UVWASI_MAX_POLL_WAIT_MS)
    if env_extra.get("WASIO_MAX_POLL_WAIT_MS") == "":
        del env_extra["WASIO_MAX_POLL_WAIT_MS"]
        env.pop("WASIO_MAX_POLL_WAIT_MS", None)
    if path.endswith(".wasm"):
        if not wasio_run or not os.access(wasio_run, os.X_OK):
            raise SystemExit(f"FAIL: wasio-run not found at {wasio_run!r} (needed for {path})")
        command = [wasio_run, "--tcplisten", tcplisten, "--profile", profile]
        if tls:
            command[1:3] = ["--tlslisten", tcplisten, "--tls-cert", tls[0], "--tls-key", tls[1]]
        for spec in dirs_ro:
            command += ["--dir-ro", spec]
        for name, value in env_extra.items():
            command += ["--env", f"{name}={value}"]
        return command + [path] + arguments, env
    if tls:
        env.update({"WASIO_TLSLISTEN": tcplisten, "WASIO_TLS_CERT": tls[0], "WASIO_TLS_KEY": tls[1]})
    else:
        env["WASIO_TCPLISTEN"] = tcplisten
    if dirs_ro:
        env["WASIO_DIR_RO"] = ",".join(dirs_ro)
    env["WASIO_PROFILE"] = profile
    env.update(env_extra)
    return [path] + arguments, env


def stop_process_group(process, grace_s=STOP_GRACE_S):
    """SIGTERM to the process group `process` leads (started with start_new_session), SIGKILL if it
    is still there after grace_s; returns once the process is reaped."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:  # it exited between poll() and killpg()
        process.wait()


class Server:
    """A server process under test. Use as a context manager, or call stop() in a finally block."""

    def __init__(self, command, env=None, name="server", stdout=subprocess.DEVNULL, quiet=False,
                 start_timeout_s=START_TIMEOUT_S):
        self.name = name
        self.start_timeout_s = start_timeout_s
        self.quiet = quiet
        self.stderr_lines = []  # every stderr line so far, for checks of what the server printed
        self.ports = []         # one per "listening on" line wait_listening has seen
        self._lines = queue.Queue()
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                        stderr=subprocess.PIPE, text=True, errors="replace",
                                        start_new_session=True)
        # The reader also keeps draining, so the server never blocks on a full stderr pipe.
        self._reader = threading.Thread(target=self._forward, daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.stop()

    def _forward(self):
        for line in self.process.stderr:
            if not self.quiet:
                sys.stderr.write(f"{self.name}: {line}")
            self.stderr_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern, what=None):
        """The match of the first stderr line not yet waited through that matches `pattern` (a regex,
        compiled or not). Raises SystemExit when the server exits first or start_timeout_s passes."""
        if isinstance(pattern, str):
            pattern = re.compile(pattern)
        what = what or f"line matching {pattern.pattern!r}"
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"FAIL: {self.name} printed no {what} within {self.start_timeout_s} s")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self._lines.put(None)  # later waits see the end too
                raise SystemExit(f"FAIL: {self.name} exited with {self.process.wait()} before printing {what}")
            found = pattern.search(line)
            if found:
                return found

    def wait_listening(self, count=1, pattern=LISTENING):
        """Waits for `count` more "listening on ADDR:PORT" lines; returns every port seen so far."""
        for _ in range(count):
            self.ports.append(int(self.wait_for(pattern, "'listening on' line").group(2)))
        return self.ports

    @property
    def port(self):
        """The first listener's port (wait_listening must have seen it)."""
        return self.ports[0]

    def alive(self):
        return self.process.poll() is None

    def rss_bytes(self):
        """The server's resident memory now: its process group's (wasio-run, which holds the guest's
        linear memory, or the natively linked program; rss_of_group)."""
        return rss_of_group(self.process.pid)

    @property
    def returncode(self):
        return self.process.poll()

    def wait(self, timeout):
        """Waits for the server to exit by itself; its exit code (subprocess.TimeoutExpired if not)."""
        return self.process.wait(timeout=timeout)

    def stop(self):
        """Stops the server's whole process group (SIGTERM, then SIGKILL) and closes its pipe."""
        stop_process_group(self.process)
        self._reader.join(timeout=STOP_GRACE_S)
        self.process.stderr.close()


def group_pids(pgid):
    """Every live process of process group `pgid` (a Server's session: wasio-run and anything it
    started, or the natively linked program)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid:  # after "pid (comm)": state, ppid, pgrp
            pids.append(int(entry))
    return pids


def rss_of_group(pgid):
    """The summed VmRSS, in bytes, of every process in process group `pgid` (group_pids)."""
    return sum(rss_bytes(pid) or 0 for pid in group_pids(pgid))


def start_server(command, env=None, ready=None, listening=LISTENING, **options):
    """A Server running `command` once it printed its 'listening on' line (`listening`, port in group 2)
    and, when `ready` is given, a line matching that regex. options go to Server. A server that never
    gets there is stopped before the SystemExit leaves."""
    server = Server(command, env, **options)
    try:
        server.wait_listening(pattern=listening)
        if ready:
            server.wait_for(ready)
    except BaseException:
        server.stop()
        raise
    return server


def start_wasio_server(program, profile, wasio_run=None, ready=None, env_extra=None, tls=None, guest_tls=None,
                       **options):
    """start_server for `program` (path and arguments) run as wasio_command runs it."""
    command, env = wasio_command(program, profile, wasio_run, env_extra, tls=tls, guest_tls=guest_tls)
    return start_server(command, env, ready, **options)


def free_port():
    """A loopback TCP port nothing listens on right now (another process may still take it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis_server(timeout_s=30, extra_args=()):
    """(process, port) of Debian's redis-server on a free loopback port, without persistence, once it
    accepts connections; extra_args go on its command line. Stop it with stop_process_group. Raises
    SystemExit if it is not installed or does not start."""
    if shutil.which("redis-server") is None:
        raise SystemExit("FAIL: redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"] + list(extra_args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    stop_process_group(process)
    raise SystemExit(f"FAIL: redis-server did not start on port {port} within {timeout_s} s")


def rss_bytes(pid):
    """Resident set size of process `pid` in bytes (VmRSS in /proc/PID/status), None once it is gone.
    For a .wasm run this is wasio-run, which holds the guest's linear memory."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        return None
    return None
