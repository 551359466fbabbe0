#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Chaos and soak run against `wscore serve`: well-behaved clients that check every echo byte
for byte and measure round trips, next to hostile peers of every kind in bounded loops. Exit 0
only if every criterion holds (see report.py): no echo lost or corrupted, every answer right,
RSS at the end within max(10%, 8 MiB) of warm-up, descriptors back to baseline, p99 under attack
<= 5 x max(quiet p99, 2 ms), and the server alive, exiting 0 with no sanitizer report.

Phases: warm-up (5% of the duration, at least 2 s) and quiet (to 15%, at least 2 s) with the
good clients alone; attack (to 90%) with every kind beside them; cool-down: attackers stopped,
then the good clients, then the server's descriptors are polled until back to baseline (or a
deadline). The server runs with one event loop pinned to core 0, the harness on the other
cores, its attackers at idle priority.

usage: chaos.py WSCORE_BINARY [--tls] [--duration S] [--good-clients N] [--json FILE]
                [--seed N] [--skip KIND ...]
"""
import argparse
import json
import multiprocessing
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attack_runner  # noqa: E402
import good_clients  # noqa: E402
import report  # noqa: E402
import server_under_test  # noqa: E402
from timing import server_alive  # noqa: E402

SETTLE_DEADLINE = 20  # s for the descriptors to come back after the cool-down
SERVER_CORE = 0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", help="the wscore executable")
    parser.add_argument("--tls", action="store_true", help="attack wss:// instead of ws://")
    parser.add_argument("--duration", type=float, default=60, help="seconds (default 60)")
    parser.add_argument("--good-clients", type=int, default=20)
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--seed", type=int, default=1, help="seeds the good clients' messages")
    parser.add_argument("--sanitized", action="store_true",
                        help="the server is built with ASan+UBSan: RSS and p99 are reported, not "
                             "judged (its allocator keeps freed memory in quarantine and slows "
                             "unevenly); leaks are LeakSanitizer's to report at exit")
    parser.add_argument("--skip", action="append", default=[], metavar="KIND",
                        help="leave an attack kind out (local investigation only: the run "
                             "registered in ctest makes every kind)")
    args = parser.parse_args()
    known = {kind.name for kind in attack_runner.ALL_KINDS}
    if unknown := set(args.skip) - known:
        parser.error(f"unknown kind {', '.join(sorted(unknown))}; "
                     f"kinds: {', '.join(sorted(known))}")
    return args


def pin_processes(server_pid):
    """The server on one core, the harness (and the processes it starts) on the others, when
    there are at least two; the figures are steadier when the two do not preempt each other."""
    cores = os.sched_getaffinity(0)
    if len(cores) < 2 or SERVER_CORE not in cores:
        return "not pinned (fewer than 2 cores)"
    server_under_test.pin(server_pid, {SERVER_CORE})
    os.sched_setaffinity(0, cores - {SERVER_CORE})
    return f"server on core {SERVER_CORE}, harness on {sorted(cores - {SERVER_CORE})}"


class Watch:
    """Samples the server's RSS and descriptors, keeping the highest of each, and for each
    phase how busy its core was and how long it waited for that core (other processes: the
    machine is shared), in all and in the worst half second."""

    def __init__(self, pid):
        self.pid, self.rss_max, self.fds_max = pid, 0, 0
        self.current, self.phases = None, {}
        self.last_wait = server_under_test.runqueue_wait_seconds(pid)

    def phase(self, name):
        """Starts phase `name` (None: ends the last one)."""
        now = (time.monotonic(), server_under_test.cpu_seconds(self.pid),
               server_under_test.runqueue_wait_seconds(self.pid))
        if self.current:
            began, cpu_then, wait_then = self.current["start"]
            self.current.update(cpu_percent=round(100 * (now[1] - cpu_then) / (now[0] - began), 1),
                                waited_s=round(now[2] - wait_then, 2))
            del self.current["start"]
        self.current = None
        if name:
            self.current = self.phases[name] = {"start": now, "worst_wait_in_half_second_s": 0}

    def sample(self):
        rss, fds = server_under_test.rss_kib(self.pid), server_under_test.open_descriptors(self.pid)
        self.rss_max, self.fds_max = max(self.rss_max, rss), max(self.fds_max, fds)
        waited = server_under_test.runqueue_wait_seconds(self.pid)
        if self.current:
            worst = self.current["worst_wait_in_half_second_s"]
            self.current["worst_wait_in_half_second_s"] = round(max(worst,
                                                                    waited - self.last_wait), 3)
        self.last_wait = waited
        return rss, fds

    def wait_until(self, moment):
        while time.monotonic() < moment:
            self.sample()
            time.sleep(min(0.5, max(0.0, moment - time.monotonic())))


def settle_descriptors(pid, baseline):
    """Polls until the server's open descriptors are back to `baseline` (its close and drain
    timeouts may keep some a few seconds), or the deadline; (count, seconds waited)."""
    started = time.monotonic()
    while True:
        count = server_under_test.open_descriptors(pid)
        waited = time.monotonic() - started
        if count == baseline or waited > SETTLE_DEADLINE:
            return count, waited
        time.sleep(0.1)


def start_process(context, entry, *arguments):
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=entry, args=(*arguments, sender), daemon=True)
    process.start()
    sender.close()
    return process, receiver


def receive(process, receiver, what, timeout):
    if not receiver.poll(timeout):
        process.kill()
        raise RuntimeError(f"the {what} process sent no figures in {timeout} s")
    figures = receiver.recv()
    process.join(10)
    if process.is_alive():
        process.kill()  # its figures are in; what it does past them does not matter
    return figures


def run(args):
    kinds = [kind.name for kind in attack_runner.kinds_for(args.tls, args.skip)]
    context = multiprocessing.get_context("spawn")
    server, target = server_under_test.start(args.binary, args.tls)
    with server:
        pid = server.process.pid
        pinning = pin_processes(pid)
        time.sleep(0.5)
        watch = Watch(pid)
        rss_baseline, fds_baseline = watch.sample()
        begin = time.monotonic()
        phase, stop_good, stop_attacks = context.Value("i", good_clients.WARM_UP), \
            context.Event(), context.Event()
        good, good_results = start_process(context, good_clients.run, target, args.good_clients,
                                           args.seed, phase, stop_good)
        warm_up = max(2.0, 0.05 * args.duration)
        watch.wait_until(begin + warm_up)
        phase.value = good_clients.QUIET
        watch.phase("quiet")
        watch.wait_until(begin + max(0.15 * args.duration, warm_up + 2))  # 2 s quiet at least
        rss_warm, fds_warm = watch.sample()
        watch.rss_max = watch.fds_max = 0
        phase.value = good_clients.ATTACK
        watch.phase("attack")
        attackers, attack_results = start_process(context, attack_runner.run, target, kinds,
                                                  stop_attacks)
        watch.wait_until(begin + 0.90 * args.duration)
        watch.phase(None)
        stop_attacks.set()
        tallies, stuck, attack_lag = receive(attackers, attack_results, "attack",
                                 attack_runner.STOP_GRACE + 30)
        phase.value = good_clients.COOL_DOWN
        rss_attack_max, fds_attack_max = watch.rss_max, watch.fds_max
        watch.wait_until(time.monotonic() + 1)
        stop_good.set()
        good_figures = receive(good, good_results, "good clients", 60)
        fds_after, settled_after = settle_descriptors(pid, fds_baseline)
        time.sleep(1)  # what the last closes freed
        rss_end = server_under_test.rss_kib(pid)
        alive = server_alive(pid)
        code, stderr = server.stop()
    sanitizer = bool(re.search(r"ERROR: AddressSanitizer|runtime error:|LeakSanitizer", stderr))
    return {
        "transport": "tls" if args.tls else "plain",
        "duration_s": args.duration,
        "elapsed_s": round(time.monotonic() - begin, 1),
        "server": {"command": ["wscore", "serve", "--threads", "1", *target.serve_arguments(),
                               *([] if args.tls else ["--plain"])], "pinning": pinning,
                   "phases": watch.phases},
        "good_clients": args.good_clients,
        "deflate_clients": len(range(3, args.good_clients, 4)),
        "good": good_figures,
        "attacks": tallies,
        "stuck_attack_loops": stuck,
        "attack_loop_lag": attack_lag,
        "skipped": sorted(args.skip),
        "rss_kib": {"baseline": rss_baseline, "after_warm_up": rss_warm,
                    "attack_max": rss_attack_max, "end": rss_end},
        "descriptors": {"baseline": fds_baseline, "after_warm_up": fds_warm,
                        "attack_max": fds_attack_max, "after": fds_after,
                        "settled_after_s": round(settled_after, 1)},
        "server_exit": {"alive_at_end": alive, "code": code, "sanitizer_report": sanitizer,
                        "stderr_tail": stderr[-4000:]},
    }


def main():
    args = parse_arguments()
    figures = run(args)
    verdict = report.criteria(figures, judge_resources=not args.sanitized)
    figures["criteria"] = [{"name": name, "holds": holds, "detail": detail}
                           for name, holds, detail in verdict]
    print(report.table(figures, verdict))
    if figures["server_exit"]["sanitizer_report"]:
        print(figures["server_exit"]["stderr_tail"])
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    return 0 if all(holds for _, holds, _ in verdict) else 1


if __name__ == "__main__":
    sys.exit(main())
