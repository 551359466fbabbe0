#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end echo benchmark: `wscore serve --plain --threads 1` on each of its event loops
(`--io epoll`, and `--io uring` where this build and kernel have it) beside Node's `ws` (and any
other echo server given with --server), each pinned to core 0, loaded by `wscore bench` pinned to
core 1 (one message in flight per connection, every echo verified). The figure is messages per
server CPU-second (utime + stime of the server process over the run), the median of interleaved
repetitions; syscalls per echoed message (io_uring_enter included) come from `strace -c -f`
attached to each wscore server for one more run of each case (strace slows the server, so that
run is not timed); the server's minor page faults per echoed message come from /proc in the
timed runs.

With --tls: wss:// instead, `wscore serve` on each TLS backend (`--tls-backend mbedtls` and
`openssl`, epoll) with its self-signed certificate, loaded by `wscore bench --tls-backend openssl
--insecure` (the faster client), at 1 KiB and 64 KiB.

  tools/bench_e2e.py build/release/bin/wscore --json build/bench/e2e.json --md build/bench/e2e.md
  tools/bench_e2e.py ... --server NAME=PORT=COMMAND   (another server; it must listen on PORT)
  tools/bench_e2e.py --tls build/release/bin/wscore --json build/bench/e2e-tls.json ...
"""
import argparse
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CASES = [(100, 16), (100, 1024), (10, 64 * 1024), (4, 1024 * 1024)]  # (connections, bytes)
TLS_CASES = [(100, 1024), (10, 64 * 1024)]
TLS_BACKENDS = ("mbedtls", "openssl")
SERVER_CORE, GENERATOR_CORE = 0, 1
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COUNTED_SYSCALLS = ("recvfrom", "sendto", "recvmsg", "sendmsg", "read", "write", "readv",
                    "writev", "epoll_wait", "epoll_ctl", "io_uring_enter", "brk", "mmap",
                    "munmap")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_stat(pid):
    """(CPU seconds: utime + stime, minor page faults) of process `pid` so far (proc(5): fields
    14, 15 and 10 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[7])


def wait_listening(port, process, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Server:
    """An echo server process on core 0."""

    def __init__(self, name, port, command, env=None):
        self.name, self.port = name, port
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=env,
                                        preexec_fn=lambda: os.sched_setaffinity(0, {SERVER_CORE}))
        wait_listening(port, self.process)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wscore_serve(wscore, io, port):
    return [wscore, "serve", "--plain", "--threads", "1", "--host", "127.0.0.1", "--port",
            str(port), "--no-deflate", "--io", io]


def uring_refusal(wscore):
    """Why `wscore serve --io uring` does not serve here (no liburing in the build, io_uring
    disabled), or None."""
    try:
        probe = subprocess.run(wscore_serve(wscore, "uring", free_port()), capture_output=True,
                               text=True, timeout=1)
        return probe.stderr.strip() or f"exit {probe.returncode}"
    except subprocess.TimeoutExpired:
        return None  # it served until stopped


def servers(wscore, extra, with_uring, tls_home=None):
    """(name, port, command) of every server measured; wscore's first. With `tls_home` (the
    XDG_DATA_HOME of wscore's certificate): wss:// servers, wscore on each TLS backend."""
    if tls_home:
        for backend in TLS_BACKENDS:
            port = free_port()
            yield f"wscore {backend}", port, [wscore, "serve", "--threads", "1", "--host",
                                              "127.0.0.1", "--port", str(port), "--no-deflate",
                                              "--tls-backend", backend]
        for spec in extra:
            name, port, command = spec.split("=", 2)
            yield name, int(port), shlex.split(command)
        return
    port = free_port()
    yield "wscore", port, wscore_serve(wscore, "epoll", port)
    if with_uring:
        port = free_port()
        yield "wscore uring", port, wscore_serve(wscore, "uring", port)
    port = free_port()
    yield "node ws", port, ["node", os.path.join(ROOT, "tests/interop/ws_echo_server.mjs"),
                            str(port)]
    for spec in extra:
        name, port, command = spec.split("=", 2)
        yield name, int(port), shlex.split(command)


TLS = False  # set by --tls: the servers speak wss://


def load(wscore, port, connections, size, seconds):
    """`wscore bench` on core 1 for `seconds`: the messages it echoed and verified."""
    secure = ["--insecure", "--tls-backend", "openssl"] if TLS else []
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(["taskset", "-c", str(GENERATOR_CORE), wscore, "bench",
                        f"{'wss' if TLS else 'ws'}://127.0.0.1:{port}/", "--connections",
                        str(connections), "--size", str(size), "--duration", str(round(seconds)),
                        "--json", out.name, *secure],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out.name) as figures:
            return json.load(figures)


def timed_run(wscore, server, connections, size, seconds):
    """(messages per server CPU-second, the server's page faults per message, the generator's
    latency percentiles in µs)."""
    cpu_before, faults_before = process_stat(server.process.pid)
    report = load(wscore, server.port, connections, size, seconds)
    cpu_after, faults_after = process_stat(server.process.pid)
    messages = report["verified"]
    used = cpu_after - cpu_before
    latency = {name: ns / 1000 for name, ns in report.get("latency_ns", {}).items()}
    return (messages / used if used > 0 else 0.0,
            (faults_after - faults_before) / messages if messages else 0.0, latency)


def syscalls_per_message(wscore, server, connections, size, seconds):
    with tempfile.NamedTemporaryFile(suffix=".txt") as summary:
        tracer = subprocess.Popen(["strace", "-c", "-f", "-o", summary.name, "-p",
                                   str(server.process.pid)], stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        messages = load(wscore, server.port, connections, size, seconds)["verified"]
        tracer.terminate()
        tracer.wait()
        counts = {}
        with open(summary.name) as lines:
            for line in lines:
                fields = line.split()
                if len(fields) >= 5 and fields[-1] in COUNTED_SYSCALLS:
                    counts[fields[-1]] = int(fields[3])
    return {name: calls / messages for name, calls in counts.items()}


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wscore", help="the wscore executable (server and load generator)")
    parser.add_argument("--server", action="append", default=[], metavar="NAME=PORT=COMMAND")
    parser.add_argument("--seconds", type=int, default=3, help="per run (default 3)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--json", help="write every figure here")
    parser.add_argument("--md", help="write the table here (Markdown)")
    parser.add_argument("--tls", action="store_true", help="wss:// on both TLS backends")
    return parser.parse_args()


def main():
    args = parse_arguments()
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("bench_e2e: needs two cores (server on one, load generator on the other)")
    wscore = os.path.abspath(args.wscore)
    global TLS
    TLS = args.tls
    tls_home = tempfile.TemporaryDirectory() if TLS else None
    environment = dict(os.environ, XDG_DATA_HOME=tls_home.name) if tls_home else None
    refusal = None if TLS else uring_refusal(wscore)
    if refusal:
        print(f"bench_e2e: wscore --io uring not measured: {refusal}", file=sys.stderr)
    figures = {}
    for connections, size in TLS_CASES if TLS else CASES:
        case = f"{'wss ' if TLS else ''}{connections} x {size} B"
        runs, faults, latencies = {}, {}, {}
        started = [Server(*spec, env=environment)
                   for spec in servers(wscore, args.server, not refusal,
                                       tls_home.name if tls_home else None)]
        try:
            for _ in range(args.repetitions):  # interleaved: each server once per round
                for server in started:
                    rate, faulted, latency = timed_run(wscore, server, connections, size,
                                                       args.seconds)
                    runs.setdefault(server.name, []).append(rate)
                    faults.setdefault(server.name, []).append(faulted)
                    latencies.setdefault(server.name, []).append(latency)
            syscalls = {server.name: syscalls_per_message(wscore, server, connections, size,
                                                          args.seconds)
                        for server in started if server.name.startswith("wscore")}
        finally:
            for server in started:
                server.stop()
        figures[case] = {"per_server_cpu_second": {name: statistics.median(rates)
                                                   for name, rates in runs.items()},
                         "runs": runs, "syscalls_per_message": syscalls,
                         "page_faults_per_message": {name: statistics.median(counts)
                                                     for name, counts in faults.items()},
                         "latency_us": {name: {point: statistics.median(run[point] for run in rs)
                                               for point in rs[0]}
                                        for name, rs in latencies.items()}}
        print(case, {name: round(rate) for name, rate in
                     figures[case]["per_server_cpu_second"].items()},
              {name: round(sum(calls.values()), 2) for name, calls in syscalls.items()},
              flush=True)
    table = markdown_table(figures)
    print(table)
    if args.md:
        with open(args.md, "w") as out:
            out.write(table)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


def markdown_table(figures):
    """One row per case: every server's rate, each wscore loop over every other server, and the
    syscalls per message of each wscore loop (the three most frequent named)."""
    names = list(next(iter(figures.values()))["per_server_cpu_second"])
    ours = [name for name in names if name.startswith("wscore")]
    others = [name for name in names if name not in ours]
    pairs = [(a, b) for a in ours for b in others]
    if len(ours) == 2:
        pairs.append((ours[1], ours[0]))  # uring / epoll, or openssl / mbedtls
    rows = ["| case | " + " | ".join(names) + " | " +
            " | ".join(f"{a} / {b}" for a, b in pairs) + " | " +
            " | ".join(f"{name} syscalls per message" for name in ours) +
            " | page faults per message |",
            "|---" * (2 + len(names) + len(pairs) + len(ours)) + "|"]
    for case, figure in figures.items():
        rates = figure["per_server_cpu_second"]
        cells = [f"{rates[name] / 1000:.1f}k" for name in names]
        cells += [f"{rates[a] / rates[b]:.2f}x" for a, b in pairs]
        for name in ours:
            calls = figure["syscalls_per_message"][name]
            detail = ", ".join(f"{call} {calls[call]:.2f}"
                               for call in sorted(calls, key=calls.get, reverse=True)[:3])
            cells.append(f"{sum(calls.values()):.2f} ({detail})")
        faults = figure["page_faults_per_message"]
        cells.append(", ".join(f"{name} {faults[name]:.2f}" for name in names))
        rows.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
