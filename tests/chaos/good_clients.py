# SPDX-License-Identifier: MIT
"""The well-behaved clients (Python's websockets, a peer no one here wrote): each keeps one
message in flight, of a size from 16 B to 256 KiB, text or binary, derived from a seeded counter
so that every echo is checked byte for byte, and records the round trip under the phase the run
is in. Some of them negotiate permessage-deflate. Runs in a process of its own (see run())."""
import asyncio
import random
import time

import websockets

import wire
from timing import lag_summary, watch_lag

# Phases, set by the main process in a shared value.
WARM_UP, QUIET, ATTACK, COOL_DOWN = range(4)
PHASE_NAMES = ("warm_up", "quiet", "attack", "cool_down")
ECHO_TIMEOUT = 10  # an echo not back by then is lost
THINK_TIME = 0.005  # between messages, so that the harness leaves the server its core

PRINTABLE = bytes(0x21 + b % 94 for b in range(256))
COMPRESSIBLE = bytes(b"abcdefgh "[b % 9] for b in range(256))


def message(seed, client, number, compressible):
    """Message `number` of `client`: 16 B to 256 KiB (log-uniform), half text (with multi-byte
    UTF-8), half binary."""
    rng = random.Random(f"{seed}/{client}/{number}")
    size = int(16 * 2 ** (rng.random() * 14))
    raw = rng.randbytes(size)
    if rng.random() < 0.5:
        return raw
    prefix = f"#{number} ü€😀 "
    return prefix + raw[len(prefix.encode()):].translate(
        COMPRESSIBLE if compressible else PRINTABLE).decode("ascii")


def percentiles(samples):
    if not samples:
        return {"count": 0}
    ordered = sorted(samples)

    def at(fraction):
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 3)
    return {"count": len(ordered), "p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 3)}


class Figures:
    def __init__(self):
        self.verified = self.lost = self.corrupted = self.connections = 0
        self.failures = []  # what went wrong, for the report
        self.latency = {name: [] for name in PHASE_NAMES}
        self.loop_lag = {name: [] for name in PHASE_NAMES}

    def fail(self, what):
        if len(self.failures) < 20:
            self.failures.append(what)

    def summary(self):
        return {"verified": self.verified, "lost": self.lost, "corrupted": self.corrupted,
                "connections": self.connections, "failures": self.failures,
                "latency": {name: percentiles(samples) for name, samples in self.latency.items()},
                "loop_lag": {name: lag_summary(lags) for name, lags in self.loop_lag.items()}}


async def good_client(index, target, seed, phase, stopping, figures):
    deflate = index % 4 == 3  # one in four
    context = wire.client_ssl_context(target.cafile) if target.tls else None
    number = 0
    while not stopping.is_set():
        try:
            async with websockets.connect(
                    target.url, ssl=context, compression="deflate" if deflate else None,
                    max_size=target.max_message, ping_interval=None, open_timeout=10,
                    close_timeout=5) as ws:
                figures.connections += 1
                while not stopping.is_set():
                    sent = message(seed, index, number, deflate)
                    in_phase, started = PHASE_NAMES[phase.value], time.perf_counter()
                    await ws.send(sent)
                    try:
                        echo = await asyncio.wait_for(ws.recv(), ECHO_TIMEOUT)
                    except asyncio.TimeoutError:
                        figures.lost += 1
                        figures.fail(f"client {index}: message {number} not echoed in "
                                     f"{ECHO_TIMEOUT} s")
                        number += 1
                        break
                    figures.latency[in_phase].append(time.perf_counter() - started)
                    if echo == sent:
                        figures.verified += 1
                    else:
                        figures.corrupted += 1
                        figures.fail(f"client {index}: echo of message {number} differs")
                    number += 1
                    await asyncio.sleep(THINK_TIME)
        except websockets.ConnectionClosed as closed:
            figures.lost += 1  # the message in flight
            figures.fail(f"client {index}: connection closed ({closed}) at message {number}")
            number += 1
        except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake) as error:
            figures.fail(f"client {index}: could not connect: {error!r}")
            await asyncio.sleep(1)


async def serve_clients(target, count, seed, phase, stop_request):
    figures, stopping = Figures(), asyncio.Event()
    clients = [asyncio.create_task(good_client(i, target, seed, phase, stopping, figures))
               for i in range(count)]
    clients.append(asyncio.create_task(watch_lag(
        stopping, lambda lag: figures.loop_lag[PHASE_NAMES[phase.value]].append(lag))))
    while not stop_request.is_set():
        await asyncio.sleep(0.1)
    stopping.set()
    await asyncio.wait(clients, timeout=30)
    return figures.summary()


def run(target, count, seed, phase, stop_request, results):
    """Process entry: runs `count` good clients until `stop_request` (a multiprocessing Event)
    is set, then sends their figures through the `results` pipe."""
    results.send(asyncio.run(serve_clients(target, count, seed, phase, stop_request)))
