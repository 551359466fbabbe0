# SPDX-License-Identifier: MIT
"""Attacks on the opening handshake (RFC 6455 §4, RFC 9112): garbage, huge and many
headers, a wrong version, resets half-way, and connection churn."""
import asyncio
import os
import random

import wire
from answers import Answer, Kind, check
from timing import alive_answer

# Requests the server must refuse with 400 (RFC 9112 §3, §5, RFC 6455 §4.2.1); each named.
GARBAGE_REQUESTS = [
    b"\x00\x01\x02\x03garbage\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40) + b"\r\n\r\n",  # a ClientHello
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n",  # no Sec-WebSocket-Key (§4.2.1 item 5)
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",  # key not 16 bytes
    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",  # no Host
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"X-Folded: a\r\n b\r\n\r\n",  # obs-fold (RFC 9112 §5.2)
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",  # a field name with a space
]


async def http_answer(target, request):
    """Sends `request` and returns "HTTP <status>" once the server has also ended the stream
    after it (a refused handshake is the end of the connection), or what happened instead."""
    reader, writer = await wire.open_stream(target)
    try:
        writer.write(request)
        status, head = await wire.read_http_head(reader)
        grace = target.close_timeout + 3
        if not await wire.stream_ends(reader, grace):
            return f"HTTP {status}, TCP still open {grace:g} s later", head
        return f"HTTP {status}", head
    except wire.UnexpectedAnswer as error:
        return str(error), b""
    finally:
        writer.transport.abort()


async def garbage_handshake(target, number, stop):
    request = GARBAGE_REQUESTS[number % len(GARBAGE_REQUESTS)]
    if number % len(GARBAGE_REQUESTS) == 0:
        request = b"\x01" + os.urandom(200).replace(b"\r", b"").replace(b"\n", b"") + b"\r\n\r\n"
    actual, _ = await http_answer(target, request)
    return check("HTTP 400", actual)


async def huge_header(target, number, stop):
    """One header line of 16 KiB, twice the server's head limit (8 KiB)."""
    size = 16 * 1024 + number % 1000
    actual, _ = await http_answer(target, wire.upgrade_request(b"X-Huge: " + b"a" * size + b"\r\n"))
    return check("HTTP 431", actual)


async def many_headers(target, number, stop):
    """Thousands of short header lines, together past the head limit."""
    lines = b"".join(b"X-Header-%d: value\r\n" % i for i in range(1000 + number % 1000))
    actual, _ = await http_answer(target, wire.upgrade_request(lines))
    return check("HTTP 431", actual)


async def wrong_version(target, number, stop):
    """RFC 6455 §4.2.2 item 4: an unsupported version gets 426 and the versions served."""
    version = (b"8", b"12", b"14", b"7, 8", b"")[number % 5]
    actual, head = await http_answer(target, wire.upgrade_request(version=version))
    if actual == "HTTP 426" and b"\r\nSec-WebSocket-Version: 13\r\n" not in head:
        actual = "HTTP 426 without Sec-WebSocket-Version: 13"
    return check("HTTP 426", actual, expected="HTTP 426 with Sec-WebSocket-Version: 13")


async def reset_mid_handshake(target, number, stop):
    reader, writer = await wire.open_stream(target)
    request = wire.upgrade_request()
    writer.write(request[:random.randrange(1, len(request))])
    await asyncio.sleep(random.random() * 0.05)
    wire.reset(writer)
    return alive_answer(target, "a reset in the handshake")


async def connection_churn(target, number, stop):
    """Connections opened and closed as fast as a bounded loop goes, four ways in turn: a whole
    echo and close handshake, an immediate close, a FIN without a Close, a reset."""
    way = number % 4
    if way == 1:
        reader, writer = await wire.open_stream(target)
        writer.transport.abort()
        return alive_answer(target, "a connection closed at once")
    reader, writer, _ = await wire.upgraded(target)
    if way == 2:
        await wire.close_quietly(writer)
        return alive_answer(target, "a FIN without a Close")
    if way == 3:
        wire.reset(writer)
        return alive_answer(target, "a reset after the upgrade")
    try:
        text = f"churn {number}".encode()
        writer.write(wire.frame(wire.OP_TEXT, text))
        echo = await asyncio.wait_for(wire.read_frame(reader), 10)
        if (echo.opcode, echo.payload) != (wire.OP_TEXT, text):
            return Answer("the echo, then close 1000", f"echo {echo.opcode} {echo.payload[:20]!r}",
                          False)
        writer.write(wire.close_frame(1000))
        # RFC 6455 §5.5.1: the Close is answered with a Close, then the server ends TCP.
        actual = await wire.closing_answer(reader, writer, target)
        return check("close 1000", actual, expected="the echo, then close 1000")
    finally:
        writer.transport.abort()


KINDS = [
    Kind("garbage_handshake", "binary junk, a ClientHello, no key, a short key, no Host, "
         "obs-fold, no Connection: Upgrade, a bad field name",
         "400 (RFC 9112 §3, §3.2, §5; RFC 6455 §4.2.1), then TCP closed", garbage_handshake),
    Kind("huge_header", "an upgrade with one 16 KiB header (head limit 8 KiB)",
         "431 (RFC 6585 §5)", huge_header),
    Kind("many_headers", "an upgrade with 1000-2000 short headers", "431 (RFC 6585 §5)",
         many_headers),
    Kind("wrong_version", "Sec-WebSocket-Version 8, 12, 14, '7, 8' or empty",
         "426 with Sec-WebSocket-Version: 13 (RFC 6455 §4.2.2 item 4)", wrong_version),
    Kind("reset_mid_handshake", "part of an upgrade request, then a TCP RST",
         "no crash, descriptor released", reset_mid_handshake, pause=0.1),
    Kind("connection_churn", "open/echo/close 1000, open/close, FIN without Close, RST",
         "echo and Close 1000 answered (RFC 6455 §5.5.1); no descriptor leak",
         connection_churn, pause=0.02, parallel=2),
]
