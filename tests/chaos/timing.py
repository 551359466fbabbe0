# SPDX-License-Identifier: MIT
"""Small waits every attack shares: a sleep that a stop request cuts short, and whether the
server process is still alive (an attack whose connection ends must not have ended the server).
"""
import asyncio
import time

from answers import check

LAG_PROBE = 0.05


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


def lag_summary(lags):
    ordered = sorted(lags) or [0.0]
    return {"p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1),
            "max_ms": round(1000 * ordered[-1], 1)}
