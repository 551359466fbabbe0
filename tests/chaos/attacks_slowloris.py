# SPDX-License-Identifier: MIT
"""Slowloris: peers that keep a connection busy with bytes sent too slowly to finish anything,
in the opening handshake or inside a frame. RFC 6455 leaves the limits to the server (§10.4);
what is checked is that the server's configured timeouts end such a connection."""
import asyncio
import os
import time

import wire
from answers import Answer, Kind, check
from timing import sleep_or_stop
from wire import OP_BINARY, OP_CLOSE

TRICKLE_INTERVAL = 0.25  # one byte this often: slow, but never idle for long


async def slowloris_handshake(target, number, stop):
    """Sends the upgrade request one byte at a time; the server must drop the connection when
    its handshake timeout runs out (the deadline covers TLS and the upgrade together)."""
    started = time.monotonic()
    reader, writer = await wire.open_stream(target)
    request, limit = wire.upgrade_request(), target.handshake_timeout + 1.5

    async def trickle():
        for index in range(len(request)):
            writer.write(request[index:index + 1])
            if await sleep_or_stop(stop, TRICKLE_INTERVAL):
                return
    sender = asyncio.create_task(trickle())
    ended = await wire.stream_ends(reader, limit + 1)
    taken = time.monotonic() - started
    sender.cancel()
    writer.transport.abort()
    if stop.is_set():
        return None
    if not ended:
        actual = f"still open after {limit + 1:g} s"
    elif taken < target.handshake_timeout - 0.5:
        actual = "dropped early"
    else:
        actual = "dropped in time" if taken <= limit else "dropped late"
    return check("dropped in time", actual, taken,
                 expected=f"dropped at the handshake timeout ({target.handshake_timeout:g} s, "
                          f"+1.5 s)")


async def end_within(reader, limit, started):
    """The first Close or end of stream from the server within `limit` s of `started`: its
    description and when it came, or (None, elapsed) if the connection is still open."""
    try:
        async with asyncio.timeout(max(0.0, started + limit - time.monotonic())):
            while True:
                received = await wire.read_frame(reader)
                if received.opcode == OP_CLOSE:
                    return f"close {received.close_code()}", time.monotonic() - started
    except TimeoutError:
        return None, time.monotonic() - started
    except wire.STREAM_ERRORS as error:
        return wire.describe_end(error), time.monotonic() - started


def frame_progress_limit(target):
    """Whatever timer the server uses against a frame that does not progress (its idle Ping and
    Pong timeout today), it must have given up within this: idle + pong + close + 2 s."""
    return target.idle_timeout + target.pong_timeout + target.close_timeout + 2


async def slowloris_frame(target, number, stop, interval):
    """A frame header (then payload) sent one byte every `interval` s, or (interval None) two
    header bytes and then silence: the server must close or drop the connection within
    frame_progress_limit, not keep it forever."""
    reader, writer, _ = await wire.upgraded(target)
    data, limit = wire.frame(OP_BINARY, os.urandom(1000)), frame_progress_limit(target)
    started = time.monotonic()

    async def trickle():
        for index in range(len(data) if interval else 2):
            writer.write(data[index:index + 1])
            if interval and await sleep_or_stop(stop, interval):
                return
    sender = asyncio.create_task(trickle())
    try:
        ended, taken = await end_within(reader, limit, started)
    finally:
        sender.cancel()
        writer.transport.abort()
    if stop.is_set() and ended is None:
        return None
    actual = "still open" if ended is None else "closed or dropped in time"
    return Answer(f"closed or dropped within {limit:g} s", actual if ended is None else
                  f"{ended} in time", ended is not None, taken)


async def slowloris_frame_stall(target, number, stop):
    return await slowloris_frame(target, number, stop, interval=None)


async def slowloris_frame_trickle(target, number, stop):
    return await slowloris_frame(target, number, stop, interval=1.0)


KINDS = [
    Kind("slowloris_handshake", "the upgrade request one byte every 0.25 s",
         "dropped at --handshake-timeout (RFC 6455 §4.1 leaves the limit to the server)",
         slowloris_handshake, pause=0.5, parallel=4),
    Kind("slowloris_frame_stall", "2 bytes of a frame header, then silence",
         "Close or drop within idle+pong+close+2 s", slowloris_frame_stall, pause=0.5, parallel=2),
    Kind("slowloris_frame_trickle", "a frame header and payload, 1 byte every 1 s (< idle)",
         "Close or drop within idle+pong+close+2 s", slowloris_frame_trickle, pause=0.5,
         parallel=2),
]
