"""What a server costs per request, for the benchmarks (tests/bench/http, kv, echo): its CPU time and
its system calls over exactly the measured interval, and CPU pinning of servers and load generators.

- CpuMeter(pgid): utime + stime (and the cutime + cstime of children it reaped) of every process in
  the server's process group (a Server runs in its own session, so pgid is its pid), all threads
  included (/proc/PID/stat counts a process's threads together), in microseconds. start() before
  the load, stop() right after: the difference is the server's CPU over that interval. Resolution is
  the kernel's clock tick (10 ms at USER_HZ 100): a measured interval of a few seconds at full load
  is a few hundred ticks.
- SyscallCounter(pgid): the same processes' system calls over an interval, by name, counted by the
  kernel's syscall tracepoints through `perf stat` (Debian's linux-perf); None where perf or the
  tracepoints are missing. Counting costs the server a little CPU, so benchmarks count in a separate
  run from the one whose CPU they report.
- pin(command, cpu): the command under `taskset -c CPU` (util-linux), or unchanged for cpu None.
- load_average(): the 1-minute load average, printed with every figure (a shared machine).
"""

import os
import shutil
import signal
import subprocess
import tempfile

from wasio_server import group_pids  # noqa: F401 (the benchmarks take it from here too)

CLOCK_TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")

# Families of system calls the tables show, by tracepoint name (syscalls:sys_enter_NAME); the rest
# is in "total". A receive is any call that reads a socket's bytes, a send any that writes them.
SYSCALL_GROUPS = {
    "recv": ["recvfrom", "recvmsg", "read", "readv"],
    "send": ["sendto", "sendmsg", "write", "writev"],
    "epoll_wait": ["epoll_wait", "epoll_pwait"],
    "epoll_ctl": ["epoll_ctl"],
    "ioctl": ["ioctl"],
    "poll": ["poll", "ppoll"],
    "futex": ["futex"],
    "timerfd": ["timerfd_settime"],
}


def process_cpu_ticks(pid):
    """utime + stime + cutime + cstime of `pid` in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    # fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14..17.
    return sum(int(fields[i]) for i in range(11, 15))


class CpuMeter:
    """CPU microseconds of a process group over an interval (start() .. stop())."""

    def __init__(self, pgid):
        self.pgid = pgid
        self._start = {}

    def _sample(self):
        return {pid: process_cpu_ticks(pid) for pid in group_pids(self.pgid)}

    def start(self):
        self._start = self._sample()

    def stop(self):
        """CPU microseconds since start(); a process that started in between counts from zero."""
        end = self._sample()
        ticks = sum(max(end[pid] - self._start.get(pid, 0), 0) for pid in end)
        return ticks * CLOCK_TICK_US


def perf_available():
    if shutil.which("perf") is None:
        return False
    r = subprocess.run(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true"],
                       capture_output=True, text=True, timeout=60)
    return r.returncode == 0 and "not supported" not in r.stderr and "<not" not in r.stderr


class SyscallCounter:
    """System calls of a process group's processes (all their threads) over an interval, by name."""

    def __init__(self, pgid):
        self.pgid = pgid
        self._process = None
        self._output = None

    def start(self):
        names = sorted({name for group in SYSCALL_GROUPS.values() for name in group})
        available = set(os.listdir("/sys/kernel/tracing/events/syscalls")) if os.path.isdir(
            "/sys/kernel/tracing/events/syscalls") else None
        events = ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{n}" for n in names
                                                if available is None or f"sys_enter_{n}" in available]
        self._output = tempfile.NamedTemporaryFile("r", suffix=".perf", delete=False)
        pids = ",".join(str(p) for p in group_pids(self.pgid))
        self._process = subprocess.Popen(["perf", "stat", "-x,", "-o", self._output.name, "-e", ",".join(events),
                                          "-p", pids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        """{"total": N, "recvmsg": N, ...} since start()."""
        self._process.send_signal(signal.SIGINT)
        self._process.wait(timeout=60)
        counts = {}
        with open(self._output.name) as out:
            for line in out:
                parts = line.strip().split(",")
                if len(parts) < 3 or not parts[0].replace(".", "").isdigit():
                    continue
                name = parts[2].split(":")[-1].removeprefix("sys_enter_")
                counts["total" if name == "sys_enter" else name] = int(float(parts[0]))
        os.unlink(self._output.name)
        return counts


def grouped(counts):
    """SyscallCounter counts folded into SYSCALL_GROUPS (plus "total")."""
    out = {"total": counts.get("total", 0)}
    for group, names in SYSCALL_GROUPS.items():
        out[group] = sum(counts.get(n, 0) for n in names)
    return out


def pin(command, cpu):
    """`command` run on CPU `cpu` only (taskset), or as it is when cpu is None."""
    if cpu is None:
        return list(command)
    if shutil.which("taskset") is None:
        raise SystemExit("FAIL: taskset (util-linux) is needed to pin")
    return ["taskset", "-c", str(cpu)] + list(command)


def pin_cpus(requested):
    """(server CPU, load generator CPU) for --pin: the first two CPUs this process may use."""
    if not requested:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("FAIL: --pin needs two CPUs")
    return cpus[0], cpus[1]


def load_average():
    return os.getloadavg()[0]
