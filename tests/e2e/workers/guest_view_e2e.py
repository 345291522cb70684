#!/usr/bin/env python3
"""No peer address reaches the guest; the connection log has them all (docs/workers.md).

usage: guest_view_e2e.py --wasio-run PATH [--profile P] -- peer_probe.wasm

peer_probe.wasm (tests/wasm/peer_probe) accepts 5 connections, echoes each, then writes its view to
stdout: its arguments, its environment and every byte of its linear memory. Checked:
- the connection log names each client with its real address and port (the client socket's
  getsockname) and the bytes it sent and got back;
- the guest's view holds none of it: no client port as decimal text, no "127.0.0.1", and no port
  and address bytes side by side as a sockaddr would hold them (port then address, address then
  port, in network and little-endian order), in the arguments, environment and memory;
- the dump is the guest's real memory: it holds what the last client sent (what the guest
  received is there, so an address the host had written into guest memory would be too).
What this does not check: memory the guest overwrote before the dump (peer_probe reads every
connection into the same buffer), and anything the host would hand over through a call the probe
never makes.
"""

import argparse
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from wasio_server import Server  # noqa: E402

CLIENTS = 5
failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--profile", default="strict")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="wasio-guest-view-")
    log_path = os.path.join(workdir, "connections.log")
    dump_path = os.path.join(workdir, "view.bin")
    try:
        with open(dump_path, "wb") as dump:
            command = [args.wasio_run, "--connection-log", log_path, "--tcplisten", "127.0.0.1:0", "--profile",
                       args.profile, args.program[0], str(CLIENTS)]
            server = Server(command, name="peer_probe", stdout=dump)
        clients = []
        try:
            port = server.wait_listening()[0]
            server.wait_for(r"peer_probe: serving")
            for i in range(CLIENTS):
                payload = (b"marker-%d-" % i) * (400 - 60 * i)
                with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                    local = s.getsockname()
                    s.sendall(payload)
                    s.shutdown(socket.SHUT_WR)
                    echoed = b""
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        echoed += chunk
                expect(echoed == payload, f"client {i} got {len(echoed)} bytes back, not its {len(payload)}")
                clients.append((local[0], local[1], payload))
            status = server.wait(60)
            expect(status == 0, f"peer_probe exited {status}")
        finally:
            server.stop()

        with open(dump_path, "rb") as f:
            view = f.read()
        header_end = re.search(rb"memory (\d+)\n", view)
        if not expect(header_end is not None, "the guest printed no memory dump"):
            return 1
        header, memory = view[:header_end.start()], view[header_end.end():]
        expect(len(memory) == int(header_end.group(1)), f"the dump has {len(memory)} bytes, the guest said "
               f"{header_end.group(1)}")
        print(f"guest_view: arguments and environment:\n{header.decode(errors='replace')}"
              f"guest_view: {len(memory)} bytes of guest memory")
        last = len(clients) - 1
        expect(b"marker-%d-" % last in memory, "the last client's payload is not in the guest memory (not a real dump?)")

        with open(log_path) as f:
            log = f.read()
        print(f"guest_view: connection log:\n{log}", end="")
        for address, port, payload in clients:
            accept = re.search(rf" accept listener=\S+ peer={re.escape(address)}:{port} fd=(\d+)$", log, re.M)
            close = re.search(rf" close listener=\S+ peer={re.escape(address)}:{port} fd=\d+ "
                              rf"received=(\d+) sent=(\d+) duration_ms=[\d.]+$", log, re.M)
            expect(accept is not None, f"the log has no accept line for {address}:{port}")
            expect(close is not None and int(close.group(1)) == len(payload) and int(close.group(2)) == len(payload),
                   f"the log's close line for {address}:{port} lacks the bytes ({len(payload)} each way)")

            packed_address = socket.inet_aton(address)
            patterns = {
                "decimal port": str(port).encode(),
                "address text": address.encode(),
                "port+address (network order)": struct.pack("!H", port) + packed_address,
                "address+port (network order)": packed_address + struct.pack("!H", port),
                "port+address (little-endian port)": struct.pack("<H", port) + packed_address,
                "address+port (little-endian port)": packed_address + struct.pack("<H", port),
            }
            for what, pattern in patterns.items():
                expect(pattern not in header, f"the guest's arguments or environment hold the {what} of {port}")
                expect(pattern not in memory, f"the guest's memory holds the {what} of {address}:{port} "
                       f"at offset {memory.find(pattern)}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"guest_view_e2e: {len(failures)} failure(s)", file=sys.stderr)
        return 1
    print(f"guest_view_e2e: ok ({CLIENTS} peers logged, none in the guest's view)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
