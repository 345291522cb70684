#!/usr/bin/env python3
"""Drives fs_c_guest.wasm or fs_rust_guest.wasm under wasio-run: a fresh scratch directory
pre-opened as /data (fd 3) and one listener (fd 4); over two connections it writes, reads, appends,
lists, renames and deletes files and a directory, checks every reply and the host directory after
each step, tries a path out of the pre-open, and ends the guest with QUIT (exit status 0).

  fs_foreign_e2e.py --wasio-run BIN --module GUEST.wasm --scratch DIR --profile P
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--profile", required=True)
    options = parser.parse_args()
    shutil.rmtree(options.scratch, ignore_errors=True)
    data = os.path.join(options.scratch, "data")
    os.makedirs(data)
    with open(os.path.join(options.scratch, "outside"), "w") as f:
        f.write("not yours")
    command = [options.wasio_run, "--profile", options.profile, "--dir", f"{data}::/data",
               "--tcplisten", "127.0.0.1:0", options.module, "4", "/data"]
    print("$ " + " ".join(command), flush=True)
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_lines = []
    port = None
    for raw in server.stderr:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        stderr_lines.append(line)
        found = re.fullmatch(r"wasio-run: listening on 127\.0\.0\.1:(\d+) \(fd 4\)", line)
        if found:
            port = int(found.group(1))
            break
    # Keep draining stderr so the guest never blocks on a full pipe.
    drain = threading.Thread(target=lambda: stderr_lines.extend(
        l.decode("utf-8", "replace").rstrip("\n") for l in server.stderr))
    drain.start()
    problems = []

    def host_names():
        return sorted(os.listdir(data))

    def expect(condition, what):
        if not condition:
            problems.append(what)
            print("FAIL: " + what, flush=True)

    if port is None:
        problems.append("no listening line on stderr")
    else:
        for round_ in ("first", "second"):
            with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
                reader = s.makefile("r", encoding="utf-8", newline="\n")

                def ask(line):
                    s.sendall((line + "\n").encode())
                    reply = reader.readline().rstrip("\n")
                    print(f"> {line}\n< {reply}", flush=True)
                    return reply

                if round_ == "first":
                    expect(ask("PUT a.txt hello") == "OK", "PUT")
                    expect(open(os.path.join(data, "a.txt")).read() == "hello", "a.txt on the host")
                    expect(ask("GET a.txt") == "DATA hello", "GET")
                    expect(ask("APPEND a.txt _world") == "OK", "APPEND")
                    expect(ask("GET a.txt") == "DATA hello_world", "GET after APPEND")
                    expect(ask("MKDIR sub") == "OK", "MKDIR")
                    expect(ask("PUT sub/b.txt inner") == "OK", "PUT in a subdirectory")
                    expect(ask("LIST") == "LIST a.txt,sub", "LIST")
                    expect(ask("MV a.txt sub/c.txt") == "OK", "MV")
                    expect(host_names() == ["sub"], f"host after MV: {host_names()}")
                    expect(sorted(os.listdir(os.path.join(data, "sub"))) == ["b.txt", "c.txt"], "sub after MV")
                    expect(ask("GET a.txt").startswith("ERR "), "GET of a moved file fails")
                    expect(ask("GET sub/c.txt") == "DATA hello_world", "GET the moved file")
                    # Out of the pre-open: refused by the host (notcapable, 76), not read.
                    expect(ask("GET ../outside") == "ERR 76", "GET ../outside is notcapable")
                else:
                    expect(ask("RMDIR sub").startswith("ERR "), "RMDIR of a non-empty directory fails")
                    expect(ask("DEL sub/b.txt") == "OK", "DEL")
                    expect(ask("DEL sub/c.txt") == "OK", "DEL")
                    expect(ask("RMDIR sub") == "OK", "RMDIR")
                    expect(ask("LIST") == "LIST ", "LIST of the empty directory")
                    expect(host_names() == [], f"host at the end: {host_names()}")
                    expect(ask("QUIT") == "BYE", "QUIT")
    try:
        status = server.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        status = server.wait()
    drain.join()
    stdout = server.stdout.read().decode("utf-8", "replace")
    print(f"exit {status}\n--- stdout\n{stdout}\n--- stderr\n" + "\n".join(stderr_lines), flush=True)
    expect(status == 0, f"exit status {status}")
    expect(open(os.path.join(options.scratch, "outside")).read() == "not yours", "outside untouched")
    if not problems:
        shutil.rmtree(options.scratch, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
