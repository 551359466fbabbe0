# SPDX-License-Identifier: MIT
"""The `wscore serve` the chaos run attacks: started through the integration tests' `Server`
(tests/integration/server_test.py), with small limits and short timeouts so that attacks are
cheap and every timeout fires within an attempt, one event loop so that fairness shows, pinned to
one core. Also what the harness reads about it: VmRSS and open descriptors from /proc.
"""
import dataclasses
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import server_test  # noqa: E402  (Server)


@dataclasses.dataclass(frozen=True)
class Target:
    """Where the server listens and the limits and timeouts it was started with: each attack
    derives its expected answer from these."""
    host: str
    port: int
    tls: bool
    cafile: str
    pid: int = 0
    max_message: int = 1 << 20       # --max-message: over it, Close 1009 (RFC 6455 §7.4.1)
    max_frame: int = 1 << 20         # --max-frame
    max_outbound: int = 1 << 20      # --max-outbound: backpressure threshold
    handshake_timeout: float = 2.0   # --handshake-timeout (TLS + upgrade)
    idle_timeout: float = 5.0        # --idle-timeout: then a Ping
    pong_timeout: float = 2.0        # --pong-timeout: then the connection is dropped
    close_timeout: float = 2.0       # --close-timeout: after our Close, TCP goes
    max_pings_per_second: int = 1000  # --max-pings-per-second: over it, Close 1008

    def serve_arguments(self):
        return ["--max-message", str(self.max_message), "--max-frame", str(self.max_frame),
                "--max-outbound", str(self.max_outbound),
                "--handshake-timeout", str(int(self.handshake_timeout)),
                "--idle-timeout", str(int(self.idle_timeout)),
                "--pong-timeout", str(int(self.pong_timeout)),
                "--close-timeout", str(int(self.close_timeout)),
                "--max-pings-per-second", str(self.max_pings_per_second)]

    @property
    def url(self):
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}/"


def start(binary, tls):
    """Starts `wscore serve --threads 1` with the Target's limits; returns (Server, Target).
    The Server is a context manager that kills the process on exit."""
    server_test.WSCORE = os.path.abspath(binary)
    defaults = Target("127.0.0.1", 0, tls, "")
    server = server_test.Server(*defaults.serve_arguments(), tls=tls, threads=1)
    target = dataclasses.replace(defaults, port=server.port, pid=server.process.pid,
                                 cafile=server.cert if tls else "")
    return server, target


def pin(pid, cores):
    """Every thread of process `pid` onto `cores` (a thread keeps the affinity it was created
    with, so the process's existing threads are pinned one by one)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(task), cores)


def rss_kib(pid):
    return server_test.rss_kib(pid)


def cpu_seconds(pid):
    """User + system CPU time of the process so far (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait_seconds(pid):
    """How long the process's threads have waited, runnable, for a core (/proc/PID/task/*/
    schedstat, second field): the time other processes on its core took from it."""
    waited = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                waited += int(schedstat.read().split()[1])
        except OSError:
            pass  # a thread that just ended
    return waited / 1e9


def open_descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))
