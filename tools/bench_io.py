#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end echo on each of `wscore serve`'s event loops (--io epoll, --io uring), side by
side: the server alone on CPU 0 (one thread), `wscore bench` on CPU 1, repetitions interleaved.
For each case: messages echoed per server CPU-second (user + system time of the server process,
from /proc), and system calls per echoed message (perf stat's raw_syscalls:sys_enter on the
server, io_uring_enter counted apart). Medians of the repetitions and the ratios uring/epoll
go to OUT_DIR/io.json and OUT_DIR/io.md.

usage: bench_io.py WSCORE_BINARY OUT_DIR [--seconds S] [--repetitions N]
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CASES = [(100, 16), (100, 1024), (10, 65536)]  # (connections, message size)
LOOPS = ["epoll", "uring"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User + system time of a process so far (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def perf_counts(path):
    counts = {}
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[0].isdigit():
                counts[parts[2]] = int(parts[0])
    return counts


def one_run(wscore, io, connections, size, seconds):
    port = free_port()
    server = subprocess.Popen(["taskset", "-c", "0", wscore, "serve", "--plain", "--io", io,
                               "--threads", "1", "--host", "127.0.0.1", "--port", str(port),
                               "--max-connections", "1000"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if "serving" not in server.stdout.readline():
            raise RuntimeError(f"wscore serve --io {io} did not start")
        url = f"ws://127.0.0.1:{port}/"
        bench = ["taskset", "-c", "1", wscore, "bench", url, "--connections", str(connections),
                 "--size", str(size)]
        # Warm-up: connections, buffers and the allocator settle.
        subprocess.run(bench + ["--duration", "1"], check=True, capture_output=True)
        with tempfile.TemporaryDirectory() as scratch:
            figures, counted = os.path.join(scratch, "bench.json"), os.path.join(scratch, "perf")
            perf = subprocess.Popen(["perf", "stat", "-x,", "-o", counted, "-e",
                                     "raw_syscalls:sys_enter", "-e",
                                     "syscalls:sys_enter_io_uring_enter", "-p", str(server.pid)],
                                    stderr=subprocess.DEVNULL)
            time.sleep(0.2)  # perf attached
            before = cpu_seconds(server.pid)
            subprocess.run(bench + ["--duration", str(seconds), "--json", figures], check=True,
                           capture_output=True)
            cpu = cpu_seconds(server.pid) - before
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=10)
            with open(figures) as f:
                result = json.load(f)
            counts = perf_counts(counted)
            if "raw_syscalls:sys_enter" not in counts:
                raise RuntimeError("perf stat counted nothing: is linux-perf installed, and "
                                   "kernel.perf_event_paranoid low enough for tracepoints?")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)
    echoed = result["verified"]
    if result["failures"] or echoed == 0:
        raise RuntimeError(f"--io {io}: {result['failures']} failures, {echoed} echoes")
    # perf counted from before the bench to after it: the connections' setup and teardown are
    # in both loops' counts alike, a small part of the total.
    return {
        "messages_per_second": result["messages_per_second"],
        "messages_per_cpu_second": echoed / cpu if cpu > 0 else 0.0,
        "server_cpu_seconds": cpu,
        "syscalls_per_message": counts.get("raw_syscalls:sys_enter", 0) / echoed,
        "io_uring_enter_per_message": counts.get("syscalls:sys_enter_io_uring_enter", 0) / echoed,
        "echoed": echoed,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("wscore")
    parser.add_argument("out_dir")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    runs = {(io, c, s): [] for io in LOOPS for c, s in CASES}
    for repetition in range(args.repetitions):
        for connections, size in CASES:
            for io in LOOPS:
                figures = one_run(args.wscore, io, connections, size, args.seconds)
                runs[(io, connections, size)].append(figures)
                print(f"[{repetition + 1}/{args.repetitions}] {io:5} {connections} x {size} B: "
                      f"{figures['messages_per_cpu_second']:,.0f} msg/CPU-s, "
                      f"{figures['syscalls_per_message']:.3f} syscalls/msg", file=sys.stderr)
    medians = {}
    for (io, connections, size), figures in runs.items():
        medians[f"{io} {connections}x{size}"] = {
            key: statistics.median(f[key] for f in figures) for key in figures[0]}
    rows = ["| case | epoll msg/CPU-s | uring msg/CPU-s | uring/epoll | epoll syscalls/msg | "
            "uring syscalls/msg (io_uring_enter) | epoll msg/s | uring msg/s |",
            "|---|---|---|---|---|---|---|---|"]
    ratios = {}
    for connections, size in CASES:
        epoll, uring = (medians[f"{io} {connections}x{size}"] for io in LOOPS)
        ratio = uring["messages_per_cpu_second"] / epoll["messages_per_cpu_second"]
        ratios[f"{connections}x{size}"] = ratio
        rows.append(f"| {connections} x {size} B | {epoll['messages_per_cpu_second']:,.0f} | "
                    f"{uring['messages_per_cpu_second']:,.0f} | {ratio:.2f}x | "
                    f"{epoll['syscalls_per_message']:.2f} | {uring['syscalls_per_message']:.2f} "
                    f"({uring['io_uring_enter_per_message']:.2f}) | "
                    f"{epoll['messages_per_second']:,.0f} | {uring['messages_per_second']:,.0f} |")
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "io.json"), "w") as f:
        json.dump({"medians": medians, "ratios_uring_over_epoll": ratios,
                   "runs": {f"{io} {c}x{s}": r for (io, c, s), r in runs.items()}}, f, indent=1)
    with open(os.path.join(args.out_dir, "io.md"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
