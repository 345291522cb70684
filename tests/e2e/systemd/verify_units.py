#!/usr/bin/env python3
"""contrib/systemd's unit pair passes `systemd-analyze verify` (unknown keys, bad values, a socket
without its service), with ExecStart pointed at this build's wasio-run and http.wasm (verify checks
that the program exists).

usage: verify_units.py --units DIR --wasio-run PATH --module PATH
Fails on any line systemd-analyze prints about the two units.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", required=True)
    parser.add_argument("--wasio-run", required=True)
    parser.add_argument("--module", required=True)
    args = parser.parse_args()
    if shutil.which("systemd-analyze") is None:
        raise SystemExit("FAIL: systemd-analyze is not installed (apt-get install systemd)")
    folder = tempfile.mkdtemp(prefix="wasio-units-")
    try:
        names = ["wasio-http.socket", "wasio-http.service"]
        for name in names:
            with open(os.path.join(args.units, name)) as source:
                text = source.read()
            if name.endswith(".service"):
                if "/usr/bin/wasio-run /srv/wasio/http.wasm" not in text:
                    raise SystemExit("FAIL: the service's ExecStart is not the documented one")
                text = text.replace("/usr/bin/wasio-run /srv/wasio/http.wasm", f"{args.wasio_run} {args.module}")
            with open(os.path.join(folder, name), "w") as copy:
                copy.write(text)
        result = subprocess.run(["systemd-analyze", "verify"] + [os.path.join(folder, n) for n in names],
                                capture_output=True, text=True, timeout=60)
        output = result.stdout + result.stderr
        sys.stderr.write(output)
        about_ours = [line for line in output.splitlines() if any(n in line for n in names)]
        if about_ours or result.returncode != 0:
            print(f"FAIL: systemd-analyze verify exited {result.returncode}; about the units: {about_ours}",
                  file=sys.stderr)
            return 1
        print("PASS")
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
