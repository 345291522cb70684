#!/usr/bin/env python3
"""End-to-end check of kv's append-only file, with Redis's own tools as the judge.

usage: aof_e2e.py --profile P [--wasio-run PATH] [--cycles N] [--fsync always,everysec] -- PROGRAM

1. Crash cycles, per fsync policy: clients run pipelined SET/INCR load and record every acknowledged
   reply (with its time), one more sends 2 MiB values (so some kills land inside an AOF write, which
   the kernel stops at a fatal signal, and leave a command cut short); wasio-run (or the native program) is killed with SIGKILL at a random
   moment; redis-check-aof must find the file valid or cut short at the end (never corrupt inside);
   after a restart every acknowledged write must be there (`always`), or whatever is missing must
   have been acknowledged within the last second before the kill (`everysec`).
2. Rewrite: BGREWRITEAOF while writes continue; redis-check-aof says the file is valid; more writes;
   a clean stop; valid again; Debian's redis-server started with --appendonly yes on a copy of the
   file holds exactly the same keys, values and expiring keys as kv restarted on it (full dump).
3. Truncation: a copy cut inside its last command: redis-check-aof reports it, kv loads everything
   before it with a warning and repairs the file.
4. SIGTERM under load: exit 0 after the drain, the file valid, every acknowledged write there.
5. Disk full: a 1 MiB tmpfs the test mounts (as root; the phase is skipped, saying so, when mounting
   is impossible): writes get -MISCONF, reads work, INFO persistence says err, and once space is
   freed the held write is acknowledged, writes are accepted again, and nothing acknowledged is lost.

Timeouts only guard against hangs; nothing is asserted about speed.
"""

import argparse
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from resp import command as encode  # noqa: E402
from wasio_server import PROFILES, start_server, stop_process_group, free_port  # noqa: E402

CLIENT_TIMEOUT_S = 120
GUEST_DIR = "/data"
# kv's last line after a drain: "kv: shut down cleanly (N commands), the AOF written and fsynced".
CLEAN_SHUTDOWN = re.compile(r"kv: shut down cleanly \(\d+ commands\), the AOF written and fsynced")


def read_reply(f):
    line = f.readline()
    if not line:
        raise EOFError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-", b":"):
        return line[:-2]
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        return [read_reply(f) for _ in range(max(int(rest), 0))]
    raise ValueError(f"bad reply line {line!r}")


class Client:
    def __init__(self, port, timeout=CLIENT_TIMEOUT_S):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return read_reply(self.f)

    def pipeline(self, commands):
        self.sock.sendall(b"".join(encode(*c) for c in commands))
        return [read_reply(self.f) for _ in commands]

    def close(self):
        self.sock.close()


def info(client, section="persistence"):
    text = client.call("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def dump(port):
    """{key: (value, has_expiry)} of every key."""
    c = Client(port)
    keys = c.call("KEYS", "*")
    out = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        replies = c.pipeline([("GET", k) for k in chunk] + [("PTTL", k) for k in chunk])
        for j, k in enumerate(chunk):
            ttl = int(replies[len(chunk) + j][1:])
            if replies[j] is not None:
                out[k] = (replies[j], ttl > 0)
    c.close()
    return out


class Kv:
    """kv (wasm under wasio-run, or natively linked) with its data directory pre-opened as /data."""

    def __init__(self, args, host_dir, extra):
        self.args, self.host_dir, self.extra = args, host_dir, extra

    def start(self, ready=r"kv: serving"):
        program = self.args.program
        guest_args = ["--appendonly", "yes", "--dir", GUEST_DIR] + self.extra
        env = dict(os.environ)
        if program[0].endswith(".wasm"):
            command = [self.args.wasio_run, "--dir", f"{self.host_dir}::{GUEST_DIR}", "--tcplisten", "127.0.0.1:0",
                       "--profile", self.args.profile, program[0]] + program[1:] + guest_args
        else:
            command = program + guest_args
            env.update(WASIO_DIR=f"{self.host_dir}::{GUEST_DIR}", WASIO_TCPLISTEN="127.0.0.1:0",
                       WASIO_PROFILE=self.args.profile)
        self.server = start_server(command, env, ready=ready, name="kv", quiet=True)
        return self.server

    @property
    def port(self):
        return self.server.port

    def kill(self):
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait()
        self.server.stop()

    def stop(self):
        self.server.stop()

    def lines(self):
        return "".join(self.server.stderr_lines)


def check_aof(path, allow_truncated):
    """(ok, what redis-check-aof said)."""
    r = subprocess.run(["redis-check-aof", path], capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S)
    text = (r.stdout + r.stderr).strip()
    if r.returncode == 0 and "is valid" in text:
        return True, text
    m = re.search(r"size=(\d+), ok_up_to=(\d+)", text)
    if allow_truncated and m and "format error" not in text and "Expected to read" in text:
        return True, text
    return False, text


class Load:
    """Pipelined SET/INCR from `clients` connections; records each acknowledged reply with its time."""

    def __init__(self, port, tag, clients=4, batch=16, big_clients=0):
        self.acked_sets = {}   # key -> (value, time)
        self.acked_incrs = {}  # counter -> [(value, time)]
        self.sent_incrs = {}
        self.errors = []
        self.stop = False
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(port, f"{tag}:w{w}", batch), daemon=True)
                        for w in range(clients)]
        # Large values make the AOF's writes long enough that a kill can land inside one: the kernel
        # stops a write to a file at a fatal signal, leaving a command cut short.
        self.threads += [threading.Thread(target=self.run_big, args=(port, f"{tag}:big{w}"), daemon=True)
                         for w in range(big_clients)]
        for t in self.threads:
            t.start()

    def run(self, port, name, batch):
        try:
            c = Client(port, timeout=30)
        except OSError as e:
            self.errors.append(f"{name}: connect: {e}")
            return
        i = 0
        counter = f"ctr:{name}"
        try:
            while not self.stop:
                commands = []
                for _ in range(batch):
                    i += 1
                    commands.append(("SET", f"{name}:{i}", str(i)) if i % 2 else ("INCR", counter))
                with self.lock:
                    self.sent_incrs[counter] = self.sent_incrs.get(counter, 0) + batch // 2
                c.sock.sendall(b"".join(encode(*cmd) for cmd in commands))
                for cmd in commands:
                    reply = read_reply(c.f)
                    now = time.monotonic()
                    if cmd[0] == "SET":
                        if reply != b"+OK":
                            self.errors.append(f"{cmd}: {reply!r}")
                        else:
                            self.acked_sets[cmd[1]] = (cmd[2].encode(), now)
                    elif isinstance(reply, bytes) and reply.startswith(b":"):
                        self.acked_incrs.setdefault(counter, []).append((int(reply[1:]), now))
                    else:
                        self.errors.append(f"{cmd}: {reply!r}")
        except (OSError, EOFError, ValueError):
            pass  # the server was killed
        finally:
            c.close()

    def run_big(self, port, name):
        try:
            c = Client(port, timeout=30)
        except OSError as e:
            self.errors.append(f"{name}: connect: {e}")
            return
        value = os.urandom(1 << 20).hex()  # 2 MiB
        i = 0
        try:
            while not self.stop:
                i += 1
                key = f"{name}:{i}"
                if c.call("SET", key, value) != b"+OK":
                    self.errors.append(f"{key}: not OK")
                    return
                self.acked_sets[key] = (value.encode(), time.monotonic())
        except (OSError, EOFError, ValueError):
            pass
        finally:
            c.close()

    def join(self):
        self.stop = True
        for t in self.threads:
            t.join(timeout=CLIENT_TIMEOUT_S)


def verify(load, port, policy, kill_time):
    """Failures: acknowledged writes missing after the restart (always: any; everysec: older than 1 s)."""
    failures = []
    c = Client(port)
    keys = list(load.acked_sets)
    missing = []
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for k, v in zip(chunk, c.pipeline([("GET", k) for k in chunk])):
            want, at = load.acked_sets[k]
            if v != want:
                missing.append((k, want, v, at))
    for counter, acks in load.acked_incrs.items():
        got = int(c.call("GET", counter) or 0)
        if got > load.sent_incrs[counter]:
            failures.append(f"{counter} = {got}, more than the {load.sent_incrs[counter]} INCRs sent")
        lost = [(v, at) for v, at in acks if v > got]
        if lost:
            missing.append((counter, lost[0][0], got, lost[0][1]))
    c.close()
    for key, want, got, at in missing:
        age = kill_time - at
        if policy == "always" or age > 1.0:
            failures.append(f"{key}: acknowledged {want!r} {age:.3f} s before the kill, found {got!r}")
    return failures, len(missing)


def crash_cycles(args, policy, cycles, workdir):
    host_dir = os.path.join(workdir, f"crash-{policy}")
    os.makedirs(host_dir)
    kv = Kv(args, host_dir, ["--appendfsync", policy])
    rng = random.Random(args.seed)
    ok = True
    truncated_seen = 0
    previous = {}
    kv.start()
    for cycle in range(cycles):
        load = Load(kv.port, f"{policy}:{cycle}", big_clients=1)
        time.sleep(rng.uniform(0.3, 1.5))
        kill_time = time.monotonic()
        kv.kill()
        load.join()
        if load.errors:
            print(f"FAIL: {policy} cycle {cycle}: error replies: {load.errors[:3]}", file=sys.stderr)
            ok = False
        aof = os.path.join(host_dir, "appendonly.aof")
        valid, said = check_aof(aof, allow_truncated=True)
        if not valid:
            print(f"FAIL: {policy} cycle {cycle}: redis-check-aof after the kill:\n{said}", file=sys.stderr)
            ok = False
        verdict = said.splitlines()[-1]
        if "is valid" not in said:
            truncated_seen += 1
            m = re.search(r"size=(\d+), ok_up_to=(\d+)", said)
            verdict = f"cut short: size={m.group(1)}, ok_up_to={m.group(2)} ({said.splitlines()[-1]})"
        kv.start()
        if "short read" in kv.lines():
            print(f"{policy} cycle {cycle}: kv loaded a truncated tail (as aof-load-truncated yes does)")
        failures, missing = verify(load, kv.port, policy, kill_time)
        # Keys of earlier cycles stay too.
        c = Client(kv.port)
        for k, v in list(previous.items())[:2000]:
            if c.call("GET", k) != v:
                failures.append(f"{k} from an earlier cycle is gone")
                break
        c.close()
        previous.update({k: v for k, (v, _) in load.acked_sets.items()})
        incrs = sum(len(a) for a in load.acked_incrs.values())
        print(f"{policy} cycle {cycle}: {len(load.acked_sets)} SET and {incrs} INCR acknowledged, "
              f"{missing} missing after the restart, redis-check-aof: {verdict}")
        for f in failures[:10]:
            print(f"FAIL: {policy} cycle {cycle}: {f}", file=sys.stderr)
        ok = ok and not failures
    kv.stop()
    print(f"{policy}: {cycles} kill -9 cycles, {truncated_seen} left a cut-short tail")
    return ok


def sigterm_drain(args, workdir):
    """SIGTERM under load: the clients' acknowledged writes are all there, the file is valid, exit 0."""
    host_dir = os.path.join(workdir, "sigterm")
    os.makedirs(host_dir)
    kv = Kv(args, host_dir, ["--appendfsync", "everysec"])
    kv.start()
    load = Load(kv.port, "sigterm")
    time.sleep(0.5)
    os.killpg(kv.server.process.pid, signal.SIGTERM)
    code = kv.server.wait(timeout=CLIENT_TIMEOUT_S)
    load.join()
    kv.stop()
    ok = True
    if code != 0 or not CLEAN_SHUTDOWN.search(kv.lines()):
        print(f"FAIL: SIGTERM: exit {code}, said:\n{kv.lines()}", file=sys.stderr)
        ok = False
    valid, said = check_aof(os.path.join(host_dir, "appendonly.aof"), allow_truncated=False)
    if not valid:
        print(f"FAIL: redis-check-aof after SIGTERM: {said}", file=sys.stderr)
        ok = False
    kv.start()
    failures, missing = verify(load, kv.port, "always", time.monotonic())
    kv.stop()
    for f in failures[:10]:
        print(f"FAIL: SIGTERM: {f}", file=sys.stderr)
    print(f"SIGTERM under load: exit {code}, {len(load.acked_sets)} SET acknowledged, {missing} missing after the "
          f"restart, redis-check-aof: {said.splitlines()[-1]}")
    return ok and not failures


def start_redis_on(directory):
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "yes", "--dir", directory, "--appendfilename", "appendonly.aof"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            c = Client(port, timeout=5)
            if c.call("PING") == b"+PONG":  # -LOADING until the file is read
                c.close()
                return process, port
            c.close()
        except (OSError, EOFError):
            pass
        time.sleep(0.05)
    stop_process_group(process)
    raise SystemExit("FAIL: redis-server did not start on the copied AOF")


def rewrite_and_compare(args, workdir):
    host_dir = os.path.join(workdir, "rewrite")
    os.makedirs(host_dir)
    kv = Kv(args, host_dir, ["--appendfsync", "everysec"])
    kv.start()
    ok = True
    c = Client(kv.port)
    for i in range(0, 20000, 200):
        c.pipeline([("SET", f"key:{j}", f"v{j}") for j in range(i, i + 200)])
    c.pipeline([("INCR", f"n:{j % 10}") for j in range(5000)])
    c.pipeline([("SET", f"ttl:{j}", "x", "EX", "10000") for j in range(100)] +
               [("EXPIRE", f"key:{j}", "5000") for j in range(100)] + [("DEL", f"key:{j}") for j in range(100, 200)])
    size_before = int(info(c)["aof_current_size"])
    if c.call("BGREWRITEAOF") != b"+Background append only file rewriting started":
        print("FAIL: BGREWRITEAOF was not started", file=sys.stderr)
        ok = False
    # Writes while it runs are kept.
    during = Load(kv.port, "during-rewrite", clients=2)
    deadline = time.monotonic() + CLIENT_TIMEOUT_S
    while time.monotonic() < deadline:
        fields = info(c)
        if fields["aof_rewrite_in_progress"] == "0" and int(fields["aof_rewrites"]) >= 1:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    during.join()
    fields = info(c)
    print(f"rewrite: {size_before} bytes before, {fields['aof_current_size']} after "
          f"(status {fields['aof_last_bgrewrite_status']}, longest step {fields['aof_max_rewrite_step_usec']} us)")
    if fields["aof_last_bgrewrite_status"] != "ok":
        ok = False
        print("FAIL: the rewrite failed", file=sys.stderr)
    aof = os.path.join(host_dir, "appendonly.aof")
    valid, said = check_aof(aof, allow_truncated=False)
    print(f"redis-check-aof after the rewrite: {said.splitlines()[-1]}")
    ok = ok and valid
    c.pipeline([("SET", f"after:{j}", f"a{j}") for j in range(500)])
    c.close()
    kv.stop()  # a clean stop: every acknowledged write was written
    valid, said = check_aof(aof, allow_truncated=False)
    print(f"redis-check-aof after a clean run: {said.splitlines()[-1]}")
    ok = ok and valid
    if not valid:
        print(f"FAIL: {said}", file=sys.stderr)

    copy = os.path.join(workdir, "redis-copy")
    os.makedirs(copy)
    shutil.copy(aof, os.path.join(copy, "appendonly.aof"))
    kv.start()
    ours = dump(kv.port)
    missing = [k for k in during.acked_sets if k.encode() not in ours]
    if missing:
        print(f"FAIL: {len(missing)} writes acknowledged during the rewrite are missing: {missing[:3]}", file=sys.stderr)
        ok = False
    kv.stop()
    redis, port = start_redis_on(copy)
    try:
        theirs = dump(port)
    finally:
        stop_process_group(redis)
    if ours != theirs:
        only_ours = set(ours) - set(theirs)
        only_theirs = set(theirs) - set(ours)
        differ = [k for k in set(ours) & set(theirs) if ours[k] != theirs[k]]
        print(f"FAIL: redis-server on a copy differs: {len(only_ours)} keys only in kv, {len(only_theirs)} only in "
              f"redis, {len(differ)} different: {(list(only_ours) + list(only_theirs) + differ)[:5]}", file=sys.stderr)
        ok = False
    else:
        print(f"redis-server --appendonly yes on a copy: the same {len(ours)} keys, values and expiring keys")

    # Truncation: cut inside the last command.
    cut_dir = os.path.join(workdir, "truncated")
    os.makedirs(cut_dir)
    data = open(aof, "rb").read()
    last = data.rfind(b"*", 0, len(data) - 1)
    cut = os.path.join(cut_dir, "appendonly.aof")
    with open(cut, "wb") as f:
        f.write(data[:len(data) - 3])
    valid, said = check_aof(cut, allow_truncated=False)
    m = re.search(r"ok_up_to=(\d+)", said)
    if valid or not m or int(m.group(1)) != last:
        print(f"FAIL: redis-check-aof on a cut file said:\n{said}", file=sys.stderr)
        ok = False
    else:
        print(f"redis-check-aof on a file cut 3 bytes short: not valid, ok_up_to={m.group(1)} (the last whole command)")
    cut_kv = Kv(args, cut_dir, [])
    cut_kv.start()
    loaded = dump(cut_kv.port)
    cut_kv.stop()
    if "short read" not in cut_kv.lines() or len(loaded) != len(ours) - 1:
        print(f"FAIL: kv on the cut file: {len(loaded)} keys (want {len(ours) - 1}), said:\n{cut_kv.lines()}",
              file=sys.stderr)
        ok = False
    valid, said = check_aof(cut, allow_truncated=False)
    if not valid:
        print(f"FAIL: kv did not repair the cut file: {said}", file=sys.stderr)
        ok = False
    else:
        print("kv on the cut file: loaded all but the cut command with a warning, and rewrote it valid")
    return ok


def disk_full(args, workdir):
    """Returns True (passed), False (failed) or None (skipped: no tmpfs could be mounted)."""
    mount_point = os.path.join(workdir, "tmpfs")
    os.makedirs(mount_point)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount_point], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"SKIP: disk-full phase: cannot mount a tmpfs ({(r.stderr or r.stdout).strip()}); run as root to test it")
        return None
    ok = True
    kv = None
    try:
        filler = os.path.join(mount_point, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (600 << 10))
        kv = Kv(args, mount_point, ["--appendfsync", "always", "--auto-aof-rewrite-percentage", "0"])
        kv.start()
        writer, other = Client(kv.port), Client(kv.port)
        value = "x" * (64 << 10)
        acked = []
        held = None
        for i in range(20):
            writer.sock.sendall(encode("SET", f"big:{i}", value))
            # Either its reply comes, or the server says the disk failed and the reply waits for it.
            deadline = time.monotonic() + CLIENT_TIMEOUT_S
            while not select.select([writer.sock], [], [], 0.05)[0] and time.monotonic() < deadline:
                if info(other)["aof_last_write_status"] == "err":
                    held = f"big:{i}"
                    break
            if held:
                break
            reply = read_reply(writer.f)
            if reply != b"+OK":
                print(f"FAIL: SET big:{i} got {reply!r}", file=sys.stderr)
                ok = False
                break
            acked.append(f"big:{i}")
        if held is None:
            print("FAIL: the disk never filled up", file=sys.stderr)
            return False
        refused = other.call("SET", "small", "1")
        read = other.call("GET", acked[0]) if acked else b"x" * 0
        fields = info(other)
        print(f"disk full after {len(acked)} acknowledged 64 KiB SETs: SET -> {refused.decode()!r}, "
              f"GET works: {read == value.encode()}, aof_last_write_status:{fields['aof_last_write_status']}")
        if not refused.startswith(b"-MISCONF Errors writing to the AOF file: No space left on device"):
            ok = False
            print(f"FAIL: a write during the outage got {refused!r}", file=sys.stderr)
        if acked and read != value.encode():
            ok = False
            print("FAIL: a read during the outage failed", file=sys.stderr)
        if fields["aof_last_write_status"] != "err":
            ok = False
            print("FAIL: INFO persistence does not say err", file=sys.stderr)
        os.remove(filler)
        if read_reply(writer.f) != b"+OK":
            ok = False
            print("FAIL: the held write was not acknowledged after space was freed", file=sys.stderr)
        acked.append(held)
        deadline = time.monotonic() + CLIENT_TIMEOUT_S
        while other.call("SET", "small", "1") != b"+OK" and time.monotonic() < deadline:
            time.sleep(0.05)
        status = info(other)["aof_last_write_status"]
        print(f"space freed: the held SET acknowledged, writes accepted again, aof_last_write_status:{status}")
        ok = ok and status == "ok"
        writer.close()
        other.close()
        kv.kill()
        kv.start()
        c = Client(kv.port)
        lost = [k for k in acked + ["small"] if c.call("EXISTS", k) != b":1"]
        c.close()
        if lost:
            ok = False
            print(f"FAIL: acknowledged writes lost after the outage: {lost}", file=sys.stderr)
        else:
            print(f"after a kill -9 and restart: all {len(acked) + 1} acknowledged writes are there")
    finally:
        if kv:
            kv.stop()
        subprocess.run(["umount", mount_point], capture_output=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--wasio-run")
    parser.add_argument("--cycles", type=int, default=3, help="kill -9 cycles per fsync policy")
    parser.add_argument("--fsync", default="always,everysec")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--phases", default="crash,sigterm,rewrite,diskfull")
    parser.add_argument("program", nargs="+")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    print(f"seed {args.seed}")
    for tool in ("redis-check-aof", "redis-server"):
        if shutil.which(tool) is None:
            raise SystemExit(f"FAIL: {tool} is not installed (apt-get install redis-tools redis-server)")
    if args.program[0].endswith(".wasm") and not (args.wasio_run and os.access(args.wasio_run, os.X_OK)):
        raise SystemExit(f"FAIL: wasio-run not found at {args.wasio_run!r}")
    phases = args.phases.split(",")
    ok = True
    with tempfile.TemporaryDirectory(prefix="kv-aof-") as workdir:
        if "crash" in phases:
            for policy in args.fsync.split(","):
                ok = crash_cycles(args, policy, args.cycles, workdir) and ok
        if "sigterm" in phases:
            ok = sigterm_drain(args, workdir) and ok
        if "rewrite" in phases:
            ok = rewrite_and_compare(args, workdir) and ok
        if "diskfull" in phases:
            full = disk_full(args, workdir)
            ok = ok and full is not False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
