# SPDX-License-Identifier: MIT
"""Attacks with frames on an upgraded connection: each breaks one rule of RFC 6455 (or RFC 7692)
and the server must fail the connection with the close code that rule names, then end TCP."""
import asyncio
import functools
import os
import random
import zlib

import wire
from answers import Kind, check
from timing import alive_answer
from wire import OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT


async def close_code_after(target, number, frames, extra_headers=b""):
    """Upgrades, writes `frames`, and returns how the server ended the connection (see
    wire.closing_answer); every other attempt answers the server's Close, the others leave it
    to the server's close timeout."""
    reader, writer, _ = await wire.upgraded(target, extra_headers)
    try:
        writer.write(b"".join(frames))
        return await wire.closing_answer(reader, writer, target, reply=number % 2 == 0)
    finally:
        writer.transport.abort()


async def unmasked_frame(target, number, stop):
    payload = b"not masked" * (number % 20)
    actual = await close_code_after(target, number, [wire.frame(OP_TEXT, payload, masked=False)])
    return check("close 1002", actual)


async def reserved_opcode(target, number, stop):
    opcode = (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF)[number % 10]
    actual = await close_code_after(target, number, [wire.frame(opcode, b"reserved")])
    return check("close 1002", actual)


async def bad_control_frame(target, number, stop):
    """RFC 6455 §5.5: control frames are never fragmented and carry at most 125 bytes."""
    frames = ([wire.frame(OP_PING, b"fragmented", fin=False)],
              [wire.frame(OP_PING, b"x" * 126)],
              [wire.frame(OP_CLOSE, (1000).to_bytes(2, "big") + b"x" * 124)],
              [wire.frame(OP_PONG, b"first", fin=False), wire.frame(OP_CONTINUATION, b"")])
    actual = await close_code_after(target, number, frames[number % len(frames)])
    return check("close 1002", actual)


async def rsv_without_extension(target, number, stop):
    """RFC 6455 §5.2: RSV bits must be 0 unless an extension defines them; none is negotiated
    here (RSV1 without permessage-deflate included)."""
    rsv = 1 + number % 7
    actual = await close_code_after(target, number, [wire.frame(OP_TEXT, b"rsv", rsv=rsv)])
    return check("close 1002", actual)


async def bad_continuation(target, number, stop):
    """RFC 6455 §5.4: a continuation frame needs a message in progress, and a new data frame
    may not start while one is."""
    frames = ([wire.frame(OP_CONTINUATION, b"orphan")],
              [wire.frame(OP_TEXT, b"one", fin=False), wire.frame(OP_BINARY, b"two")])
    actual = await close_code_after(target, number, frames[number % 2])
    return check("close 1002", actual)


async def garbage_frames(target, number, stop):
    """Random bytes after the upgrade, starting with a header whose opcode is reserved and
    whose length is short (so the only rule broken first is §5.2's opcode)."""
    first = random.choice((3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF)) | (random.randrange(16) << 4)
    junk = bytes([first, 0x80 | random.randrange(126)]) + os.urandom(random.randrange(4, 4000))
    actual = await close_code_after(target, number, [junk])
    return check("close 1002", actual)


async def oversized_frame(target, number, stop):
    """A header announcing more than --max-frame (the payload never follows in full): 1009
    (§7.4.1); a 64-bit length with its top bit set breaks §5.2 instead: 1002."""
    if number % 4 == 3:
        header = wire.frame(OP_BINARY, length=1 << 63)
        return check("close 1002", await close_code_after(target, number, [header + bytes(64)]))
    length = (target.max_frame + 1, 1 << 40, 1 << 62)[number % 3]
    header = wire.frame(OP_BINARY, length=length)
    actual = await close_code_after(target, number, [header + os.urandom(65536)])
    return check("close 1009", actual)


async def oversized_message(target, number, stop):
    """Fragments each under --max-frame, together over --max-message: 1009 (§7.4.1)."""
    piece = os.urandom(256 * 1024)
    count = target.max_message // len(piece) + 1
    opcode = OP_BINARY if number % 2 else OP_TEXT
    piece = piece if opcode == OP_BINARY else b"a" * len(piece)
    frames = [wire.frame(opcode if i == 0 else OP_CONTINUATION, piece, fin=i == count - 1)
              for i in range(count)]
    return check("close 1009", await close_code_after(target, number, frames))


# Text payloads that are not UTF-8 (RFC 3629): a truncated sequence, a surrogate, past
# U+10FFFF, an overlong form, a byte never used, and one broken in a later fragment.
INVALID_UTF8 = [b"\xc3\x28", b"ok \xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"hello\xff"]


async def invalid_utf8(target, number, stop):
    """RFC 6455 §8.1: text that is not UTF-8 fails the connection with 1007. A valid sequence
    split across two fragments is not an error: it must be echoed."""
    variant = number % (len(INVALID_UTF8) + 2)
    if variant == len(INVALID_UTF8) + 1:
        return await split_utf8_is_echoed(target)
    if variant == len(INVALID_UTF8):
        frames = [wire.frame(OP_TEXT, "κόσμε".encode(), fin=False),
                  wire.frame(OP_CONTINUATION, b"\xce\xba\xff", fin=True)]
    else:
        frames = [wire.frame(OP_TEXT, INVALID_UTF8[variant])]
    return check("close 1007", await close_code_after(target, number, frames))


async def split_utf8_is_echoed(target):
    text = "κόσμε".encode()
    reader, writer, _ = await wire.upgraded(target)
    try:
        writer.write(wire.frame(OP_TEXT, text[:3], fin=False) +
                     wire.frame(OP_CONTINUATION, text[3:]))
        echoed = await asyncio.wait_for(read_message(reader), 10)
        actual = "echoed" if echoed == (OP_TEXT, text) else f"echo {echoed!r:.60}"
        return check("echoed", actual, expected="a UTF-8 sequence split across fragments echoed")
    except (asyncio.TimeoutError, *wire.STREAM_ERRORS) as error:
        return check("echoed", f"no echo: {type(error).__name__}")
    finally:
        writer.transport.abort()


async def read_message(reader):
    """The next whole data message from the server, as (opcode, payload); a Close ends the
    wait with (OP_CLOSE, code)."""
    opcode, parts = None, []
    while True:
        received = await wire.read_frame(reader)
        if received.opcode == OP_CLOSE:
            return OP_CLOSE, received.close_code()
        if received.opcode in (OP_PING, OP_PONG):
            continue
        opcode = opcode if received.opcode == OP_CONTINUATION else received.opcode
        parts.append(received.payload)
        if received.fin:
            return opcode, b"".join(parts)


# RFC 6455 §7.4.1, §7.4.2: codes that may not be sent (never used, reserved, or only reported
# locally) and those past 4999; a 1-byte body cannot hold a code (§5.5.1).
INVALID_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]


async def invalid_close_code(target, number, stop):
    variant = number % (len(INVALID_CLOSE_CODES) + 2)
    if variant == len(INVALID_CLOSE_CODES):
        frames, expected = [wire.frame(OP_CLOSE, b"\x03")], "close 1002"
    elif variant == len(INVALID_CLOSE_CODES) + 1:
        # §5.5.1: the reason is UTF-8; §8.1 makes invalid text a 1007.
        frames, expected = [wire.close_frame(1000, b"bad \xff reason")], "close 1007"
    else:
        frames, expected = [wire.close_frame(INVALID_CLOSE_CODES[variant])], "close 1002"
    return check(expected, await close_code_after(target, number, frames))


@functools.cache
def tiny_fragments(size=65536):
    """A text message and its frames, one byte each (built once: 65,536 masks take a while)."""
    text = bytes(random.choice(b"abcdefghij") for _ in range(64)) * (size // 64)
    frames = [wire.frame(OP_TEXT if i == 0 else OP_CONTINUATION, text[i:i + 1],
                         fin=i == size - 1) for i in range(size)]
    return text, b"".join(frames)


async def tiny_fragment_flood(target, number, stop):
    """A 64 KiB text message in 1-byte frames (65,536 frames, ~390 KB on the wire): delivered
    whole, or refused by one of the server's limits (1009, or 1008 as a policy)."""
    text, wire_bytes = tiny_fragments()
    reader, writer, _ = await wire.upgraded(target)
    try:
        writer.write(wire_bytes)
        opcode, payload = await asyncio.wait_for(read_message(reader), 30)
        if opcode == OP_CLOSE:
            actual = f"close {payload}"
        else:
            actual = "delivered whole" if (opcode, payload) == (OP_TEXT, text) else (
                f"echo differs ({len(payload)} bytes, opcode {opcode})")
    except (asyncio.TimeoutError, *wire.STREAM_ERRORS) as error:
        actual = f"no answer: {type(error).__name__}"
    finally:
        writer.transport.abort()
    return check(("delivered whole", "close 1009", "close 1008"), actual)


@functools.cache
def deflate_bomb(inflated_size):
    """A raw DEFLATE stream of zeros and its size inflated, the last 4 octets (00 00 ff ff) of
    the sync flush removed (RFC 7692 §7.2.1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = compressor.compress(bytes(inflated_size)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert body.endswith(b"\x00\x00\xff\xff")
    return body[:-4]


BOMB_INFLATED = 64 << 20  # 64 MiB of zeros, about 64 KiB compressed


async def decompression_bomb(target, number, stop):
    """permessage-deflate negotiated (no window parameters offered, so the server may not limit
    ours), then a compressed message that inflates past --max-message: 1009 (§7.4.1; the limit
    applies to the message inflated), in one frame or in fragments (RSV1 on the first only)."""
    offer = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
    reader, writer, head = await wire.upgraded(target, offer)
    try:
        if b"permessage-deflate" not in head.lower():
            return check("close 1009", "permessage-deflate not negotiated")
        opcode, bomb = OP_BINARY if number % 2 else OP_TEXT, deflate_bomb(BOMB_INFLATED)
        if number % 4 < 2:
            frames = [wire.frame(opcode, bomb, rsv=4)]
        else:
            pieces = [bomb[i:i + 16384] for i in range(0, len(bomb), 16384)]
            frames = [wire.frame(opcode if i == 0 else OP_CONTINUATION, piece,
                                 fin=i == len(pieces) - 1, rsv=4 if i == 0 else 0)
                      for i, piece in enumerate(pieces)]
        writer.write(b"".join(frames))
        return check("close 1009", await wire.closing_answer(reader, writer, target))
    finally:
        writer.transport.abort()


async def reset_mid_frame(target, number, stop):
    reader, writer, _ = await wire.upgraded(target)
    whole = wire.frame(OP_BINARY, os.urandom(65536))
    writer.write(whole[:random.randrange(1, len(whole))])
    await asyncio.sleep(random.random() * 0.05)
    wire.reset(writer)
    return alive_answer(target, "a reset in a frame")


KINDS = [
    Kind("unmasked_frame", "a text frame without a mask",
         "close 1002 (RFC 6455 §5.1, §5.3)", unmasked_frame),
    Kind("reserved_opcode", "frames with opcodes 3-7 and 0xB-0xF",
         "close 1002 (RFC 6455 §5.2)", reserved_opcode),
    Kind("bad_control_frame", "a fragmented Ping or Pong, a Ping or Close over 125 bytes",
         "close 1002 (RFC 6455 §5.5)", bad_control_frame),
    Kind("rsv_without_extension", "RSV1-3 set, no extension negotiated",
         "close 1002 (RFC 6455 §5.2)", rsv_without_extension),
    Kind("bad_continuation", "a continuation with no message, a new message inside one",
         "close 1002 (RFC 6455 §5.4)", bad_continuation),
    Kind("garbage_frames", "random bytes starting with a reserved opcode",
         "close 1002 (RFC 6455 §5.2)", garbage_frames),
    Kind("oversized_frame", "a header announcing max-frame+1, 2^40, 2^62 (or 2^63: bad)",
         "close 1009 (RFC 6455 §7.4.1); top length bit set: 1002 (§5.2)", oversized_frame),
    Kind("oversized_message", "256 KiB fragments past --max-message",
         "close 1009 (RFC 6455 §7.4.1)", oversized_message, pause=0.3),
    Kind("invalid_utf8", "text with bad UTF-8 (whole or in a later fragment); a split valid one",
         "close 1007 (RFC 6455 §8.1); the split valid one echoed", invalid_utf8),
    Kind("invalid_close_code", "Close with codes 0, 999, 1004-1006, 1015, 1016, 1100, 2000, "
         "2999, 5000, 65535, a 1-byte body, a bad UTF-8 reason",
         "close 1002 (RFC 6455 §7.4, §5.5.1); bad reason: 1007 (§8.1)", invalid_close_code),
    Kind("tiny_fragment_flood", "a 64 KiB text message in 65,536 1-byte frames",
         "delivered whole, or 1009/1008 (RFC 6455 §5.4, §10.4)", tiny_fragment_flood, pause=0.5),
    Kind("decompression_bomb",
         f"deflate: {BOMB_INFLATED >> 20} MiB of zeros in ~64 KiB, whole or fragmented",
         "close 1009 (RFC 6455 §7.4.1, RFC 7692 §8.1 limits after inflating)",
         decompression_bomb, pause=0.3),
    Kind("reset_mid_frame", "part of a 64 KiB frame, then a TCP RST",
         "no crash, descriptor released", reset_mid_frame, pause=0.1),
]
