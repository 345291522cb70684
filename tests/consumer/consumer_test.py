#!/usr/bin/env python3
"""wasio used from outside its tree, the way a user does it (README, "Use wasio from your project").

1. `cmake --install BUILD --prefix TMP/prefix` of this build.
2. The starter template (starter/) copied to TMP and built against that prefix alone, natively and
   for wasm32-wasi (with the installed toolchain file); then the same source built with nothing
   but pkg-config (wasio-guest.pc, native and wasm32-wasi).
3. Each program served with a real client: the native ones with WASIO_TCPLISTEN, the .wasm ones
   under the installed wasio-run; the starter upper-cases what it receives.
4. wasio as a subproject (add_subdirectory of the source tree) of a parent project that sets no
   build type and has no llhttp: only the libraries build, the parent's cache keeps its own values.

No step may reach into the source tree except step 4, which is about exactly that: a check greps the
out-of-tree builds' caches and compile commands for the source folder.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from wasio_server import Server  # noqa: E402

STEP_TIMEOUT_S = 900  # a configure or build; only guards against hangs


def run(command, **kwargs):
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, timeout=STEP_TIMEOUT_S, **kwargs)


def output(command, **kwargs):
    return subprocess.run(command, check=True, timeout=STEP_TIMEOUT_S, capture_output=True, text=True,
                          **kwargs).stdout.split()


def check_upper_cases(port):
    """The starter's protocol: every byte comes back upper-cased; the server closes after our FIN."""
    message = b"hello from outside the tree\n" * 50
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(message)
        client.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    if received != message.upper():
        raise SystemExit(f"FAIL: port {port} answered {received[:80]!r}... ({len(received)} bytes), "
                         f"expected the {len(message)} bytes upper-cased")


def serve_and_check(name, command, env=None):
    with Server(command, env=env, name=name) as server:
        port = server.wait_listening()[0]
        check_upper_cases(port)
        print(f"ok: {name} served a real client on port {port}", flush=True)


def native_env():
    env = dict(os.environ, WASIO_TCPLISTEN="127.0.0.1:0")
    env.pop("WASIO_PROFILE", None)
    return env


def assert_no_source_paths(build_dir, source_dir):
    for name in ("CMakeCache.txt", "compile_commands.json", "build.ninja"):
        path = os.path.join(build_dir, name)
        if os.path.exists(path) and source_dir in open(path, encoding="utf-8", errors="replace").read():
            raise SystemExit(f"FAIL: {path} names the wasio source tree {source_dir}: the consumer "
                             "build must need only the install prefix")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", required=True, help="wasio's configured and built build folder")
    parser.add_argument("--source-dir", required=True, help="wasio's source folder")
    parser.add_argument("--with-wasm", action="store_true", help="the build has its wasm32-wasi half")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    source_dir = os.path.realpath(args.source_dir)

    scratch = tempfile.mkdtemp(prefix="wasio-consumer-")
    try:
        prefix = os.path.join(scratch, "prefix")
        run(["cmake", "--install", args.build_dir, "--prefix", prefix])
        project = os.path.join(scratch, "starter")
        shutil.copytree(os.path.join(source_dir, "starter"), project)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []

        # --- CMake package, native.
        native = os.path.join(scratch, "build-native")
        run(["cmake", "-S", project, "-B", native, *generator, f"-DCMAKE_PREFIX_PATH={prefix}"])
        run(["cmake", "--build", native, "-j2"])
        assert_no_source_paths(native, source_dir)
        serve_and_check("starter-native", [os.path.join(native, "starter_server")], native_env())

        # --- pkg-config, native.
        pc_env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        flags = output(["pkg-config", "--cflags", "--libs", "wasio-guest"], env=pc_env)
        pc_native = os.path.join(scratch, "starter-pkg-config")
        run(["c++", "-O2", os.path.join(project, "main.cpp"), "-o", pc_native, *flags])
        serve_and_check("starter-pkg-config", [pc_native], native_env())

        wasio_run = os.path.join(prefix, "bin", "wasio-run")
        cache = ["--cache-dir", os.path.join(scratch, "wasm-cache")]
        if args.with_wasm:
            # --- CMake package, wasm32-wasi, with the installed toolchain file.
            wasm = os.path.join(scratch, "build-wasm")
            toolchain = os.path.join(prefix, "share", "wasio", "cmake", "wasi-toolchain.cmake")
            run(["cmake", "-S", project, "-B", wasm, *generator, f"-DCMAKE_PREFIX_PATH={prefix}",
                 f"-DCMAKE_TOOLCHAIN_FILE={toolchain}"])
            run(["cmake", "--build", wasm, "-j2"])
            assert_no_source_paths(wasm, source_dir)
            serve_and_check("starter-wasm", [wasio_run, *cache, "--tcplisten", "127.0.0.1:0",
                                             os.path.join(wasm, "starter_server.wasm")])

            # --- pkg-config, wasm32-wasi (Debian's clang-19 and wasi-libc; a sysroot of /usr).
            wasm_pc_env = dict(os.environ, PKG_CONFIG_LIBDIR=os.path.join(prefix, "lib", "wasm32-wasi", "pkgconfig"))
            flags = output(["pkg-config", "--cflags", "--libs", "wasio-guest"], env=wasm_pc_env)
            pc_wasm = os.path.join(scratch, "starter-pkg-config.wasm")
            run(["clang++-19", "--target=wasm32-wasi", "-O2", os.path.join(project, "main.cpp"), "-o", pc_wasm, *flags])
            serve_and_check("starter-pkg-config-wasm", [wasio_run, *cache, "--tcplisten", "127.0.0.1:0", pc_wasm])
        else:
            print("note: this build has no wasm32-wasi half (WASIO_BUILD_WASM=OFF): wasm consumer steps not run")

        # --- Subproject: add_subdirectory of the source tree, no llhttp, no build type of our own.
        parent = os.path.join(scratch, "parent")
        os.makedirs(parent)
        shutil.copy(os.path.join(project, "main.cpp"), parent)
        with open(os.path.join(parent, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("cmake_minimum_required(VERSION 3.25)\n"
                    "project(parent LANGUAGES C CXX)\n"
                    f'add_subdirectory("{source_dir}" wasio)\n'
                    "wasio_add_program(parent_server SOURCES main.cpp)\n")
        sub = os.path.join(scratch, "build-parent")
        run(["cmake", "-S", parent, "-B", sub, *generator, "-DWASIO_LLHTTP_SOURCE_DIR=/nonexistent"])
        cache_text = open(os.path.join(sub, "CMakeCache.txt"), encoding="utf-8").read()
        for line in cache_text.splitlines():
            if line.startswith("CMAKE_BUILD_TYPE:") and line.split("=", 1)[1] != "":
                raise SystemExit(f"FAIL: the subproject set the parent's build type: {line}")
            for option in ("WASIO_BUILD_EXAMPLES", "WASIO_BUILD_TESTS", "WASIO_BUILD_WASM"):
                if line.startswith(option + ":") and line.split("=", 1)[1] != "OFF":
                    raise SystemExit(f"FAIL: {option} should default to OFF in a subproject: {line}")
        run(["cmake", "--build", sub, "-j2"])
        serve_and_check("parent-native", [os.path.join(sub, "parent_server")], native_env())
        print("ok: every consumer path built and served")
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
