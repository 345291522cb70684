#!/usr/bin/env python3
"""End-to-end checks of host-terminated TLS with real clients against the HTTP example: curl --cacert,
openssl s_client (TLS 1.2 and 1.3 forced in turn, ALPN, SNI, session resumption), h2load --h1 and wrk
over https, then every bad input of issue 15 (plain HTTP, garbage, a truncated ClientHello, a client
leaving mid-handshake, a renegotiation, an oversized record), each counted in the host's stats line,
and the server still serving afterwards.

usage: tls_http_e2e.py --profile P [--wasio-run PATH] [--guest-tls] [--key ec|rsa] [--only NAME]... -- PROGRAM

PROGRAM ending in .wasm runs under `wasio-run --tlslisten 127.0.0.1:0 --tls-cert C --tls-key K`;
anything else natively with WASIO_TLSLISTEN, WASIO_TLS_CERT and WASIO_TLS_KEY. The certificate is a
throw-away one made with `openssl req -x509` (as the README shows). Timeouts only guard against hangs.

--guest-tls: the same clients against the guest doing TLS itself (issue 21, in-guest TLS on
BearSSL): a plain TCP listener, the certificate's folder pre-opened as /certs and the program given
--tls-cert/--tls-key. What differs is what BearSSL offers: TLS 1.2 only (a 1.3-only client gets a
clean handshake failure), resumption by session ID in TLS 1.2, renegotiation refused with a warning
alert (the connection goes on, or the client gives up; nothing to count), counters in the guest's
own "http: tls:" line.
"""

import argparse
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import PROFILES, start_wasio_server, wasio_command  # noqa: E402

READY = re.compile(r"http: serving")
GUARD_S = 30
# The host's stats line (wasio-run), or a guest's own (in-guest TLS: "http: tls: ...", "echo: tls: ...").
STATS = re.compile(r"(?:wasio-tls|\w+: tls): (.*)")


def make_certificate(folder, key_type="ec"):
    """A throw-away self-signed certificate for localhost: key_type "ec" (P-256) or "rsa" (2048 bits)."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if key_type == "ec" else ["-newkey", "rsa:2048"]
    subprocess.run(["openssl", "req", "-x509"] + new_key + ["-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=GUARD_S)
    return cert, key


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


def run(command, data=None, timeout=GUARD_S * 3):
    result = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
    return result.returncode, result.stdout, result.stderr


def stats_of(server):
    """The counters of the latest 'wasio-tls:' stats line, as a dict of name -> int."""
    lines = [line for line in server.stderr_lines if STATS.search(line)]
    if not lines:
        return {}
    return {name: int(value) for name, value in re.findall(r"([\w/.-]+)=(\d+)", lines[-1])}


def wait_for_counts(server, wanted):
    """Waits (guarded) until the stats line shows every counter in `wanted` at least at its value."""
    deadline = time.monotonic() + GUARD_S
    while True:
        seen = stats_of(server)
        if all(seen.get(name, 0) >= value for name, value in wanted.items()):
            return seen
        expect(time.monotonic() < deadline, f"stats never reached {wanted}: {seen}")
        time.sleep(0.1)


# --- curl -------------------------------------------------------------------------------------------

def curl(cert, *arguments, data=None):
    code, out, err = run(["curl", "--silent", "--show-error", "--max-time", str(GUARD_S), "--cacert", cert]
                         + list(arguments), data)
    expect(code == 0, f"curl {' '.join(arguments)} exited {code}: {err.decode(errors='replace').strip()}")
    return out, err


def check_curl_get(url, cert):
    out, err = curl(cert, "--verbose", url + "/")
    expect(out == b"Hello, World!", f"body {out!r}")
    expect(b"ALPN: server accepted http/1.1" in err, "ALPN http/1.1 not selected")
    expect(b"SSL certificate verify ok" in err, "certificate not verified")


def check_curl_post_chunked(url, cert):
    payload = os.urandom(30000)
    out, err = curl(cert, "--verbose", "--data-binary", "@-", "-H", "Transfer-Encoding: chunked", url + "/echo",
                    data=payload)
    expect(b"Transfer-Encoding: chunked" in err, "curl did not send chunked")
    expect(out == payload, f"echoed {len(out)} bytes of {len(payload)}")


def check_curl_post_large(url, cert):
    payload = os.urandom(200_000)
    with tempfile.NamedTemporaryFile() as f:
        f.write(payload)
        f.flush()
        out, _ = curl(cert, "--data-binary", f"@{f.name}", url + "/echo")
    expect(out == payload, f"echoed {len(out)} bytes of {len(payload)}")


def check_curl_http10(url, cert):
    out, _ = curl(cert, "--http1.0", url + "/")
    expect(out == b"Hello, World!", f"body {out!r}")
    out, err = curl(cert, "--http1.0", "--verbose", "-H", "Connection: keep-alive", url + "/", url + "/")
    expect(out == b"Hello, World!Hello, World!", f"bodies {out!r}")
    expect(b"Re-using existing connection" in err, "HTTP/1.0 keep-alive connection not reused")


def check_curl_keep_alive(url, cert):
    out, err = curl(cert, "--verbose", url + "/", url + "/stats", url + "/")
    expect(out.startswith(b"Hello, World!") and out.endswith(b"Hello, World!"), f"bodies {out[:40]!r}")
    expect(err.count(b"Re-using existing connection") == 2, "curl did not reuse the connection")


# --- openssl s_client -------------------------------------------------------------------------------

REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def s_client(port, cert, *extra):
    code, out, err = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", cert,
                          "-servername", "localhost", "-ign_eof"] + list(extra), REQUEST)
    text = out.decode(errors="replace")
    expect(code == 0, f"s_client {' '.join(extra)} exited {code}: {err.decode(errors='replace')[-300:]}")
    expect("Hello, World!" in text, f"no response over s_client {' '.join(extra)}")
    expect("Verify return code: 0 (ok)" in text, "certificate not verified")
    return text


def check_s_client_versions(port, cert):
    for flag, version in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")]:
        text = s_client(port, cert, flag, "-alpn", "h2,http/1.1")
        expect(f"Protocol  : {version}" in text or f"New, {version}" in text, f"{flag}: not {version}")
        expect("ALPN protocol: http/1.1" in text, f"{flag}: ALPN http/1.1 not seen")


def check_s_client_sni(port, cert):
    code, out, _ = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "other.example",
                        "-ign_eof"], REQUEST)
    expect(code == 0 and b"Hello, World!" in out, "a connection with another SNI name was not served")


def check_guest_versions(port, cert):
    """In-guest TLS: TLS 1.2 with ALPN; a TLS 1.3-only client fails its handshake cleanly (an alert)."""
    text = s_client(port, cert, "-tls1_2", "-alpn", "h2,http/1.1")
    expect("Protocol  : TLSv1.2" in text or "New, TLSv1.2" in text, "-tls1_2: not TLSv1.2")
    expect("ALPN protocol: http/1.1" in text, "ALPN http/1.1 not seen")
    code, out, err = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", cert, "-tls1_3",
                          "-servername", "localhost"], REQUEST)
    text = (out + err).decode(errors="replace")
    expect(code != 0 and "Hello, World!" not in text, f"a TLS 1.3-only client was served: {text[-300:]}")
    expect("alert" in text, f"no alert for a TLS 1.3-only client: {text[-300:]}")


def check_resumption(port, cert, folder, versions=("-tls1_2", "-tls1_3")):
    for flag in versions:
        session = os.path.join(folder, f"session{flag}.pem")
        first = s_client(port, cert, flag, "-sess_out", session)
        expect("New, TLS" in first, f"{flag}: the first connection was not a new session")
        second = s_client(port, cert, flag, "-sess_in", session)
        expect("Reused, TLS" in second, f"{flag}: the session was not resumed")


# --- load tools -------------------------------------------------------------------------------------

def check_h2load(url):
    code, out, err = run(["h2load", "--h1", "-n", "2000", "-c", "16", "-m", "1", url + "/"])
    text = (out + err).decode(errors="replace")
    line = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                     r"(\d+) errored, (\d+) timeout", text)
    expect(code == 0 and line, f"h2load: {text[-500:]}")
    expect(line.group(0).startswith("requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, "
                                    "0 errored, 0 timeout"), line.group(0))
    expect("Application protocol: http/1.1" in text, "h2load did not negotiate http/1.1")


def check_h2load_new_connections(url):
    """One request per connection: 300 handshakes."""
    code, out, err = run(["h2load", "--h1", "-n", "300", "-c", "300", "-m", "1", url + "/"])
    text = (out + err).decode(errors="replace")
    expect(code == 0 and "300 succeeded, 0 failed, 0 errored, 0 timeout" in text, f"h2load: {text[-500:]}")


def check_wrk(url):
    code, out, err = run(["wrk", "--threads", "2", "--connections", "64", "--duration", "2s", "--timeout", "5s",
                          url + "/"])
    text = (out + err).decode(errors="replace")
    requests = re.search(r"(\d+) requests in", text)
    expect(code == 0 and requests and int(requests.group(1)) > 0, f"wrk: {text}")
    expect("Socket errors" not in text, f"socket errors: {text}")
    expect("Non-2xx" not in text, f"non-2xx: {text}")
    rate = re.search(r"Requests/sec:\s+(\S+)", text)
    print(f"     wrk over TLS: {requests.group(1)} requests, {rate.group(1) if rate else '?'}/s", flush=True)


# --- bad input --------------------------------------------------------------------------------------

def raw_exchange(port, data, close_write=True):
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD_S) as s:
        try:
            s.sendall(data)
            if close_write:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        answer = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
        return answer


def client_hello():
    """A real ClientHello, made by Python's ssl over memory buffers."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def check_bad_input(server, port, cert, guest_tls=False):
    before = stats_of(server)
    get = lambda name: before.get(name, 0)  # noqa: E731
    answer = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    expect(b"HTTP/1.1 200" not in answer, "plain HTTP was served on the TLS port")
    raw_exchange(port, b"\x00\x01garbage, not TLS at all\r\n" * 4)
    hello = client_hello()
    raw_exchange(port, hello[:len(hello) // 2])               # truncated ClientHello
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD_S) as s:  # leaves mid-handshake
        s.sendall(hello)
        s.recv(1)
    raw_exchange(port, b"\x16\x03\x01\x48\x01" + b"\x00" * 18433)  # a record far over 16 KiB + 2048
    # An oversized record after a complete handshake.
    context = ssl.create_default_context(cafile=cert)
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD_S) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(REQUEST.replace(b"close", b"keep-alive"))
            expect(tls.recv(100).startswith(b"HTTP/1.1 200"), "no response before the oversized record")
            os.write(tls.fileno(), b"\x17\x03\x03\x48\x01" + b"\x00" * 18433)
            try:
                while tls.recv(65536):
                    pass
            except (ssl.SSLError, OSError):
                pass
    if guest_tls:
        # BearSSL refuses a renegotiation with a no_renegotiation warning: nothing is counted, the
        # client gives up or goes on; the server must just go on serving.
        process = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-CAfile",
                                    cert], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            process.communicate(b"R\n", timeout=GUARD_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        seen = wait_for_counts(server, {"plain-http": get("plain-http") + 1, "bad-handshake": get("bad-handshake") + 1,
                                        "vanished": get("vanished") + 2, "oversized": get("oversized") + 2})
        print(f"     stats after the bad input: {seen}", flush=True)
        return
    # A TLS 1.2 renegotiation ('R' on s_client's input), stdin kept open until the server acted.
    process = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-CAfile", cert],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    process.stdin.write(b"R\n")
    process.stdin.flush()
    try:
        wait_for_counts(server, {"renegotiations": get("renegotiations") + 1})
    finally:
        process.kill()
        process.wait()
    seen = wait_for_counts(server, {"plain-http": get("plain-http") + 1, "bad-handshake": get("bad-handshake") + 1,
                                    "vanished": get("vanished") + 2, "oversized": get("oversized") + 2,
                                    "renegotiations": get("renegotiations") + 1})
    print(f"     stats after the bad input: {seen}", flush=True)


def check_guest_start_errors(program, profile, wasio_run, cert, key, folder):
    """In-guest TLS: a key of another certificate, or a missing file, stops the server at start with
    one line and exit status 1, before it serves anything."""
    other_cert, _ = make_certificate(os.path.join(folder, "other"), "ec")
    os.replace(other_cert, os.path.join(folder, "other-cert.pem"))
    cases = [((os.path.join(folder, "other-cert.pem"), key), "key does not match the certificate"),
             ((os.path.join(folder, "missing.pem"), key), "cannot open")]
    for files, message in cases:
        command, env = wasio_command([program], profile, wasio_run, guest_tls=files)
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=GUARD_S * 10)
        expect(result.returncode == 1, f"{message}: exit status {result.returncode}: {result.stderr[-300:]}")
        expect("http: TLS: " in result.stderr and message in result.stderr, f"no '{message}': {result.stderr[-300:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run", help="the wasio-run program (needed for .wasm)")
    parser.add_argument("--only", action="append", default=[], help="run only this check (repeatable)")
    parser.add_argument("--guest-tls", action="store_true", help="the guest does TLS itself (in-guest TLS)")
    parser.add_argument("--key", choices=["ec", "rsa"], default="ec", help="the certificate's key type")
    parser.add_argument("program", help="the server under test (after --)")
    args = parser.parse_args()
    for tool in ["curl", "wrk", "h2load", "openssl"]:
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed (scripts/setup.sh installs it)")

    checks = Checks(args.only)
    with tempfile.TemporaryDirectory(prefix="wasio-tls-e2e-") as folder:
        cert, key = make_certificate(folder, args.key)
        if args.guest_tls:
            server = start_wasio_server([args.program], args.profile, args.wasio_run, ready=READY,
                                        guest_tls=(cert, key))
        else:
            server = start_wasio_server([args.program], args.profile, args.wasio_run, ready=READY, tls=(cert, key))
        try:
            port = server.port
            url = f"https://localhost:{port}"
            if args.guest_tls:
                kind = "EC" if args.key == "ec" else "RSA"
                checks.run("announced_as_guest_tls", lambda: expect(
                    any(f"in-guest TLS 1.2 ({kind} key" in line for line in server.stderr_lines),
                    f"no 'in-guest TLS 1.2 ({kind} key' line"))
            else:
                checks.run("announced_as_tls", lambda: expect(
                    any(f"127.0.0.1:{port} (fd 3, tls)" in line for line in server.stderr_lines), "no '(fd 3, tls)'"))
            checks.run("curl_get", check_curl_get, url, cert)
            checks.run("curl_post_chunked", check_curl_post_chunked, url, cert)
            checks.run("curl_post_200k", check_curl_post_large, url, cert)
            checks.run("curl_http10", check_curl_http10, url, cert)
            checks.run("curl_keep_alive", check_curl_keep_alive, url, cert)
            if args.guest_tls:
                checks.run("s_client_tls12_alpn_tls13_refused", check_guest_versions, port, cert)
            else:
                checks.run("s_client_tls12_and_tls13_alpn", check_s_client_versions, port, cert)
            checks.run("s_client_any_sni", check_s_client_sni, port, cert)
            resumed_versions = ("-tls1_2",) if args.guest_tls else ("-tls1_2", "-tls1_3")
            checks.run("session_resumption", check_resumption, port, cert, folder, resumed_versions)
            checks.run("h2load_h1", check_h2load, url)
            checks.run("h2load_h1_new_connections", check_h2load_new_connections, url)
            checks.run("wrk_64_connections", check_wrk, url)
            checks.run("bad_input_counted_and_closed", check_bad_input, server, port, cert, args.guest_tls)
            checks.run("serves_after_bad_input", check_curl_get, url, cert)
            checks.run("resumed_counted", lambda: wait_for_counts(server, {"resumed": len(resumed_versions)}))
            checks.run("server_alive", lambda: expect(server.alive(), "server exited during the test"))
        finally:
            server.stop()
        if args.guest_tls:
            os.makedirs(os.path.join(folder, "other"))
            checks.run("start_errors", check_guest_start_errors, args.program, args.profile, args.wasio_run, cert, key,
                       folder)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 and checks.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
