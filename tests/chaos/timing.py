# SPDX-License-Identifier: MIT
"""Small waits every attack shares: a sleep that a stop request cuts short, and whether the
server process is still alive (an attack whose connection ends must not have ended the server).
"""
import asyncio
import bisect
import time

from answers import check

LAG_PROBE = 0.05
# A wrong answer in an attempt during which the attackers were stalled this long is not judged
# (answers.Answer.stalled): 0.5 s is a quarter of the shortest server timeout the attacks meet,
# and 10x the longest lag of a run on an otherwise idle machine.
STALL_EXCUSE = 0.5


async def sleep_or_stop(stop, seconds):
    """Sleeps `seconds`; True if `stop` (an asyncio.Event) was set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
        return True
    except asyncio.TimeoutError:
        return False


def server_alive(pid):
    """The process exists and is not a zombie (a crashed child its parent has not reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def alive_answer(target, what):
    """The answer of an attack whose only requirement is that the server survives it."""
    return check("server alive", "server alive" if server_alive(target.pid) else "server gone",
                 expected=f"server alive after {what}")


async def watch_lag(stop, record):
    """How late this process's event loop wakes up (each lag passed to `record` until `stop`
    is set): every time the process measures is late by as much, so the report shows it."""
    while not stop.is_set():
        before = time.monotonic()
        await asyncio.sleep(LAG_PROBE)
        record(time.monotonic() - before - LAG_PROBE)


class Stalls:
    """The lags `watch_lag` measured, each with when it ended: how long this process was
    stalled (not run at all: the attackers run at idle priority, after everything else on the
    machine) during an attempt."""

    def __init__(self):
        self.ends, self.lags = [], []

    def record(self, lag):
        self.ends.append(time.monotonic())
        self.lags.append(lag)

    def longest_since(self, start):
        """The longest stall that ended after `start` (monotonic seconds)."""
        first = bisect.bisect_right(self.ends, start)
        return max(self.lags[first:], default=0.0)


def lag_summary(lags):
    ordered = sorted(lags) or [0.0]
    return {"p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1),
            "max_ms": round(1000 * ordered[-1], 1)}
