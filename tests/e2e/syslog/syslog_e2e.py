#!/usr/bin/env python3
"""End-to-end check of the syslog receiver with util-linux logger clients.

usage: syslog_e2e.py --profile P [--wasio-run PATH] [--messages N] [--loggers-per-kind K] -- PROGRAM [ARGS...]

PROGRAM ending in .wasm runs under `wasio-run --tcplisten 127.0.0.1:0 --profile P`; anything else is a
natively linked guest run with WASIO_TCPLISTEN=127.0.0.1:0 and WASIO_PROFILE=P. The receiver gets
--idle-exit-ms: once every client is done it stops by itself and prints its summary.

Clients, all at once: K loggers for each of --rfc5424/--rfc3164 x --octet-count/newline framing, each
sending N numbered messages; plus raw clients sending malformed frames between good ones. Checked:
every message appears exactly once on stdout with the right fields, and the summary's counts.
Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server  # noqa: E402

SUMMARY = re.compile(r"syslog: summary: connections=(\d+) messages=(\d+) rfc5424=(\d+) rfc3164=(\d+) "
                     r"malformed=(\d+) bytes=(\d+)")
CLIENT_TIMEOUT_S = 300
KINDS = [("rfc5424", True), ("rfc5424", False), ("rfc3164", True), ("rfc3164", False)]

# Raw clients: each frame list is sent on one connection. Good frames carry "raw-good-N".
RAW_CLIENTS = [
    # newline framing: a line without PRI, a bad PRI, a broken RFC 5424 header, then good ones
    (b"no pri at all\n<999>bad pri\n<13>1 notatime h a - - - x\n"
     b"<13>1 - h raw 7 - - raw-good-1\n<14>Jan  2 03:04:05 h raw[8]: raw-good-2\n", 3, 2),
    # octet counting: a good frame, garbage where a length belongs, a good frame, a frame cut short
    (b"30 <13>1 - h raw 9 - - raw-good-3 xx yy 30 <13>1 - h raw 9 - - raw-good-440 <13>1 - h", 2, 2),
]


def run_loggers(port, count, per_kind, folder):
    processes, expected = [], {}
    for kind_index, (fmt, octet) in enumerate(KINDS):
        for k in range(per_kind):
            tag = f"e2e{kind_index}x{k}"
            lines = [f"{tag} message {i} with \"quotes\" and \\ backslash" for i in range(count)]
            for i, line in enumerate(lines):
                expected[line] = (fmt, tag)
            path = os.path.join(folder, f"{tag}.txt")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            command = ["logger", "--tcp", "--server", "127.0.0.1", "--port", str(port), f"--{fmt}", "-t", tag,
                       "--id=4242", "-p", "local3.warning", "-f", path]
            if octet:
                command.append("--octet-count")
            if fmt == "rfc5424":
                command += ["--msgid", "MID"]
            processes.append(subprocess.Popen(command))
    return processes, expected


def run_raw_clients(port):
    for payload, _, _ in RAW_CLIENTS:
        with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)


def check_output(path, expected):
    ok = True
    seen = {}
    raw_good = set()
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                record = json.loads(raw)
            except ValueError as error:
                print(f"FAIL: stdout line {number} is not JSON ({error}): {raw[:200]!r}", file=sys.stderr)
                ok = False
                continue
            message = record.get("message", "")
            if message.startswith("raw-good-"):
                raw_good.add(message)
                continue
            seen[message] = seen.get(message, 0) + 1
            want = expected.get(message)
            if want is None:
                print(f"FAIL: unexpected message {message!r}", file=sys.stderr)
                ok = False
                continue
            fmt, tag = want
            wrong = []
            if record.get("format") != fmt:
                wrong.append("format")
            if record.get("facility") != 19 or record.get("severity") != 4:  # local3.warning
                wrong.append("priority")
            if record.get("app_name") != tag or record.get("procid") != "4242":
                wrong.append("app_name/procid")
            if not record.get("hostname") or not record.get("timestamp"):
                wrong.append("hostname/timestamp")
            if fmt == "rfc5424" and record.get("msgid") != "MID":
                wrong.append("msgid")
            if wrong:
                print(f"FAIL: {message!r}: wrong {', '.join(wrong)} in {record}", file=sys.stderr)
                ok = False
    missing = [m for m in expected if m not in seen]
    duplicated = [m for m, n in seen.items() if n > 1]
    if missing or duplicated:
        print(f"FAIL: {len(missing)} messages missing (e.g. {missing[:3]}), {len(duplicated)} duplicated "
              f"(e.g. {duplicated[:3]})", file=sys.stderr)
        ok = False
    want_raw = {f"raw-good-{i}" for i in range(1, 5)}
    if raw_good != want_raw:
        print(f"FAIL: good frames among malformed ones: got {sorted(raw_good)}", file=sys.stderr)
        ok = False
    print(f"output: {sum(seen.values())} logger messages, {len(expected)} expected, {len(raw_good)} raw good frames")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--messages", type=int, default=1000, help="messages per logger")
    parser.add_argument("--loggers-per-kind", type=int, default=2)
    parser.add_argument("--idle-exit-ms", type=int, default=3000)
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    if shutil.which("logger") is None:
        raise SystemExit("FAIL: logger is not installed (apt-get install bsdutils)")

    program = args.program + ["--idle-exit-ms", str(args.idle_exit_ms)]
    with tempfile.TemporaryDirectory(prefix="wasio-syslog-e2e-") as folder:
        out_path = os.path.join(folder, "receiver.jsonl")
        with open(out_path, "wb") as out:
            receiver = start_wasio_server(program, args.profile, args.wasio_run, ready=r"syslog: receiving",
                                          name="receiver", stdout=out)
            try:
                loggers, expected = run_loggers(receiver.port, args.messages, args.loggers_per_kind, folder)
                run_raw_clients(receiver.port)
                logger_codes = [p.wait(timeout=CLIENT_TIMEOUT_S) for p in loggers]
                code = receiver.wait(timeout=CLIENT_TIMEOUT_S)
            finally:
                receiver.stop()
        ok = all(c == 0 for c in logger_codes)
        if not ok:
            print(f"FAIL: logger exit codes {logger_codes}", file=sys.stderr)
        if code != 0:
            print(f"FAIL: receiver exited with {code}", file=sys.stderr)
            ok = False
        ok = check_output(out_path, expected) and ok

    summary = next((SUMMARY.search(l) for l in receiver.stderr_lines if SUMMARY.search(l)), None)
    if summary is None:
        print("FAIL: no summary line", file=sys.stderr)
        return 1
    connections, messages, rfc5424, rfc3164, malformed, _ = (int(g) for g in summary.groups())
    raw_good = sum(good for _, _, good in RAW_CLIENTS)
    want_malformed = sum(bad for _, bad, _ in RAW_CLIENTS)
    per_format = args.messages * args.loggers_per_kind * 2
    want = (len(loggers) + len(RAW_CLIENTS), per_format * 2 + raw_good, want_malformed)
    got = (connections, messages, malformed)
    # raw-good-2 is the one RFC 3164 message among the raw clients' good frames.
    if got != want or rfc5424 + rfc3164 != messages or rfc3164 != per_format + 1:
        print(f"FAIL: summary (connections, messages, malformed) = {got}, expected {want}; "
              f"rfc5424={rfc5424} rfc3164={rfc3164}", file=sys.stderr)
        ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
