#!/usr/bin/env python3
"""The module cache cannot be poisoned: a truncated or bit-flipped object is found by its recorded
SHA-256 and rebuilt (and wasio-run says so) instead of crashing; an object that passes its hash but
does not load is rebuilt once; a cache directory or entry writable by other users is refused; the
"listening on" lines come only after the module loaded.

usage: cache_integrity_test.py WASIO_RUN EXIT_42_MODULE
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what)


def run(wasio_run, cache, *args):
    return subprocess.run([wasio_run, "--cache-dir", cache, *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


def only_entry(cache):
    listed = [e for e in os.listdir(cache) if not e.startswith(".")]
    check(len(listed) == 1, f"one entry expected, found {listed}")
    return os.path.join(cache, listed[0])


def main():
    wasio_run, exit_42 = sys.argv[1:3]
    work = tempfile.mkdtemp(prefix="wasio-cache-integrity-")
    try:
        cache = os.path.join(work, "cache")
        first = run(wasio_run, cache, "--compile-only", exit_42)
        check(first.returncode == 0, f"--compile-only failed: {first.stderr}")
        entry = only_entry(cache)
        so = os.path.join(entry, "module.so")
        with open(so, "rb") as f:
            good = f.read()
        with open(os.path.join(entry, "module.so.sha256")) as f:
            check(f.read().strip() == hashlib.sha256(good).hexdigest(), "the recorded hash is not the object's SHA-256")

        # Truncated (the SIGBUS case) and bit-flipped (the SIGSEGV / silent case) objects.
        for what, damage in [("truncated", lambda b: b[: len(b) // 3]),
                             ("bit-flipped", lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 0x10]) + b[len(b) // 2 + 1:])]:
            entry = only_entry(cache)
            with open(os.path.join(entry, "module.so"), "wb") as f:
                f.write(damage(good))
            again = run(wasio_run, cache, exit_42)
            check(again.returncode == 42, f"{what} object: run exited {again.returncode}: {again.stderr}")
            check("is damaged" in again.stderr and "rebuilding" in again.stderr,
                  f"{what} object: wasio-run did not say it rebuilds: {again.stderr!r}")
            check("host crash" not in again.stderr, f"{what} object: {again.stderr!r}")
            quiet = run(wasio_run, cache, exit_42)
            check(quiet.returncode == 42 and "rebuilding" not in quiet.stderr,
                  f"after the rebuild a run should be a plain hit: {quiet.returncode} {quiet.stderr!r}")

        # An object that matches its hash but does not load (no wasio glue): rebuilt once, and the
        # listener opens only after the good module loaded.
        entry = only_entry(cache)
        stub_c = os.path.join(work, "stub.c")
        with open(stub_c, "w") as f:
            f.write("int not_wasio(void) { return 1; }\n")
        stub = os.path.join(entry, "module.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", stub, stub_c], check=True)
        with open(stub, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(entry, "module.so.sha256"), "w") as f:
            f.write(digest)
        loaded = run(wasio_run, cache, "--tcplisten", "127.0.0.1:0", exit_42)
        check(loaded.returncode == 42, f"object without glue: run exited {loaded.returncode}: {loaded.stderr}")
        err = loaded.stderr
        check("lacks wasio's glue" in err and "rebuilding" in err, f"no rebuild after a load failure: {err!r}")
        check("listening on" in err and err.find("rebuilding") < err.find("listening on"),
              f"'listening on' came before the module loaded: {err!r}")

        # Writable by others: the directory, then an entry, are refused with the reason.
        os.chmod(cache, 0o777)
        refused = run(wasio_run, cache, exit_42)
        check(refused.returncode == 1, f"a world-writable cache directory should exit 1, exited {refused.returncode}")
        check("refusing the cache directory" in refused.stderr and "writable by other users" in refused.stderr,
              f"the refusal should give the reason: {refused.stderr!r}")
        os.chmod(cache, 0o755)
        entry = only_entry(cache)
        os.chmod(entry, 0o777)
        refused = run(wasio_run, cache, exit_42)
        check(refused.returncode == 1 and "refusing the cache entry" in refused.stderr,
              f"a world-writable entry should be refused: {refused.returncode} {refused.stderr!r}")
        os.chmod(entry, 0o700)
        os.chmod(os.path.join(entry, "module.so"), 0o666)
        refused = run(wasio_run, cache, exit_42)
        check(refused.returncode == 1 and "module.so" in refused.stderr and "writable by other users" in refused.stderr,
              f"a world-writable object should be refused: {refused.returncode} {refused.stderr!r}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
