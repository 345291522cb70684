#!/usr/bin/env python3
"""Differential test of wasio-run's uvwasi profile against the real uvwasi (Node's node:wasi).

usage: differential.py --probe PROBE.wasm --wasio-run PATH [--node PATH] [--exceptions FILE] [--setup NAME]...

Runs the probe guest (tests/wasm/uvwasi_probe) under `node run_under_node.mjs` and under
`wasio-run --profile uvwasi`, once per stdio set-up, with the same arguments, environment and stdio:
  pipe       stdin an empty pipe kept open (never readable), stdout and stderr pipes
  pipe-data  stdin a pipe holding a line, kept open; stdout and stderr pipes
  file       stdin, stdout and stderr regular files
  devnull    stdin and stderr /dev/null, stdout a pipe
Each output line is one case ("name: fields"); the two outputs are compared case by case. A case that
differs must be listed in the exceptions file (exceptions.txt beside this script: "SETUP CASE reason",
SETUP may be *), and a listed exception that no longer differs fails the test too, so the list stays
true. Without node the test FAILS: it never passes silently.
Timeouts only guard against hangs; nothing is asserted about time.
"""

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile

SETUPS = ["pipe", "pipe-data", "file", "devnull"]
RUN_TIMEOUT_S = 300  # the first wasio-run includes the module's wasm2c translation
ENV = {"PROBE_A": "1", "PROBE_B": "two words"}
ARGS = ["second argument", "3"]
HERE = os.path.dirname(os.path.abspath(__file__))


def run_probe(command, setup, folder, label):
    """Runs `command` with the set-up's stdio; returns (exit code, stdout text)."""
    opened = []
    keep_writer = None

    def open_file(name, mode, content=None):
        path = os.path.join(folder, f"{label}-{name}")
        if content is not None:
            with open(path, "wb") as f:
                f.write(content)
        f = open(path, mode)
        opened.append(f)
        return f, path

    stdout_path = None
    if setup in ("pipe", "pipe-data"):
        reader, keep_writer = os.pipe()
        if setup == "pipe-data":
            os.write(keep_writer, b"probe-input\n")
        stdin, stdout, stderr = reader, subprocess.PIPE, subprocess.PIPE
    elif setup == "file":
        stdin, _ = open_file("stdin", "rb", b"file-input\n")
        stdout, stdout_path = open_file("stdout", "wb")
        stderr, _ = open_file("stderr", "wb")
    elif setup == "devnull":
        stdin, stdout, stderr = subprocess.DEVNULL, subprocess.PIPE, subprocess.DEVNULL
    else:
        raise SystemExit(f"FAIL: unknown set-up {setup!r}")
    try:
        process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr)
        if setup in ("pipe", "pipe-data"):
            os.close(stdin)
        try:
            out, err = process.communicate(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise SystemExit(f"FAIL: {label} did not finish the {setup} set-up within {RUN_TIMEOUT_S} s (hang)")
        code = process.returncode
        if stdout_path is not None:
            stdout.close()
            with open(stdout_path, "rb") as f:
                out = f.read()
        if err:
            sys.stderr.write(f"{label} stderr ({setup}): {err.decode(errors='replace')}")
        return code, out.decode(errors="replace")
    finally:
        if keep_writer is not None:
            os.close(keep_writer)
        for f in opened:
            f.close()


def parse_cases(text):
    """{case name: fields} in output order; a repeated name is a probe bug."""
    cases = {}
    for line in text.splitlines():
        name, sep, fields = line.partition(":")
        if not sep:
            continue
        if name in cases:
            raise SystemExit(f"FAIL: the probe printed case {name!r} twice")
        cases[name] = fields.strip()
    return cases


def load_exceptions(path):
    """[(setup pattern, case pattern, reason)] from the exceptions file."""
    found = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split(None, 2)
            if len(words) < 3:
                raise SystemExit(f"FAIL: {path}:{number}: want 'SETUP CASE reason'")
            found.append((words[0], words[1], words[2]))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--node", default=shutil.which("node") or "/usr/bin/node")
    parser.add_argument("--exceptions", default=os.path.join(HERE, "exceptions.txt"))
    parser.add_argument("--setup", action="append", choices=SETUPS)
    args = parser.parse_args()
    if not (os.path.isfile(args.node) and os.access(args.node, os.X_OK)):
        print(f"FAIL: node not found ({args.node!r}): the differential test needs Node's node:wasi "
              "(scripts/setup.sh installs Debian's nodejs)", file=sys.stderr)
        return 1
    probe = os.path.abspath(args.probe)
    if not os.path.isfile(probe):
        raise SystemExit(f"FAIL: probe module {probe!r} not found")
    env_words = [f"--env={k}={v}" for k, v in ENV.items()]
    exceptions = load_exceptions(args.exceptions)
    used = set()
    total = agree = excused = 0
    unexplained = []
    with tempfile.TemporaryDirectory(prefix="wasio-differential-") as folder:
        for setup in args.setup or SETUPS:
            node_command = [args.node, "--no-warnings", os.path.join(HERE, "run_under_node.mjs"), probe] + env_words + [
                setup] + ARGS
            wasio_command = [args.wasio_run, "--profile", "uvwasi"] + env_words + [probe, setup] + ARGS
            node_code, node_out = run_probe(node_command, setup, folder, "node")
            wasio_code, wasio_out = run_probe(wasio_command, setup, folder, "wasio-run")
            node_cases, wasio_cases = parse_cases(node_out), parse_cases(wasio_out)
            if "end" not in node_cases:
                raise SystemExit(f"FAIL: the probe did not finish under node ({setup}, exit {node_code}):\n{node_out}")
            node_cases["exit-code"] = str(node_code)
            wasio_cases["exit-code"] = str(wasio_code)
            for name in list(node_cases) + [n for n in wasio_cases if n not in node_cases]:
                total += 1
                want, got = node_cases.get(name, "<missing>"), wasio_cases.get(name, "<missing>")
                if want == got:
                    agree += 1
                    continue
                matching = [i for i, (s, c, _) in enumerate(exceptions)
                            if fnmatch.fnmatchcase(setup, s) and fnmatch.fnmatchcase(name, c)]
                if matching:
                    excused += 1
                    used.update(matching)
                    print(f"exception {setup} {name}: node {want!r}, wasio {got!r} ({exceptions[matching[0]][2]})")
                else:
                    unexplained.append(f"{setup} {name}: node {want!r}, wasio-run {got!r}")
    for line in unexplained:
        print(f"DIFFERENT {line}", file=sys.stderr)
    stale = [exceptions[i] for i in range(len(exceptions)) if i not in used]
    for s, c, reason in stale:
        print(f"STALE exception (no longer differs): {s} {c} ({reason})", file=sys.stderr)
    print(f"differential: {agree} of {total} probe cases agree with node; {excused} documented exceptions; "
          f"{len(unexplained)} unexplained; {len(stale)} stale exceptions")
    ok = not unexplained and not stale
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
