#!/usr/bin/env python3
"""End-to-end checks of the HTTP example with real clients: curl, a raw pipelined burst, wrk, h2load, ab,
and every limit (400, 408, 413, 431, 503, idle close).

usage: http_e2e.py --profile P [--wasio-run PATH] [--only NAME]... -- PROGRAM

PROGRAM ending in .wasm runs under `wasio-run --tcplisten 127.0.0.1:0 --profile P`; anything else is a
natively linked server run with WASIO_TCPLISTEN=127.0.0.1:0 and WASIO_PROFILE=P. The port comes from the
"wasio-run: listening on ADDR:PORT (fd N)" line. Limits are set small (by arguments, and one by the
environment, so both paths are exercised) to keep the run short. Two servers run, one after the other:
the main one, and one with a connection limit of 2 for the 503 check. Each is stopped at the end
(SIGTERM, then SIGKILL, with its process group), leaving nothing open.
Timeouts here only guard against hangs; nothing is asserted about speed.
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
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server  # noqa: E402

READY = re.compile(r"http: serving")
GUARD_S = 30            # no single check may hang longer than this

# Small limits keep the limit checks quick. max-body-bytes comes from the environment on purpose.
HEAD_TIMEOUT_MS = 1000
IDLE_TIMEOUT_MS = 1500
MAX_BODY_BYTES = 65536
SERVER_ARGS = [f"--head-timeout-ms={HEAD_TIMEOUT_MS}", f"--idle-timeout-ms={IDLE_TIMEOUT_MS}",
               "--max-connections=512"]
SERVER_ENV = {"WASIO_HTTP_MAX_BODY_BYTES": str(MAX_BODY_BYTES)}


def start_server(args, program_args):
    return start_wasio_server([args.program] + program_args, args.profile, args.wasio_run, ready=READY,
                              env_extra=SERVER_ENV)


class Checks:
    def __init__(self, only):
        self.passed = 0
        self.failed = 0
        self.only = set(only)

    def run(self, name, function, *args):
        if self.only and name not in self.only:
            return
        try:
            function(*args)
        except Exception as error:  # a failed check reports and the others still run
            self.failed += 1
            print(f"FAIL {name}: {error}", flush=True)
            return
        self.passed += 1
        print(f"ok   {name}", flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


# --- raw HTTP over a socket -------------------------------------------------------------------------

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)
    s.settimeout(GUARD_S)
    return s


def read_response(s, buffered, head_request=False):
    """Reads one response from socket s; buffered is a bytearray of bytes already received.
    Returns (status, headers dict lower-cased, body) or None at end of stream before a response."""
    while b"\r\n\r\n" not in buffered:
        chunk = s.recv(65536)
        if not chunk:
            if buffered:
                raise AssertionError(f"stream ended inside a response head: {bytes(buffered[:200])!r}")
            return None
        buffered += chunk
    head_end = buffered.index(b"\r\n\r\n")
    head = bytes(buffered[:head_end]).decode("latin-1").split("\r\n")
    del buffered[:head_end + 4]
    status = int(head[0].split(" ")[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_request or status == 100 else int(headers["content-length"])
    while len(buffered) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError("stream ended inside a response body")
        buffered += chunk
    body = bytes(buffered[:length])
    del buffered[:length]
    return status, headers, body


def closed_by_server(s, buffered):
    """True when the server closes the connection (after any bytes still to come)."""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return True
        if not chunk:
            return True
        buffered += chunk


def exchange(port, request, head_request=False):
    with connect(port) as s:
        s.sendall(request)
        buffered = bytearray()
        response = read_response(s, buffered, head_request)
        expect(response is not None, "no response")
        return response, closed_by_server(s, buffered) if response[1].get("connection") == "close" else None


def stats(port):
    (status, headers, body), _ = exchange(port, b"GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    expect(status == 200 and headers.get("content-type") == "application/json", f"/stats answered {status}")
    return json.loads(body)


# --- curl -------------------------------------------------------------------------------------------

def curl(*arguments, data=None):
    result = subprocess.run(["curl", "--silent", "--show-error", "--max-time", str(GUARD_S)] + list(arguments),
                            input=data, capture_output=True, timeout=GUARD_S + 10)
    expect(result.returncode == 0, f"curl {' '.join(arguments)} exited {result.returncode}: "
                                   f"{result.stderr.decode(errors='replace').strip()}")
    return result


def headers_of(text):
    headers = {}
    for line in text.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return headers


def check_curl_get(port):
    out = curl("--include", f"http://127.0.0.1:{port}/").stdout.decode("latin-1")
    head, _, body = out.partition("\r\n\r\n")
    headers = headers_of(head)
    expect(head.startswith("HTTP/1.1 200"), f"status line {head.splitlines()[0]!r}")
    expect(body == "Hello, World!", f"body {body!r}")
    expect(headers.get("content-length") == "13", f"Content-Length {headers.get('content-length')!r}")
    expect(headers.get("content-type") == "text/plain", f"Content-Type {headers.get('content-type')!r}")
    expect(re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", headers.get("date", "")),
           f"Date {headers.get('date')!r}")


def check_curl_head(port):
    out = curl("--head", f"http://127.0.0.1:{port}/").stdout.decode("latin-1")
    headers = headers_of(out.partition("\r\n\r\n")[0])
    expect(out.startswith("HTTP/1.1 200"), f"status line {out.splitlines()[0]!r}")
    expect(headers.get("content-length") == "13", f"Content-Length {headers.get('content-length')!r}")
    expect("date" in headers, "no Date")
    expect(out.endswith("\r\n\r\n"), "HEAD response has a body")


def check_curl_post_content_length(port):
    payload = os.urandom(40000)
    with tempfile.NamedTemporaryFile() as f:
        f.write(payload)
        f.flush()
        got = curl("--data-binary", f"@{f.name}", "-H", "Content-Type: application/octet-stream",
                   f"http://127.0.0.1:{port}/echo").stdout
    expect(got == payload, f"echoed {len(got)} bytes of {len(payload)}")


def check_curl_post_chunked(port):
    payload = os.urandom(30000)
    result = curl("--verbose", "--data-binary", "@-", "-H", "Transfer-Encoding: chunked",
                  f"http://127.0.0.1:{port}/echo", data=payload)
    expect(b"Transfer-Encoding: chunked" in result.stderr, "curl did not send chunked")
    expect(result.stdout == payload, f"echoed {len(result.stdout)} bytes of {len(payload)}")


def check_curl_expect_continue(port):
    payload = os.urandom(2000)
    result = curl("--verbose", "--data-binary", "@-", "-H", "Expect: 100-continue", f"http://127.0.0.1:{port}/echo",
                  data=payload)
    expect(b"HTTP/1.1 100 Continue" in result.stderr, "no 100 Continue")
    expect(result.stdout == payload, f"echoed {len(result.stdout)} bytes of {len(payload)}")


def check_curl_http10(port):
    result = curl("--http1.0", "--include", f"http://127.0.0.1:{port}/")
    out = result.stdout.decode("latin-1")
    head, _, body = out.partition("\r\n\r\n")
    expect(body == "Hello, World!", f"body {body!r}")
    expect(headers_of(head).get("connection") == "close", "HTTP/1.0 without keep-alive must be told close")
    kept = curl("--http1.0", "--verbose", "-H", "Connection: keep-alive", f"http://127.0.0.1:{port}/",
                f"http://127.0.0.1:{port}/")
    expect(kept.stdout == b"Hello, World!Hello, World!", f"bodies {kept.stdout!r}")
    expect(b"Connection: keep-alive" in kept.stderr, "HTTP/1.0 keep-alive not acknowledged")
    expect(b"Re-using existing connection" in kept.stderr, "curl did not reuse the HTTP/1.0 keep-alive connection")


def check_curl_keep_alive(port):
    result = curl("--verbose", f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/stats")
    expect(result.stdout.startswith(b"Hello, World!"), f"first body {result.stdout[:20]!r}")
    expect(b"Re-using existing connection" in result.stderr, "curl did not reuse the HTTP/1.1 connection")


def check_not_found_and_method_not_allowed(port):
    codes = [curl("--output", "/dev/null", "--write-out", "%{http_code}", *extra, f"http://127.0.0.1:{port}{path}")
             .stdout.decode() for path, extra in [("/nope", []), ("/", ["-X", "DELETE"]), ("/echo", [])]]
    expect(codes == ["404", "405", "405"], f"codes {codes}")


# --- pipelining -------------------------------------------------------------------------------------

def check_pipelined_burst(port):
    requests = []
    for i in range(100):
        if i % 3 == 0:
            body = f"request {i}".encode()
            requests.append(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        elif i % 3 == 1:
            requests.append(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        else:
            requests.append(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
    with connect(port) as s:
        s.sendall(b"".join(requests))
        buffered = bytearray()
        for i in range(100):
            response = read_response(s, buffered, head_request=(i % 3 == 2))
            expect(response is not None, f"connection ended after {i} responses")
            status, headers, body = response
            expect(status == 200, f"response {i}: status {status}")
            want = f"request {i}".encode() if i % 3 == 0 else (b"Hello, World!" if i % 3 == 1 else b"")
            expect(body == want, f"response {i}: body {body!r}, expected {want!r} (out of order?)")
            expect(headers.get("content-length") == str(len(want)) or i % 3 == 2, f"response {i}: length")
        s.settimeout(0.2)
        try:
            extra = s.recv(1)
        except socket.timeout:
            extra = b""
        expect(extra == b"" and not buffered, "bytes after the 100th response")


# --- load tools -------------------------------------------------------------------------------------

def run_tool(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=GUARD_S * 3)
    output = result.stdout + result.stderr
    expect(result.returncode == 0, f"{command[0]} exited {result.returncode}: {output[-500:]}")
    return output


def check_wrk(port):
    out = run_tool(["wrk", "--threads", "2", "--connections", "64", "--duration", "2s", "--timeout", "5s",
                    f"http://127.0.0.1:{port}/"])
    requests = re.search(r"(\d+) requests in", out)
    expect(requests and int(requests.group(1)) > 0, f"no requests: {out}")
    expect("Socket errors" not in out, f"socket errors: {out}")
    expect("Non-2xx" not in out, f"non-2xx responses: {out}")
    rate = re.search(r"Requests/sec:\s+(\S+)", out)
    print(f"     wrk: {requests.group(1)} requests, {rate.group(1) if rate else '?'}/s", flush=True)


def check_h2load(port):
    out = run_tool(["h2load", "--h1", "-n", "4000", "-c", "16", "-m", "4", f"http://127.0.0.1:{port}/"])
    line = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                     r"(\d+) errored, (\d+) timeout", out)
    expect(line, f"no summary: {out}")
    total, _, done, succeeded, failed, errored, timeouts = map(int, line.groups())
    expect(total == 4000 and succeeded == 4000 and failed == 0 and errored == 0 and timeouts == 0, line.group(0))
    expect("status codes: 4000 2xx" in out, f"status codes: {out}")


def check_ab(port):
    out = run_tool(["ab", "-k", "-q", "-n", "4000", "-c", "16", f"http://127.0.0.1:{port}/"])
    complete = re.search(r"Complete requests:\s+(\d+)", out)
    failed = re.search(r"Failed requests:\s+(\d+)", out)
    kept = re.search(r"Keep-Alive requests:\s+(\d+)", out)
    expect(complete and int(complete.group(1)) == 4000, f"complete: {out}")
    expect(failed and int(failed.group(1)) == 0, f"failed: {out}")
    expect(kept and int(kept.group(1)) == 4000, f"keep-alive: {out}")
    expect("Non-2xx" not in out, f"non-2xx: {out}")


# --- limits -----------------------------------------------------------------------------------------

def expect_error_and_close(port, request, status):
    with connect(port) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before a large request is all sent
        buffered = bytearray()
        response = read_response(s, buffered)
        expect(response is not None, f"no {status} response")
        expect(response[0] == status, f"status {response[0]}, expected {status}")
        expect(response[1].get("connection") == "close", f"{status} without Connection: close")
        expect("date" in response[1] and "content-length" in response[1], f"{status} without Date/Content-Length")
        expect(closed_by_server(s, buffered), "connection not closed")


def check_head_too_large(port):
    expect_error_and_close(port, b"GET / HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n", 431)


def check_body_too_large(port):
    expect_error_and_close(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1) +
                           b"x" * (MAX_BODY_BYTES + 1), 413)
    chunk = b"%x\r\n%s\r\n" % (50000, b"y" * 50000)
    expect_error_and_close(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 2 + b"0\r\n\r\n",
                           413)


def check_body_at_limit_is_echoed(port):
    body = os.urandom(MAX_BODY_BYTES)
    (status, _, echoed), _ = exchange(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    expect(status == 200 and echoed == body, f"status {status}, {len(echoed)} bytes")


def check_malformed(port):
    expect_error_and_close(port, b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400)
    expect_error_and_close(port, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40, 400)


def check_slowloris(port):
    """Sends a head one short header line at a time, slower than the head timeout allows in total."""
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
        buffered = bytearray()
        s.settimeout(0.25)
        deadline = time.monotonic() + GUARD_S
        while time.monotonic() < deadline:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            buffered += chunk
            if not chunk or b"\r\n\r\n" in buffered:
                break
        s.settimeout(GUARD_S)
        response = read_response(s, buffered)
        expect(response is not None, "closed without a 408")
        expect(response[0] == 408, f"status {response[0]}")
        expect(response[1].get("connection") == "close", "408 without Connection: close")
        expect(closed_by_server(s, buffered), "connection not closed after 408")


def check_idle_close(port):
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        buffered = bytearray()
        response = read_response(s, buffered)
        expect(response is not None and response[0] == 200, "no first response")
        # Nothing more is sent: the server must close the idle connection by itself, silently.
        expect(closed_by_server(s, buffered), "idle connection not closed")
        expect(not buffered, f"bytes before the idle close: {bytes(buffered)!r}")


def check_stats(port, before):
    after = stats(port)
    expect(after["connections"]["total"] > before["connections"]["total"], f"total did not grow: {after}")
    expect(after["connections"]["open"] >= 1, f"the /stats connection itself is open: {after}")
    expect(after["requests"] > before["requests"], f"requests did not grow: {after}")
    for kind in ["bad_request", "not_found", "method_not_allowed", "request_timeout", "body_too_large",
                 "head_too_large"]:
        expect(after["errors"][kind] > before["errors"][kind], f"errors.{kind} did not grow: {after}")
    expect(after["idle_closed"] > before["idle_closed"], f"idle_closed did not grow: {after}")


def check_connection_limit(args):
    """With --max-connections=2, a third client gets 503 and a close; after one leaves, clients are served."""
    server = start_server(args, SERVER_ARGS[:2] + ["--max-connections=2"])
    try:
        port = server.port
        held = []
        for _ in range(2):
            s = connect(port)
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            response = read_response(s, bytearray())
            expect(response is not None and response[0] == 200, "a client within the limit was not served")
            held.append(s)
        expect_error_and_close(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", 503)
        held.pop().close()
        deadline = time.monotonic() + GUARD_S
        while True:  # the server notices the departure on its own schedule
            (status, _, _), _ = exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            if status == 200:
                break
            expect(status == 503 and time.monotonic() < deadline, f"status {status} after a client left")
            time.sleep(0.05)
        for s in held:
            s.close()
        expect(server.alive(), "server died")
    finally:
        server.stop()


def check_start_line(server):
    text = "".join(server.stderr_lines)
    for expected in [f"head-timeout-ms={HEAD_TIMEOUT_MS} (arg)", f"max-body-bytes={MAX_BODY_BYTES} (env)",
                     "max-head-bytes=8192 (default)"]:
        expect(expected in text, f"start-up limits lack {expected!r}: {text!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run", help="the wasio-run program (needed for .wasm)")
    parser.add_argument("--only", action="append", default=[], help="run only this check (repeatable)")
    parser.add_argument("program", help="the server under test (after --)")
    args = parser.parse_args()
    for tool in ["curl", "wrk", "h2load", "ab"]:
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed (scripts/setup.sh installs it)")

    checks = Checks(args.only)
    server = start_server(args, SERVER_ARGS)
    try:
        port = server.port
        before = stats(port)
        checks.run("start_line_prints_limits", check_start_line, server)
        checks.run("curl_get", check_curl_get, port)
        checks.run("curl_head", check_curl_head, port)
        checks.run("curl_post_content_length", check_curl_post_content_length, port)
        checks.run("curl_post_chunked", check_curl_post_chunked, port)
        checks.run("curl_expect_continue", check_curl_expect_continue, port)
        checks.run("curl_http10", check_curl_http10, port)
        checks.run("curl_keep_alive", check_curl_keep_alive, port)
        checks.run("404_and_405", check_not_found_and_method_not_allowed, port)
        checks.run("pipelined_burst_of_100", check_pipelined_burst, port)
        checks.run("wrk_64_keep_alive_connections", check_wrk, port)
        checks.run("h2load_h1", check_h2load, port)
        checks.run("ab_keep_alive", check_ab, port)
        checks.run("431_head_too_large", check_head_too_large, port)
        checks.run("413_body_too_large", check_body_too_large, port)
        checks.run("body_at_limit_is_echoed", check_body_at_limit_is_echoed, port)
        checks.run("400_malformed", check_malformed, port)
        checks.run("408_slowloris", check_slowloris, port)
        checks.run("idle_keep_alive_close", check_idle_close, port)
        checks.run("stats_count_everything", check_stats, port, before)
        checks.run("server_alive", lambda: expect(server.alive(), "server exited during the test"))
    finally:
        server.stop()
    checks.run("503_over_connection_limit", check_connection_limit, args)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 and checks.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
