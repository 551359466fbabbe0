# SPDX-License-Identifier: MIT
"""Attacks on flow: peers that stop reading (for good, or then read everything), read slowly,
flood Pings, or stream at full speed. What the server must do here is mostly its own policy
(backpressure, timeouts); RFC 6455 only says what the echoes and Pongs must be."""
import asyncio
import os
import time

import wire
from answers import Kind, check
from timing import sleep_or_stop
from wire import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG

BLOCKED_FOR = 1.0  # a write that cannot drain this long: the server has stopped reading
CLIENT_RECEIVE_BUFFER = 16 * 1024


def kernel_maximum(name):
    with open(f"/proc/sys/net/ipv4/{name}") as f:
        return int(f.read().split()[2])


def flooding_bound(target):
    """The most a peer that reads nothing can push before a server that stops reading blocks
    it: the server's outbound limit (plus the message that crossed it), what it holds read but
    unparsed (at most a read slice: 16 reads of 64 KiB), and every kernel buffer on the way
    (the server's receive and send buffers, ours, at their autotuning maxima), plus 1 MiB."""
    return (target.max_outbound + target.max_message + (1 << 20) + kernel_maximum("tcp_rmem") +
            2 * kernel_maximum("tcp_wmem") + 2 * CLIENT_RECEIVE_BUFFER + (1 << 20))


async def fill_until_blocked(writer, make_frame, cap, seconds=None):
    """Writes make_frame(0), make_frame(1), ... until a write cannot drain for BLOCKED_FOR s
    ("blocked"), `cap` bytes have left us ("cap"), `seconds` have passed ("time") or the server
    ended the connection ("dropped"). Returns (bytes that left us, frames written, that reason).
    Every frame written is eventually sent: asyncio keeps what the kernel has not taken."""
    writer.transport.set_write_buffer_limits(high=64 * 1024)
    written, count, ended = 0, 0, "cap"
    deadline = time.monotonic() + seconds if seconds else None
    while written - writer.transport.get_write_buffer_size() < cap:
        if deadline and time.monotonic() >= deadline:
            ended = "time"
            break
        data = make_frame(count)
        writer.write(data)
        written, count = written + len(data), count + 1
        try:
            await asyncio.wait_for(writer.drain(), BLOCKED_FOR)
        except asyncio.TimeoutError:
            ended = "blocked"
            break
        except wire.STREAM_ERRORS:
            ended = "dropped"
            break
    return written - writer.transport.get_write_buffer_size(), count, ended


def pushed_back(target, accepted, ended, elapsed):
    """The answer of a flood against a peer that does not read: the server stops reading it;
    it may also drop it, once its keep-alive has run out (idle + pong timeout)."""
    if accepted > flooding_bound(target) or ended == "cap":
        return "kept reading"
    if ended == "dropped":
        return ("stopped reading, dropped by the keep-alive" if elapsed >= target.idle_timeout
                else "dropped before the keep-alive ran out")
    return "stopped reading"


async def never_reading(target, number, stop):
    """64 KiB frames (echoed by the server) from a peer that never reads: the server must stop
    reading it (its outbound buffer stays bounded) and serve everyone else meanwhile; the
    paused connection is then held for a keep-alive cycle (the server may drop it then)."""
    reader, writer, _ = await wire.upgraded(target, receive_buffer=CLIENT_RECEIVE_BUFFER)
    try:
        writer.transport.pause_reading()
        data = wire.frame(OP_BINARY, os.urandom(65536))
        started = time.monotonic()
        accepted, _, ended = await fill_until_blocked(
            writer, lambda _: data, flooding_bound(target) + (16 << 20))
        elapsed = time.monotonic() - started
        actual = pushed_back(target, accepted, ended, elapsed)
        if ended == "blocked":
            await sleep_or_stop(stop, target.idle_timeout + target.pong_timeout + 1)
        return check(("stopped reading", "stopped reading, dropped by the keep-alive"), actual,
                     elapsed - BLOCKED_FOR if ended == "blocked" else None,
                     expected="the server stops reading (backpressure at --max-outbound)",
                     detail=f"{accepted >> 20} MiB taken in {elapsed:.1f} s, bound "
                            f"{flooding_bound(target) >> 20} MiB")
    finally:
        wire.reset(writer)


def numbered(number, size=1024):
    """A message that says which one it is in every 4 octets."""
    return number.to_bytes(4, "big") * (size // 4)


async def stop_then_read_all(target, number, stop):
    """1 KiB messages without reading until the server pushes back (or for idle-2 s at most:
    this peer pauses, it is not dead, and must not look dead to the keep-alive), then reading
    everything: every echo in order, or (if the server had to refuse one) a Close 1008 right
    after the last one delivered. Nothing may be missing silently."""
    reader, writer, _ = await wire.upgraded(target, receive_buffer=64 * 1024)
    try:
        writer.transport.pause_reading()
        started = time.monotonic()
        _, count, ended = await fill_until_blocked(
            writer, lambda i: wire.frame(OP_BINARY, numbered(i)), flooding_bound(target),
            seconds=target.idle_timeout - 2 - BLOCKED_FOR)
        blocked_after = time.monotonic() - started - BLOCKED_FOR if ended == "blocked" else None
        writer.transport.resume_reading()
        actual, detail = await all_echoed(reader, writer, count)
        writer.write(wire.close_frame(1000))
        return check(ALL_ECHOED, actual, blocked_after, detail=detail,
                     expected="every echo in order, or a Close 1008 after the last one")
    finally:
        writer.transport.abort()


ALL_ECHOED = ("every echo in order", "close 1008 after the last delivered")


async def all_echoed(reader, writer, count, first=0, timeout=30, size=1024):
    """Reads echoes `first` to `count`-1 (numbered messages of `size`). Returns (one of
    ALL_ECHOED, or what else ended the reading; how many echoes came)."""
    received, ending = await read_echoes(reader, count - first,
                                         lambda i: numbered(first + i, size), timeout, writer)
    return echo_answer(ending), f"{first + received} of {count} echoes"


def echo_answer(ending):
    """The answer for how reading numbered echoes ended (see read_echoes)."""
    if ending is None:
        return "every echo in order"
    if ending == "close 1008":
        return "close 1008 after the last delivered"
    return f"{ending} before the last echo"


SLOW_READ_SECONDS = 12  # longer than idle + pong + close: the keep-alive has to cope
SLOW_MESSAGE = 8192
# One 8 KiB echo every 0.25 s: 32 KiB/s, slow enough that draining half of --max-outbound
# (where the server resumes reading) takes longer than its idle + pong timeouts (16 s > 7 s).
SLOW_READ_INTERVAL = 0.25


async def slow_reader(target, number, stop):
    """A peer that sends 8 KiB messages as fast as the server takes them and reads its echoes
    slowly but without pause (32 KiB/s), answering every Ping it reads, for 12 s; then reads
    the rest at full speed. It is alive all along: every echo in order, or a Close 1008 right
    after the last one delivered; not a drop. Little is read ahead, so that what fills is the
    server's buffer (when this sender is starved of CPU it may not fill it: such an attempt
    passes without telling much)."""
    reader, writer, _ = await wire.upgraded(target, receive_buffer=64 * 1024,
                                            read_ahead=32 * 1024)
    sent = 0

    async def send_all():
        nonlocal sent
        while not writer.transport.is_closing():
            writer.write(wire.frame(OP_BINARY, numbered(sent, SLOW_MESSAGE)))
            sent += 1
            await writer.drain()
            # Python 3.11's TLS transport may not look closing after its socket failed, and then
            # drain() returns without yielding (CPython gh-118950): yield, or the loop spins.
            await asyncio.sleep(0)
    sender = asyncio.create_task(send_all())
    try:
        received, ending, deadline = 0, None, time.monotonic() + SLOW_READ_SECONDS
        while ending is None and time.monotonic() < deadline and not stop.is_set():
            got, ending = await read_echoes(reader, 1, lambda _: numbered(received, SLOW_MESSAGE),
                                            SLOW_READ_SECONDS + 10, writer)
            received += got
            await asyncio.sleep(SLOW_READ_INTERVAL)
        sender.cancel()
        if stop.is_set() and ending is None:
            return None  # cut short: not a slow reader for long enough to tell
        if ending is None:
            actual, detail = await all_echoed(reader, writer, sent, first=received,
                                              size=SLOW_MESSAGE)
        else:
            actual, detail = echo_answer(ending), f"{received} of {sent} echoes"
        writer.write(wire.close_frame(1000))
        return check(ALL_ECHOED, actual, detail=detail, expected="every echo in order, or a Close "
                                                               "1008 after the last one (a slow "
                                                               "peer is not a dead one)")
    finally:
        sender.cancel()
        writer.transport.abort()


async def read_echoes(reader, count, expected_message, timeout, writer=None):
    """Reads binary echoes, expected_message(i) each, in order, until `count` have come (count
    None: until a Close), answering Pings when given the `writer` (RFC 6455 §5.5.3). Returns
    (echoes received in order, how the reading ended: None when all came, else "close CODE",
    "echo differs", "stalled" or the end of the stream)."""
    received = 0
    try:
        async with asyncio.timeout(timeout):
            while count is None or received < count:
                echo = await wire.read_frame(reader)
                if echo.opcode == OP_CLOSE:
                    return received, f"close {echo.close_code()}"
                if echo.opcode == OP_PING and writer:
                    writer.write(wire.frame(OP_PONG, echo.payload))
                if echo.opcode in (OP_PING, OP_PONG):
                    continue
                if echo.opcode != OP_BINARY or echo.payload != expected_message(received):
                    return received, "echo differs"
                received += 1
    except TimeoutError:
        return received, "stalled"
    except wire.STREAM_ERRORS as error:
        return received, wire.describe_end(error)
    return received, None


def ping_payload(number):
    """125 octets (the most a control frame carries, RFC 6455 §5.5) that name the Ping."""
    return number.to_bytes(8, "big") + bytes([number % 251]) * 117


class PongCheck:
    """Pongs must carry a Ping's payload (RFC 6455 §5.5.3) in the order the Pings were sent;
    a Pong may be skipped for a Ping followed by another, never for the last one."""

    def __init__(self):
        self.last_answered, self.pongs, self.problem, self.closed = -1, 0, None, None

    async def collect(self, reader):
        try:
            while True:
                received = await wire.read_frame(reader)
                if received.opcode == OP_CLOSE:
                    self.closed = received.close_code()
                    return
                if received.opcode != OP_PONG:
                    continue
                number = int.from_bytes(received.payload[:8], "big")
                if received.payload != ping_payload(number):
                    self.problem = self.problem or f"pong {self.pongs} carries no ping's payload"
                elif number <= self.last_answered:
                    self.problem = self.problem or (
                        f"pong for ping {number} after {self.last_answered}")
                self.last_answered, self.pongs = max(number, self.last_answered), self.pongs + 1
        except wire.STREAM_ERRORS as error:
            self.closed = wire.describe_end(error)

    async def last_one_answered(self, collector, last, timeout=10):
        try:
            async with asyncio.timeout(timeout):
                while self.last_answered < last and not collector.done():
                    await asyncio.sleep(0.01)
        except TimeoutError:
            pass
        if self.problem:
            return self.problem
        if self.last_answered == last:
            return "pongs echo the pings, the last answered"
        if self.closed is not None:
            return f"close {self.closed}" if isinstance(self.closed, int) else str(self.closed)
        return f"no pong for the last ping in {timeout} s"


PING_BATCH = 64
PING_FLOOD_SECONDS = 2.0
# A Pong is the server's own answer, not an application send: with Pongs unwritten it may
# answer only the latest Ping (§5.5.3), so it need not stop reading a Ping flood to stay
# bounded (its RSS is watched). The flood that reads nothing keeps under the server's Ping rate:
# over it the server closes with 1008, which a peer that does not read never sees, and the
# flood that goes on past the close timeout is dropped (the reading flood shows the 1008).
PING_FLOOD_PACE = 0.9  # of --max-pings-per-second


async def paced_pings(writer, rate, seconds):
    """Ping batches for `seconds`, at most PING_FLOOD_PACE * rate per second; returns how many."""
    sent, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        ahead = sent - PING_FLOOD_PACE * rate * elapsed
        if ahead > 0:
            await asyncio.sleep(ahead / (PING_FLOOD_PACE * rate))
            continue
        writer.write(ping_batch(sent))
        sent += PING_BATCH
        await asyncio.wait_for(writer.drain(), 10)
    return sent


def ping_batch(first):
    return b"".join(wire.frame(OP_PING, ping_payload(first + i)) for i in range(PING_BATCH))


async def ping_flood(target, number, stop, reading):
    """Pings in batches as fast as the connection takes them, reading the Pongs all along or
    only afterwards; then one last Ping, whose Pong must come."""
    reader, writer, _ = await wire.upgraded(target, receive_buffer=CLIENT_RECEIVE_BUFFER)
    pongs, collector = PongCheck(), None
    try:
        if reading:
            collector = asyncio.create_task(pongs.collect(reader))
            sent, deadline = 0, time.monotonic() + PING_FLOOD_SECONDS
            while time.monotonic() < deadline and not collector.done() and not stop.is_set():
                writer.write(ping_batch(sent))
                sent += PING_BATCH
                await asyncio.wait_for(writer.drain(), 10)
        else:
            writer.transport.pause_reading()
            sent = await paced_pings(writer, target.max_pings_per_second, PING_FLOOD_SECONDS)
            writer.transport.resume_reading()
            collector = asyncio.create_task(pongs.collect(reader))
        writer.write(wire.frame(OP_PING, ping_payload(sent)))
        actual = await pongs.last_one_answered(collector, sent)
        # Over --max-pings-per-second (1000 by default) the server closes with 1008, after
        # answering every Ping before it in order.
        return check(["pongs echo the pings, the last answered", "close 1008"], actual)
    finally:
        if collector:
            collector.cancel()
        writer.transport.abort()


async def ping_flood_reading(target, number, stop):
    return await ping_flood(target, number, stop, reading=True)


async def ping_flood_not_reading(target, number, stop):
    return await ping_flood(target, number, stop, reading=False)


STREAM_SECONDS = 3.0
STREAM_BLOCK = os.urandom(16 * 1024)


def stream_message(number):
    return number.to_bytes(8, "big") + STREAM_BLOCK[8:]


async def data_stream_full_speed(target, number, stop):
    """16 KiB binary messages as fast as the server takes them, for 3 s, the echoes read and
    checked all along: every echo back in order (the others' latency is the good clients')."""
    reader, writer, _ = await wire.upgraded(target)
    sent = 0
    collector = asyncio.create_task(read_echoes(reader, None, stream_message, timeout=60))
    try:
        writer.transport.set_write_buffer_limits(high=256 * 1024)
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline and not collector.done() and not stop.is_set():
            writer.write(wire.frame(OP_BINARY, stream_message(sent)))
            sent += 1
            await asyncio.wait_for(writer.drain(), 10)
        # A Close ends the echoes: those sent before it must all have come back first.
        writer.write(wire.close_frame(1000))
        received, ending = await asyncio.wait_for(collector, 30)
        # RFC 6455 §5.5.1: the server answers our Close after the echoes it owed.
        actual = "every echo in order" if (received, ending) == (sent, "close 1000") else (
            f"{ending} before the last echo")
        return check("every echo in order", actual, detail=f"{received} of {sent} echoes")
    finally:
        collector.cancel()
        writer.transport.abort()


KINDS = [
    Kind("never_reading", "64 KiB frames, never reading (receive buffer 16 KiB)",
         "server stops reading at --max-outbound, others unaffected; connection may be dropped "
         "at idle+pong", never_reading, pause=1.0),
    Kind("stop_then_read_all", "1 KiB numbered messages until pushed back (3 s at most), "
         "then read all", "every echo in order, or Close 1008 right after the last delivered "
         "(nothing silently missing)", stop_then_read_all, pause=0.5),
    Kind("slow_reader", "8 KiB messages as fast as taken, echoes read at 32 KiB/s for 12 s "
         "(Pings answered), then read all", "every echo in order, or Close 1008 right after "
         "the last delivered; a slow peer is not dropped as dead", slow_reader, pause=0.5),
    Kind("ping_flood_reading", "125-byte Pings at full speed for 2 s, Pongs read",
         "Pongs echo the payloads in order, the last Ping answered (RFC 6455 §5.5.2, §5.5.3), "
         "or Close 1008 over the Ping rate", ping_flood_reading, pause=1.0),
    Kind("ping_flood_not_reading", "125-byte Pings for 2 s just under the server's rate, "
         "nothing read, then read all", "Pongs echo the payloads in order, the last answered "
         "(§5.5.3: only the latest need be), or Close 1008", ping_flood_not_reading, pause=1.0),
    Kind("data_stream_full_speed", "16 KiB messages at full speed for 3 s, echoes read",
         "every echo in order; others' p99 within the bound", data_stream_full_speed, pause=1.0),
]
