#!/usr/bin/env python3
"""Runs one module under wasio-run and checks how it ended.

Two ways to say what is expected:
  --spec NAME.json     a wasi-testsuite specification (args, env, root, exit_code, stdout, stderr;
                       a missing stdout/stderr is not checked, see the testsuite's README.md).
                       A `root` folder is copied to a fresh scratch folder (its *.cleanup
                       artifacts left out, everything made writable) and pre-opened as `/`, as
                       the suite's wasmtime adapter does; the scratch folder is removed after.
  --exit N --stdout TEXT --stderr-line TEXT --stderr-has TEXT ...   explicit expectations
Everything after `--` is passed to wasio-run before the module (e.g. --profile uvwasi).
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--module", required=True, help="the module, or - for none (option tests)")
    parser.add_argument("--spec")
    parser.add_argument("--exit", type=int)
    parser.add_argument("--stdout")
    parser.add_argument("--stderr-line", action="append", default=[],
                        help="a whole line stderr must contain")
    parser.add_argument("--stderr-has", action="append", default=[],
                        help="a substring stderr must contain")
    parser.add_argument("--stderr-regex", action="append", default=[],
                        help="a regular expression some whole stderr line must match")
    parser.add_argument("--stdout-has", action="append", default=[],
                        help="a substring stdout must contain")
    parser.add_argument("--stderr-lines", type=int, help="exact number of stderr lines")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--stdout-closed", action="store_true",
                        help="give the run a stdout pipe whose reading end is already closed")
    parser.add_argument("--scratch-parent", help="where scratch copies of a spec's root go (default: $TMPDIR)")
    parser.add_argument("extra", nargs="*")
    options = parser.parse_args()

    args, env, expected_exit, expected_stdout, expected_stderr = [], {}, 0, None, None
    scratch = None
    root = None
    if options.spec:
        with open(options.spec, encoding="utf-8") as f:
            spec = json.load(f)
        args = spec.get("args", [])
        env = spec.get("env", {})
        expected_exit = spec.get("exit_code", 0)
        expected_stdout = spec.get("stdout")
        expected_stderr = spec.get("stderr")
        if spec.get("root"):
            root = os.path.join(os.path.dirname(os.path.abspath(options.spec)), spec["root"])
    if options.exit is not None:
        expected_exit = options.exit
    if options.stdout is not None:
        expected_stdout = options.stdout

    command = [options.wasio_run] + options.extra
    if root is not None:
        if not os.path.isdir(root):
            print(f"FAIL: the spec's root {root} is missing")
            return 1
        if options.scratch_parent:
            os.makedirs(options.scratch_parent, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="wasi-root-", dir=options.scratch_parent)
        copy = os.path.join(scratch, "root")
        shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns("*.cleanup"))
        # The suite's folders are read-only in ../shared; the tests create and delete files there.
        for folder, dirs, files in os.walk(copy):
            for name in dirs + files:
                path = os.path.join(folder, name)
                if not os.path.islink(path):
                    os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
        os.chmod(copy, os.stat(copy).st_mode | stat.S_IWUSR)
        command += ["--dir", f"{copy}::/"]
    for name, value in env.items():
        command += ["--env", f"{name}={value}"]
    if options.module != "-":
        command += [options.module]
    command += args
    if options.stdout_closed:
        read_end, write_end = os.pipe()
        os.close(read_end)
        run = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE,
                             timeout=options.timeout)
        os.close(write_end)
        run.stdout = b""
    else:
        run = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=options.timeout)
    stdout = run.stdout.decode("utf-8", "replace")
    stderr = run.stderr.decode("utf-8", "replace")

    problems = []
    if run.returncode != expected_exit:
        problems.append(f"exit status {run.returncode}, expected {expected_exit}")
    if expected_stdout is not None and stdout != expected_stdout:
        problems.append(f"stdout {stdout!r}, expected {expected_stdout!r}")
    if expected_stderr is not None and stderr != expected_stderr:
        problems.append(f"stderr {stderr!r}, expected {expected_stderr!r}")
    lines = stderr.splitlines()
    for line in options.stderr_line:
        if line not in lines:
            problems.append(f"stderr lacks the line {line!r}")
    for text in options.stderr_has:
        if text not in stderr:
            problems.append(f"stderr lacks {text!r}")
    for pattern in options.stderr_regex:
        if not any(re.fullmatch(pattern, line) for line in lines):
            problems.append(f"no stderr line matches {pattern!r}")
    for text in options.stdout_has:
        if text not in stdout:
            problems.append(f"stdout lacks {text!r}")
    if options.stderr_lines is not None and len(lines) != options.stderr_lines:
        problems.append(f"stderr has {len(lines)} lines, expected {options.stderr_lines}")
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    print("$ " + " ".join(command))
    print(f"exit {run.returncode}\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
