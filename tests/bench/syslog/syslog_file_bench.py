#!/usr/bin/env python3
"""Syslog to a file: messages per second with 8 concurrent TCP senders, syslog_receiver (.wasm under
wasio-run, and natively linked with --native) writing JSON lines with --output, against Debian's rsyslog
(imtcp, one omfile action writing %jsonmesg% lines) when rsyslogd is installed; side by side in one run.

usage: syslog_file_bench.py --bin-dir build/bin [--messages N] [--senders S] [--rounds R] [--profile P]
                            [--native] [--quick]

Each sender is a thread with one connection that sends a pre-built buffer of N octet-counted RFC 5424
frames (sendall in large pieces, so the senders are not the bottleneck). A run's time is from the first
connect until the output file holds every line (polled every 10 ms); msgs/s = senders * N / time. Each
server gets a fresh process and folder per run; the order rotates between rounds. Nothing is asserted.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import socket

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, free_port, start_server, stop_process_group, wasio_command  # noqa: E402

RSYSLOG_CONF = """global(workDirectory="{folder}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{port}")
template(name="jsonl" type="string" string="%jsonmesg%\\n")
*.* action(type="omfile" file="{folder}/out.jsonl" template="jsonl")
"""


def frames(sender, count):
    out = bytearray()
    for i in range(count):
        body = (f"<134>1 2026-12-01T08:00:00.000000Z bench app{sender} {1000 + sender} MID - "
                f"sender {sender} message {i} lorem ipsum dolor sit amet").encode()
        out += str(len(body)).encode() + b" " + body
    return bytes(out)


class line_counter:
    """Counts the lines of folder/out.jsonl incrementally (no rotation in this benchmark)."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "out.jsonl")
        self.offset = 0
        self.lines = 0

    def count(self):
        if os.path.exists(self.path):
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
            self.offset += len(data)
            self.lines += data.count(b"\n")
        return self.lines


def run_load(port, blobs, folder, expected, timeout_s=300):
    start = time.monotonic()

    def send(blob):
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
            view = memoryview(blob)
            for at in range(0, len(blob), 1 << 20):
                s.sendall(view[at:at + (1 << 20)])

    threads = [threading.Thread(target=send, args=(b,)) for b in blobs]
    for t in threads:
        t.start()
    seen = 0
    counter = line_counter(folder)
    while time.monotonic() - start < timeout_s:
        seen = counter.count()
        if seen >= expected:
            break
        time.sleep(0.01)
    elapsed = time.monotonic() - start
    for t in threads:
        t.join(timeout=timeout_s)
    if seen < expected:
        raise SystemExit(f"only {seen} of {expected} lines after {timeout_s} s")
    return expected / elapsed


class ours:
    def __init__(self, program, profile, wasio_run, folder, extra):
        command, env = wasio_command(program + ["--output", "/logs/out.jsonl"] + extra, profile, wasio_run)
        if program[0].endswith(".wasm"):
            command = [command[0], "--dir", f"{folder}::/logs"] + command[1:]
        else:
            env["WASIO_DIR"] = f"{folder}::/logs"
        self.server = start_server(command, env, r"syslog: receiving", name="syslog", quiet=True)
        self.port = self.server.port

    def stop(self):
        self.server.stop()


class rsyslog:
    def __init__(self, folder):
        self.port = free_port()
        conf = os.path.join(folder, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(folder=folder, port=self.port))
        self.process = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(folder, "rsyslog.pid")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("rsyslogd did not start")

    def stop(self):
        stop_process_group(self.process)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--messages", type=int, default=50000, help="per sender")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="strict", choices=PROFILES)
    parser.add_argument("--native", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.rounds = 5000, 1
    os.environ.setdefault("WASIO_CACHE_DIR", os.path.join(os.path.dirname(os.path.abspath(args.bin_dir)), "wasm-cache"))
    wasio_run = os.path.join(args.bin_dir, "wasio-run")
    wasm = [os.path.join(args.bin_dir, "syslog_receiver.wasm")]
    servers = {
        "syslog_receiver.wasm, fsync interval": lambda d: ours(wasm, args.profile, wasio_run, d, []),
        "syslog_receiver.wasm, fsync never": lambda d: ours(wasm, args.profile, wasio_run, d, ["--fsync", "never"]),
    }
    if args.native:
        servers["syslog_receiver (native), fsync interval"] = lambda d: ours(
            [os.path.join(args.bin_dir, "syslog_receiver")], args.profile, None, d, [])
    if shutil.which("rsyslogd"):
        servers["rsyslogd imtcp + omfile"] = lambda d: rsyslog(d)
    else:
        print("rsyslogd is not installed: reporting ours alone")
    blobs = [frames(s, args.messages) for s in range(args.senders)]
    expected = args.senders * args.messages
    rates = {name: [] for name in servers}
    print(f"{args.senders} senders x {args.messages} messages ({sum(map(len, blobs)) / 2**20:.1f} MiB of frames), "
          f"{args.rounds} round(s); {os.cpu_count()} CPUs", flush=True)
    for round_index in range(args.rounds):
        order = list(servers)
        order = order[round_index % len(order):] + order[:round_index % len(order)]
        for name in order:
            with tempfile.TemporaryDirectory(prefix="wasio-syslog-bench-") as folder:
                server = servers[name](folder)
                try:
                    rate = run_load(server.port, blobs, folder, expected)
                finally:
                    server.stop()
            rates[name].append(rate)
            print(f"  round {round_index + 1}: {name:42} {rate:10.0f} msgs/s", flush=True)
    print("\nmessages/sec, median of the rounds:")
    first = list(servers)[0]
    for name in servers:
        ratios = [v / r for v, r in zip(rates[name], rates[first])]
        print(f"  {name:42} {statistics.median(rates[name]):10.0f}  {statistics.median(ratios):5.2f}x of the first")
    return 0


if __name__ == "__main__":
    sys.exit(main())
