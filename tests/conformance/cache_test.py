#!/usr/bin/env python3
"""wasio-run's module cache: one entry per module, hits reuse it, a hash collision (a stored
module whose bytes differ) is never run, concurrent first runs publish one complete entry.

usage: cache_test.py WASIO_RUN EXIT_42_MODULE RETURNS_MODULE
"""
import os
import shutil
import subprocess
import sys
import tempfile


def entries(cache):
    return sorted(e for e in os.listdir(cache))


def run(wasio_run, cache, *args):
    return subprocess.run([wasio_run, "--cache-dir", cache, *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


def main():
    wasio_run, exit_42, returns = sys.argv[1:4]
    failures = []

    def check(condition, what):
        if not condition:
            failures.append(what)

    cache = tempfile.mkdtemp(prefix="wasio-cache-test-")
    try:
        first = run(wasio_run, cache, "--compile-only", exit_42)
        check(first.returncode == 0, f"--compile-only failed: {first.stderr}")
        listed = entries(cache)
        check(len(listed) == 1 and listed[0].endswith("-0"), f"one slot-0 entry expected, found {listed}")
        entry = os.path.join(cache, listed[0]) if listed else cache
        so = os.path.join(entry, "module.so")
        check(os.path.exists(so) and os.path.exists(os.path.join(entry, "module.wasm")),
              "entry lacks module.so or module.wasm")
        stamp = os.stat(so).st_mtime_ns if os.path.exists(so) else 0

        again = run(wasio_run, cache, exit_42)
        check(again.returncode == 42, f"cached run exited {again.returncode}: {again.stderr}")
        check(entries(cache) == listed, f"a hit created entries: {entries(cache)}")
        check(os.path.exists(so) and os.stat(so).st_mtime_ns == stamp, "a hit rebuilt module.so")

        # Simulated collision: the slot holds another module's bytes under our key.
        with open(os.path.join(entry, "module.wasm"), "wb") as f:
            f.write(b"\0asm\1\0\0\0 not the module that was hashed")
        collided = run(wasio_run, cache, exit_42)
        check(collided.returncode == 42, f"run after a collision exited {collided.returncode}: {collided.stderr}")
        after = entries(cache)
        check(len(after) == 2 and after[1].endswith("-1"), f"collision should fill slot 1, found {after}")
        check(os.stat(so).st_mtime_ns == stamp, "the colliding slot was overwritten")

        # Concurrent first runs of another module: all succeed, one entry, no temporaries left.
        racers = [subprocess.Popen([wasio_run, "--cache-dir", cache, returns], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
        for racer in racers:
            out, err = racer.communicate(timeout=300)
            check(racer.returncode == 0, f"concurrent run exited {racer.returncode}: {err}")
        final = entries(cache)
        check(len(final) == 3, f"concurrent runs should add exactly one entry: {final}")
        check(not any(e.startswith(".tmp-") for e in final), f"temporary directories left: {final}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    # The key covers what wasm2c says it is and the runtime sources it compiles with every module:
    # a changed wabt or runtime rebuilds instead of reusing an object made with the old ones.
    work = tempfile.mkdtemp(prefix="wasio-cache-key-test-")
    try:
        cache = os.path.join(work, "cache")
        runtime = os.path.join(work, "runtime")
        shutil.copytree(os.environ.get("WASIO_WASM2C_RUNTIME", "/usr/share/wabt/wasm2c"), runtime)
        version_file = os.path.join(work, "version")
        with open(version_file, "w") as f:
            f.write("1.0.32\n")
        real_wasm2c = shutil.which(os.environ.get("WASIO_WASM2C", "wasm2c"))
        wrapper = os.path.join(work, "wasm2c")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nif [ "$1" = --version ]; then cat "{version_file}"; exit 0; fi\n'
                    f'exec "{real_wasm2c}" "$@"\n')
        os.chmod(wrapper, 0o755)
        env = dict(os.environ, WASIO_WASM2C=wrapper, WASIO_WASM2C_RUNTIME=runtime)

        def compile_once(what):
            done = subprocess.run([wasio_run, "--cache-dir", cache, "--compile-only", returns], env=env,
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
            check(done.returncode == 0, f"{what}: --compile-only failed: {done.stderr}")
            return entries(cache)

        base = compile_once("first compile")
        check(len(base) == 1, f"one entry expected, found {base}")
        check(compile_once("unchanged tools") == base, "an unchanged setup must hit")
        with open(version_file, "w") as f:
            f.write("1.0.33\n")
        after_upgrade = compile_once("new wasm2c version")
        check(len(after_upgrade) == 2, f"a new wasm2c --version must give a new entry, found {after_upgrade}")
        with open(os.path.join(runtime, "wasm-rt-impl.c"), "a") as f:
            f.write("\n/* patched runtime */\n")
        after_patch = compile_once("patched runtime")
        check(len(after_patch) == 3, f"changed runtime sources must give a new entry, found {after_patch}")

        # An entry that cannot be looked at (a symlink loop) is a clear error, not an exception.
        for name in after_patch:
            path = os.path.join(cache, name)
            shutil.rmtree(path)
            os.symlink(name, path)
        looped = subprocess.run([wasio_run, "--cache-dir", cache, "--compile-only", returns], env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        check(looped.returncode == 1, f"a looping cache entry should exit 1, exited {looped.returncode}: {looped.stderr}")
        check("cannot read the module cache" in looped.stderr and "symbolic links" in looped.stderr,
              f"the error should name the cache problem: {looped.stderr!r}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
