#!/usr/bin/env python3
"""End-to-end checks of the syslog receiver's file output (--output) with util-linux logger clients.

usage: syslog_file_e2e.py --profile P [--wasio-run PATH] [--messages N] [--check NAME]... -- PROGRAM

PROGRAM ending in .wasm runs under `wasio-run --dir TMP::/logs --tcplisten 127.0.0.1:0 --profile P`;
anything else is natively linked, run with WASIO_DIR=TMP::/logs. Checks (all by default):
- rotation: 8 concurrent loggers (RFC 5424 and 3164, octet counting and newline framing) send N
  numbered messages each into /logs/out.jsonl rotating every 300 KB: every message exactly once
  across out.jsonl, out.jsonl.1, ...; every line valid JSON; no file past the rotation size (each
  line is far shorter); the receiver's output summary agrees.
- kill: 8 loggers reading 10x the messages from a pipe, and 8 counting senders (threads that know exactly how many
  messages they handed to the kernel), a huge --flush-ms (only --flush-bytes writes); mid-load the
  loggers are stopped (SIGSTOP) and the senders stop, and once the kernel holds nothing in flight
  (ss shows empty queues on both ends) the receiver gets kill -9: no file ends inside a line, every
  line is JSON, no message twice, each sender's messages in the files are a prefix of what it sent,
  and the counting senders lost fewer messages than fit in --flush-bytes (the documented bound when
  the process dies: the lines still waiting in its buffer).
- sighup: lines written, `mv out.jsonl out.jsonl.moved`, SIGHUP (to wasio-run, or the native
  receiver), more lines: the moved file holds the first batch, a new out.jsonl the second.
Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_server, stop_process_group, wasio_command  # noqa: E402

GUARD_S = 300
KINDS = [("rfc5424", True), ("rfc5424", False), ("rfc3164", True), ("rfc3164", False)]
ROTATE_BYTES = 300_000
FLUSH_BYTES = 65536
OUTPUT_SUMMARY = re.compile(r"syslog: output: path=\S+ lines=(\d+) bytes=(\d+) .* rotations=(\d+) .*"
                            r"dropped_lines=(\d+) .* unwritten=(\d+)")


def start_receiver(args, folder, extra):
    program = args.program + ["--output", "/logs/out.jsonl"] + extra
    command, env = wasio_command(program, args.profile, args.wasio_run)
    if program[0].endswith(".wasm"):
        command = [command[0], "--dir", f"{folder}::/logs"] + command[1:]
    else:
        env["WASIO_DIR"] = f"{folder}::/logs"
    return start_server(command, env, ready=r"syslog: receiving", name="receiver")


def write_message_files(folder, count, per_kind=2):
    """One input file per logger: (fmt, octet, tag, path, lines)."""
    loggers = []
    for kind_index, (fmt, octet) in enumerate(KINDS):
        for k in range(per_kind):
            tag = f"t{kind_index}x{k}"
            lines = [f"{tag} message {i} padding {'p' * (i % 50)}" for i in range(count)]
            path = os.path.join(folder, f"{tag}.txt")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            loggers.append((fmt, octet, tag, path, lines))
    return loggers


def start_loggers(port, loggers, from_stdin=False):
    """One logger per entry, reading its file (-f), or with from_stdin its standard input, fed by a
    thread: a logger that way is still sending for as long as the test lets it."""
    processes = []
    for fmt, octet, tag, path, _ in loggers:
        command = ["logger", "--tcp", "--server", "127.0.0.1", "--port", str(port), f"--{fmt}", "-t", tag,
                   "-p", "local3.warning"]
        if octet:
            command.append("--octet-count")
        if not from_stdin:
            processes.append(subprocess.Popen(command + ["-f", path]))
            continue
        process = subprocess.Popen(command, stdin=subprocess.PIPE)

        def feed(pipe=process.stdin, source=path):
            # Paced (100 lines every 5 ms at most), so the logger is still sending when the test acts,
            # however fast the machine: its socket buffer alone could swallow the whole file.
            try:
                with open(source, "rb") as f:
                    lines = f.readlines()
                for at in range(0, len(lines), 100):
                    pipe.write(b"".join(lines[at:at + 100]))
                    pipe.flush()
                    time.sleep(0.005)
                pipe.close()
            except OSError:  # the logger was killed first
                pass

        threading.Thread(target=feed, daemon=True).start()
        processes.append(process)
    return processes


def log_files(folder):
    """out.jsonl.N ... out.jsonl.1, out.jsonl: oldest first."""
    rotated = sorted(glob.glob(os.path.join(folder, "out.jsonl.*[0-9]")), key=lambda p: -int(p.rsplit(".", 1)[1]))
    current = os.path.join(folder, "out.jsonl")
    return rotated + ([current] if os.path.exists(current) else [])


def read_records(paths, problems):
    """Every line of `paths` as JSON, in order; problems gets a line per partial or bad line."""
    records = []
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            problems.append(f"{os.path.basename(path)} ends inside a line: {data[-80:]!r}")
        for number, raw in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"), 1):
            try:
                records.append(json.loads(raw))
            except ValueError as error:
                problems.append(f"{os.path.basename(path)} line {number} is not JSON ({error}): {raw[:120]!r}")
    return records


def counts_by_message(records):
    seen = {}
    for r in records:
        seen[r.get("message")] = seen.get(r.get("message"), 0) + 1
    return seen


def check_rotation(args, folder):
    problems = []
    loggers = write_message_files(folder, args.messages)
    receiver = start_receiver(args, folder, ["--idle-exit-ms", "3000", "--flush-ms", "200",
                                             "--rotate-bytes", str(ROTATE_BYTES), "--rotate-keep", "1000"])
    try:
        processes = start_loggers(receiver.port, loggers)
        codes = [p.wait(timeout=GUARD_S) for p in processes]
        code = receiver.wait(timeout=GUARD_S)
    finally:
        receiver.stop()
    if any(codes):
        problems.append(f"logger exit codes {codes}")
    if code != 0:
        problems.append(f"receiver exited with {code}")
    paths = log_files(folder)
    for path in paths:
        if os.path.getsize(path) > ROTATE_BYTES:
            problems.append(f"{os.path.basename(path)} has {os.path.getsize(path)} bytes, past --rotate-bytes")
    records = read_records(paths, problems)
    seen = counts_by_message(records)
    expected = [line for *_, lines in loggers for line in lines]
    missing = [m for m in expected if m not in seen]
    twice = [m for m, n in seen.items() if n > 1]
    if missing or twice or len(seen) != len(expected):
        problems.append(f"{len(missing)} missing (e.g. {missing[:2]}), {len(twice)} more than once, "
                        f"{len(seen) - len(expected) + len(missing)} unexpected")
    if len(paths) < 3:
        problems.append(f"only {len(paths)} files: the load should have rotated several times")
    summary = next((OUTPUT_SUMMARY.search(l) for l in receiver.stderr_lines if OUTPUT_SUMMARY.search(l)), None)
    if summary is None:
        problems.append("no output summary line")
    else:
        lines, _, rotations, dropped, unwritten = (int(g) for g in summary.groups())
        if lines != len(records) or rotations != len(paths) - 1 or dropped or unwritten:
            problems.append(f"summary lines={lines} rotations={rotations} dropped={dropped} unwritten={unwritten}; "
                            f"files hold {len(records)} lines in {len(paths)} files")
    print(f"rotation: {len(records)} lines in {len(paths)} files, {len(expected)} messages sent")
    return problems


def queues_empty(port):
    """True when no TCP connection to or from `port` holds bytes in its receive or send queue."""
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} or dport = :{port} )"],
                         capture_output=True, text=True, timeout=30).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return bool(rows) and all(row[0] == "0" and row[1] == "0" for row in rows)


class counted_sender:
    """A sender thread that counts exactly the messages it handed to the kernel (sendall returned)."""

    def __init__(self, port, index):
        self.tag = f"py{index}"
        self.octet = index % 2 == 0
        self.sent = 0
        self.stop = threading.Event()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def message(self, i):
        return f"{self.tag} message {i} padding {'q' * (i % 50)}"

    def run(self):
        try:
            while not self.stop.is_set():
                if self.octet:
                    body = f"<155>1 2026-01-01T00:00:00Z h {self.tag} 7 - - {self.message(self.sent)}".encode()
                    frame = str(len(body)).encode() + b" " + body
                else:
                    frame = f"<155>Jan  1 00:00:00 h {self.tag}[7]: {self.message(self.sent)}\n".encode()
                self.sock.sendall(frame)
                self.sent += 1
        except OSError:
            pass


def check_kill(args, folder):
    problems = []
    loggers = write_message_files(folder, args.messages * 10)
    receiver = start_receiver(args, folder, ["--flush-ms", "3600000", "--flush-bytes", str(FLUSH_BYTES),
                                             "--rotate-bytes", str(ROTATE_BYTES), "--rotate-keep", "1000"])
    processes, senders = [], []
    try:
        processes = start_loggers(receiver.port, loggers, from_stdin=True)
        senders = [counted_sender(receiver.port, i) for i in range(8)]
        # Mid-load: once some lines are in files (the loggers have far more to send).
        deadline = time.monotonic() + GUARD_S
        while sum(os.path.getsize(p) for p in log_files(folder)) < 4 * FLUSH_BYTES and time.monotonic() < deadline:
            time.sleep(0.01)
        for p in processes:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGSTOP)
        stopped_mid_load = sum(p.poll() is None for p in processes)
        for s in senders:
            s.stop.set()
        for s in senders:
            s.thread.join(timeout=GUARD_S)
        # Nothing in flight: every byte the clients sent is in the receiver, decoded and accepted.
        while not queues_empty(receiver.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(receiver.process.pid, signal.SIGKILL)
        receiver.process.wait(timeout=GUARD_S)
    finally:
        for p in processes:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        for s in senders:
            s.sock.close()
        receiver.stop()
    if stopped_mid_load == 0:
        problems.append("every logger had finished before the kill: not a mid-load kill")
    paths = log_files(folder)
    records = read_records(paths, problems)
    seen = counts_by_message(records)
    twice = [m for m, n in seen.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} messages more than once (e.g. {twice[:2]})")
    streams = [(tag, lines) for *_, tag, _, lines in loggers]
    streams += [(s.tag, [s.message(i) for i in range(s.sent)]) for s in senders]
    for tag, lines in streams:
        got = [i for i, line in enumerate(lines) if line in seen]
        if got != list(range(len(got))):
            problems.append(f"{tag}: the messages in the files are not a prefix of what it sent")
    # The counted senders know exactly what they sent, and the kernel held none of it at the kill: what
    # they lost waited in the receiver's buffer, which holds less than --flush-bytes of lines.
    lost = sum(s.sent - sum(1 for i in range(s.sent) if s.message(i) in seen) for s in senders)
    shortest = min(len(json.dumps(r, separators=(",", ":"))) + 1 for r in records) if records else 1
    bound = (FLUSH_BYTES - 1) // shortest
    if lost > bound:
        problems.append(f"the counted senders lost {lost} accepted messages, more than the bound {bound} "
                        f"(--flush-bytes {FLUSH_BYTES} / shortest line {shortest})")
    print(f"kill: {len(records)} lines in {len(paths)} files; {stopped_mid_load} loggers stopped mid-load; "
          f"counted senders sent {sum(s.sent for s in senders)}, lost {lost} (bound {bound})")
    return problems


def check_sighup(args, folder):
    problems = []
    receiver = start_receiver(args, folder, ["--flush-ms", "50"])
    try:
        def send(lines):
            with socket.create_connection(("127.0.0.1", receiver.port), timeout=GUARD_S) as s:
                s.sendall("".join(f"<13>1 - h hup - - - {line}\n" for line in lines).encode())

        def wait_lines(path, count):
            deadline = time.monotonic() + GUARD_S
            while time.monotonic() < deadline:
                if os.path.exists(path) and open(path, "rb").read().count(b"\n") >= count:
                    return True
                time.sleep(0.02)
            return False

        out = os.path.join(folder, "out.jsonl")
        send([f"before {i}" for i in range(100)])
        if not wait_lines(out, 100):
            problems.append("the first batch never reached out.jsonl")
        os.rename(out, out + ".moved")
        # SIGHUP to wasio-run (which tells the guest) or to the native receiver: the process group leader.
        os.kill(receiver.process.pid, signal.SIGHUP)
        receiver.wait_for(r"reopen", "reopen line")
        send([f"after {i}" for i in range(100)])
        if not wait_lines(out, 100):
            problems.append("no new out.jsonl with the second batch after SIGHUP")
    finally:
        receiver.stop()
    moved = [r["message"] for r in read_records([out + ".moved"], problems)] if os.path.exists(out + ".moved") else []
    fresh = [r["message"] for r in read_records([out], problems)] if os.path.exists(out) else []
    if moved != [f"before {i}" for i in range(100)]:
        problems.append(f"the moved file holds {len(moved)} lines, not the first batch")
    if fresh != [f"after {i}" for i in range(100)]:
        problems.append(f"the new out.jsonl holds {len(fresh)} lines, not the second batch")
    print(f"sighup: moved file {len(moved)} lines, new file {len(fresh)} lines")
    return problems


CHECKS = {"rotation": check_rotation, "kill": check_kill, "sighup": check_sighup}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--messages", type=int, default=2000, help="messages per logger")
    parser.add_argument("--check", action="append", choices=sorted(CHECKS))
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    for tool in ("logger", "ss"):
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed (bsdutils, iproute2)")
    failed = False
    for name in args.check or list(CHECKS):
        with tempfile.TemporaryDirectory(prefix=f"wasio-syslog-{name}-") as folder:
            logs = os.path.join(folder, "logs")
            os.mkdir(logs)
            problems = CHECKS[name](args, logs)
        for p in problems:
            print(f"FAIL {name}: {p}", file=sys.stderr)
        print(f"{'ok  ' if not problems else 'FAIL'} {name}")
        failed = failed or bool(problems)
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
