#!/usr/bin/env python3
"""End-to-end checks of the HTTP example's static files (`--static /=/www`) with curl, wget, raw
sockets, and Debian's nginx serving the same folder as the reference.

usage: static_e2e.py --profile P [--wasio-run PATH] [--big-mib N] [--slow-readers N] [--only NAME]... -- PROGRAM

PROGRAM ending in .wasm runs under `wasio-run --dir WWW::/www --tcplisten 127.0.0.1:0 --profile P`;
anything else is natively linked, run with WASIO_DIR=WWW::/www. The folder holds small files of the
common types, a directory with and one without index.html, a big file (--big-mib, random bytes,
written fast), and symbolic links planted inside pointing outside (to a secret next to the folder,
to /etc/passwd, to the parent directory) and one pointing inside.
Checks:
- curl: GET, HEAD, -r ranges (first-last, suffix, open-ended, past the end), -z (equal and older
  dates), If-None-Match with the ETag just received, 301 to a directory's slash, index.html, 403, 404;
- wget of the big file: its SHA-256 equals the file's;
- traversal: encoded, doubled, backslashed, NUL, overlong-UTF-8 and symlink requests, raw on a socket:
  each refused (400, 403 or 404) and the secret never in a response;
- nginx: the same requests to nginx (sendfile off) and to the server: status, Content-Length,
  Content-Range and Content-Type agree (error pages: status only; see docs/http.md for why);
- slow readers: N connections GET the big file and read it slowly; the server's RSS growth stays
  under a bound far below N copies of the file; then every reader is served to the end;
- /stats: the static counters moved as the requests above say.
Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import hashlib
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import email.utils

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_server, wasio_command  # noqa: E402
from nginx_server import Nginx  # noqa: E402

GUARD_S = 60
SECRET = b"SECRET-do-not-serve-7f3a"
READY = re.compile(r"http: serving")


def build_folder(root, big_mib):
    www = os.path.join(root, "www")
    os.makedirs(os.path.join(www, "sub"))
    os.makedirs(os.path.join(www, "noindex"))
    with open(os.path.join(root, "secret.txt"), "wb") as f:
        f.write(SECRET + b"\n")
    files = {
        "index.html": b"<!doctype html><h1>home</h1>\n",
        "small.txt": b"0123456789abcdefghijklmnopqrstuvwxyz\n",
        "style.css": b"body { color: #333 }\n",
        "app.js": b"console.log('hi');\n",
        "data.json": b'{"a": 1}\n',
        "pic.png": os.urandom(3000),
        "four.bin": os.urandom(4096),
        "mid.bin": os.urandom(300_000),
        "sub/index.html": b"<p>sub</p>\n",
        "noindex/file.txt": b"x\n",
        "with space.txt": b"spaced\n",
    }
    for name, data in files.items():
        with open(os.path.join(www, name), "wb") as f:
            f.write(data)
    # The big file: one random MiB, each copy stamped with its index so misplaced chunks show.
    block = os.urandom(1 << 20)
    with open(os.path.join(www, "big.bin"), "wb") as f:
        for i in range(big_mib):
            f.write(i.to_bytes(8, "little") + block[8:])
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(www, "evil.txt"))
    os.symlink("../secret.txt", os.path.join(www, "evil_relative.txt"))
    os.symlink("/etc/passwd", os.path.join(www, "passwd"))
    os.symlink("..", os.path.join(www, "up"))
    os.symlink("small.txt", os.path.join(www, "inside_link.txt"))
    return www


def start_http(args, www):
    program = args.program + ["--static", "/=/www", "--send-timeout-ms=60000"]
    command, env = wasio_command(program, args.profile, args.wasio_run)
    if program[0].endswith(".wasm"):
        command = [command[0], "--dir", f"{www}::/www"] + command[1:]
    else:
        env["WASIO_DIR"] = f"{www}::/www"
    return start_server(command, env, ready=READY, name="http")


def request(port, target, method="GET", headers=None, timeout=GUARD_S):
    """(status, headers dict lower-cased, body) of one request on a fresh connection."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1]) if len(status_line.split()) > 1 else 0
    hdrs = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        hdrs[name.strip().lower()] = value.strip()
    if method == "HEAD":
        body = b""
    return status, hdrs, body


def curl(*arguments):
    out = subprocess.run(["curl", "-s", "-S", "--max-time", str(GUARD_S), *arguments], capture_output=True,
                         timeout=GUARD_S + 5)
    return out.returncode, out.stdout


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def check_curl(port, www):
    base = f"http://127.0.0.1:{port}"
    small = open(os.path.join(www, "small.txt"), "rb").read()
    code, body = curl(base + "/small.txt")
    expect(code == 0 and body == small, f"GET /small.txt gave {body[:60]!r}")
    code, head = curl("-I", base + "/small.txt")
    text = head.decode("latin-1")
    expect("200 OK" in text and f"Content-Length: {len(small)}" in text and "Content-Type: text/plain" in text
           and "ETag: " in text and "Last-Modified: " in text, f"HEAD /small.txt: {text}")
    etag = re.search(r"ETag: (\S+)", text).group(1)
    for r, want in (("0-9", small[0:10]), ("-5", small[-5:]), ("30-", small[30:]), ("5-5", small[5:6])):
        code, body = curl("-r", r, base + "/small.txt")
        expect(body == want, f"-r {r}: {body!r}, want {want!r}")
    code, out = curl("-o", "/dev/null", "-w", "%{http_code}", "-r", "1000-", base + "/small.txt")
    expect(out == b"416", f"-r 1000- gave {out!r}")
    mtime = os.path.getmtime(os.path.join(www, "small.txt"))
    date = email.utils.formatdate(mtime, usegmt=True)
    code, out = curl("-o", "/dev/null", "-w", "%{http_code}", "-z", date, base + "/small.txt")
    expect(out == b"304", f"-z {date} gave {out!r}")
    older = email.utils.formatdate(mtime - 3600, usegmt=True)
    code, out = curl("-o", "/dev/null", "-w", "%{http_code}", "-z", older, base + "/small.txt")
    expect(out == b"200", f"-z {older} gave {out!r}")
    code, out = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", f"If-None-Match: {etag}", base + "/small.txt")
    expect(out == b"304", f"If-None-Match {etag} gave {out!r}")
    code, out = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", base + "/sub")
    expect(out.startswith(b"301 ") and out.endswith(b"/sub/"), f"/sub gave {out!r}")
    code, body = curl("-L", base + "/sub")
    expect(body == b"<p>sub</p>\n", f"/sub followed gave {body!r}")
    code, body = curl(base + "/")
    expect(body.startswith(b"<!doctype html>"), f"/ gave {body[:40]!r}")
    for path, want in (("/noindex/", b"403"), ("/missing.txt", b"404"), ("/with%20space.txt", b"200")):
        code, out = curl("-o", "/dev/null", "-w", "%{http_code}", base + path)
        expect(out == want, f"{path} gave {out!r}, want {want!r}")
    for path, ctype in (("/style.css", "text/css"), ("/app.js", "application/javascript"),
                        ("/data.json", "application/json"), ("/pic.png", "image/png"),
                        ("/four.bin", "application/octet-stream"), ("/index.html", "text/html")):
        _, hdrs, _ = request(port, path, "HEAD")
        expect(hdrs.get("content-type") == ctype, f"{path}: Content-Type {hdrs.get('content-type')!r}")


def check_wget(port, www):
    with tempfile.TemporaryDirectory(prefix="wasio-wget-") as out:
        target = os.path.join(out, "big.bin")
        done = subprocess.run(["wget", "-q", "-O", target, f"http://127.0.0.1:{port}/big.bin"], timeout=600)
        expect(done.returncode == 0, f"wget exited with {done.returncode}")
        want = hashlib.sha256(open(os.path.join(www, "big.bin"), "rb").read()).hexdigest()
        got = hashlib.sha256(open(target, "rb").read()).hexdigest()
        expect(got == want, f"big.bin sha256 {got} != {want}")
        print(f"     wget: {os.path.getsize(target)} bytes, sha256 {got[:16]}... equal")


TRAVERSAL = [
    "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/%2e%2e%2fsecret.txt",
    "/sub/../../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%252e%252e/secret.txt",
    "//../secret.txt", "/.//..//secret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt", "/sub\\..\\..\\secret.txt",
    "/%2e%2e%5csecret.txt", "/small.txt%00.html", "/%00/../secret.txt", "/%c0%ae%c0%ae/secret.txt",
    "/evil.txt", "/evil_relative.txt", "/passwd", "/up/secret.txt", "/up/www/small.txt", "/up/",
    "/inside_link.txt", "/%65vil.txt", "/sub/../evil.txt", "/./passwd",
]


def check_traversal(port, www):
    refused = 0
    for target in TRAVERSAL:
        status, _, body = request(port, target)
        expect(status in (400, 403, 404), f"{target}: status {status}")
        expect(SECRET not in body and b"root:" not in body, f"{target}: the response leaked what lies outside")
        refused += 1
    print(f"     traversal: {refused} requests refused")


# (target, headers, fields to compare): the same requests to nginx and to the server.
COMPARED = [
    ("/small.txt", {}, "full"), ("/four.bin", {}, "full"), ("/mid.bin", {}, "full"), ("/index.html", {}, "full"),
    ("/style.css", {}, "full"), ("/app.js", {}, "full"), ("/data.json", {}, "full"), ("/pic.png", {}, "full"),
    ("/", {}, "full"), ("/sub/", {}, "full"), ("/with%20space.txt", {}, "full"),
    ("/small.txt", {"Range": "bytes=0-9"}, "full"), ("/small.txt", {"Range": "bytes=-5"}, "full"),
    ("/small.txt", {"Range": "bytes=30-"}, "full"), ("/mid.bin", {"Range": "bytes=100000-199999"}, "full"),
    ("/mid.bin", {"Range": "bytes=299990-400000"}, "full"), ("/small.txt", {"Range": "bytes=1000-"}, "range"),
    ("/small.txt", {"If-Modified-Since": "MTIME"}, "status"), ("/small.txt", {"If-None-Match": "*"}, "status"),
    ("/small.txt", {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, "full"),
    ("/missing.txt", {}, "status"), ("/noindex/", {}, "status"), ("/sub", {}, "status"),
    ("/../secret.txt", {}, "status"), ("/%2e%2e/secret.txt", {}, "status"),
]


def check_nginx(port, www):
    mtime = email.utils.formatdate(os.path.getmtime(os.path.join(www, "small.txt")), usegmt=True)
    compared = 0
    differences = []
    with Nginx(www, sendfile=False) as nginx:
        for method in ("GET", "HEAD"):
            for target, headers, fields in COMPARED:
                headers = {k: (mtime if v == "MTIME" else v) for k, v in headers.items()}
                ours = request(port, target, method, headers)
                theirs = request(nginx.port, target, method, headers)
                names = {"full": ["content-length", "content-range", "content-type"], "range": ["content-range"],
                         "status": []}[fields]
                if ours[0] != theirs[0]:
                    differences.append(f"{method} {target} {headers}: status {ours[0]} vs nginx {theirs[0]}")
                for name in names:
                    if ours[1].get(name) != theirs[1].get(name):
                        differences.append(f"{method} {target} {headers}: {name} {ours[1].get(name)!r} vs nginx "
                                           f"{theirs[1].get(name)!r}")
                if method == "GET" and fields == "full" and ours[2] != theirs[2]:
                    differences.append(f"GET {target} {headers}: bodies differ")
                compared += 1
        ours = request(port, "/small.txt")[1].get("etag")
        theirs = request(nginx.port, "/small.txt")[1].get("etag")
    expect(not differences, "; ".join(differences))
    print(f"     nginx: {compared} responses agree; ETag here {ours}, nginx {theirs}")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def check_slow_readers(port, www, server_pid, count):
    big = os.path.getsize(os.path.join(www, "big.bin"))
    before = rss_kib(server_pid)
    readers = []
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.settimeout(GUARD_S)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        readers.append([s, 0, hashlib.sha256(), b""])
    # A few slow rounds: each reader takes a little, so the server holds every response in flight.
    peak = before
    for _ in range(8):
        for r in readers:
            data = r[0].recv(8192)
            r[1] += len(data)
            r[3] += data
        peak = max(peak, rss_kib(server_pid))
        time.sleep(0.05)
    growth_mib = (peak - before) / 1024
    # The bound: what the server may hold per connection (a 64 KiB chunk, buffers, the frame) with
    # room to spare, and far below one copy of the file per reader.
    bound_mib = max(64, count * 256 / 1024)
    expect(growth_mib < bound_mib, f"RSS grew {growth_mib:.1f} MiB with {count} slow readers (bound {bound_mib} MiB; "
                                    f"the file is {big / 2**20:.0f} MiB)")
    # Then every reader takes the rest, all at once (one after another, the last ones would rightly be
    # dropped by the server's send timeout): each gets the whole, right body.
    want = hashlib.sha256(open(os.path.join(www, "big.bin"), "rb").read()).hexdigest()
    selector = selectors.DefaultSelector()
    left = {}
    for r in readers:
        s, _, digest, data = r
        head, _, body = data.partition(b"\r\n\r\n")
        expect(b" 200 " in head.split(b"\r\n")[0], f"slow reader got {head[:40]!r}")
        digest.update(body)
        s.setblocking(False)
        left[s] = [len(body), digest]
        selector.register(s, selectors.EVENT_READ)
    deadline = time.monotonic() + 600
    while left and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=GUARD_S):
            s = key.fileobj
            try:
                chunk = s.recv(1 << 20)
            except BlockingIOError:
                continue
            state = left[s]
            if chunk:
                state[0] += len(chunk)
                state[1].update(chunk)
            if not chunk or state[0] >= big:
                selector.unregister(s)
                s.close()
                expect(state[0] == big and state[1].hexdigest() == want,
                       f"slow reader got {state[0]} of {big} bytes or a wrong body")
                del left[s]
    expect(not left, f"{len(left)} slow readers unfinished")
    print(f"     slow readers: {count} x {big / 2**20:.0f} MiB, RSS {before / 1024:.1f} -> peak {peak / 1024:.1f} MiB "
          f"(growth {growth_mib:.1f} MiB, bound {bound_mib:.0f})")


def check_stats(port, www):
    _, _, body = request(port, "/stats")
    statics = json.loads(body)["static"]
    expect(statics["hits"] > 20 and statics["not_modified"] >= 3 and statics["partial"] >= 6 and
           statics["not_satisfiable"] >= 1 and statics["redirects"] >= 2 and statics["refused"] >= len(TRAVERSAL),
           f"/stats static counters {statics}")
    expect(statics["bytes_sent"] > os.path.getsize(os.path.join(www, "big.bin")), f"bytes_sent {statics['bytes_sent']}")
    print(f"     stats: {statics}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--big-mib", type=int, default=8)
    parser.add_argument("--slow-readers", type=int, default=50)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    for tool in ("curl", "wget", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed (scripts/setup.sh)")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="wasio-static-") as root:
        www = build_folder(root, args.big_mib)
        server = start_http(args, www)
        try:
            checks = [("curl", check_curl, (server.port, www)), ("wget", check_wget, (server.port, www)),
                      ("traversal", check_traversal, (server.port, www)), ("nginx", check_nginx, (server.port, www)),
                      ("slow_readers", check_slow_readers, (server.port, www, server.process.pid, args.slow_readers)),
                      ("stats", check_stats, (server.port, www))]
            for name, function, arguments in checks:
                if args.only and name not in args.only:
                    continue
                try:
                    function(*arguments)
                    print(f"ok   {name}", flush=True)
                except Exception as error:
                    failed += 1
                    print(f"FAIL {name}: {error}", flush=True)
            if not server.alive():
                failed += 1
                print("FAIL the server exited")
        finally:
            server.stop()
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
