#!/usr/bin/env python3
"""Runs hostile_fs_guest.wasm under wasio-run against a hostile pre-open (see the guest's header).

  run_hostile_fs.py --wasio-run BIN --module GUEST.wasm --scratch DIR --profile P [--race N]

Without --race: `check` mode, exit 0 and the guest's success line required. With --race N: the
guest opens d/secret N times while this driver swaps root/d with a symlink to outside/ as fast as
it can (renameat2 RENAME_EXCHANGE); the guest must never read outside/secret. Either way the
outside folder must come out exactly as it went in.
"""
import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import threading

AT_FDCWD = -100
RENAME_EXCHANGE = 2


def layout(scratch):
    shutil.rmtree(scratch, ignore_errors=True)
    root = os.path.join(scratch, "root")
    outside = os.path.join(scratch, "outside")
    os.makedirs(os.path.join(root, "d"))
    os.makedirs(outside)
    with open(os.path.join(root, "d", "secret"), "w") as f:
        f.write("INSIDE")
    with open(os.path.join(outside, "secret"), "w") as f:
        f.write("OUTSIDE")
    os.symlink(outside, os.path.join(root, "abs"))
    os.symlink("../outside", os.path.join(root, "up"))
    os.symlink("loop2", os.path.join(root, "loop1"))
    os.symlink("loop1", os.path.join(root, "loop2"))
    os.symlink("/proc/self", os.path.join(root, "proc"))
    os.symlink(outside, os.path.join(root, "swap"))
    return root, outside


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--race", type=int)
    options = parser.parse_args()
    root, outside = layout(options.scratch)
    command = [options.wasio_run, "--profile", options.profile, "--dir", f"{root}::/", options.module]
    command += ["race", str(options.race)] if options.race else ["check", options.profile]

    stop = threading.Event()
    swaps = [0]

    def swapper():
        libc = ctypes.CDLL(None, use_errno=True)
        a, b = os.path.join(root, "d").encode(), os.path.join(root, "swap").encode()
        while not stop.is_set() and swaps[0] < 5_000_000:
            if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0:
                swaps[0] += 1

    thread = threading.Thread(target=swapper) if options.race else None
    if thread:
        thread.start()
    try:
        run = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
    finally:
        stop.set()
        if thread:
            thread.join()
    stdout = run.stdout.decode("utf-8", "replace")
    stderr = run.stderr.decode("utf-8", "replace")
    print("$ " + " ".join(command))
    print(f"exit {run.returncode}\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
    if options.race:
        print(f"swaps: {swaps[0]}")
    problems = []
    if run.returncode != 0:
        problems.append(f"exit status {run.returncode}")
    if not options.race and "every hostile path got its errno" not in stdout:
        problems.append("no success line")
    if options.race and "0 leaked" not in stdout:
        problems.append("no race summary with 0 leaked")
    if sorted(os.listdir(outside)) != ["secret"]:
        problems.append(f"outside/ changed: {sorted(os.listdir(outside))}")
    with open(os.path.join(outside, "secret")) as f:
        if f.read() != "OUTSIDE":
            problems.append("outside/secret changed")
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        shutil.rmtree(options.scratch, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
