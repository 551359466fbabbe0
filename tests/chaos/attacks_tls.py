# SPDX-License-Identifier: MIT
"""Attacks on the TLS port: plain HTTP and junk where a ClientHello belongs, ClientHellos the
server must refuse (TLS 1.0/1.1, no cipher suite in common), and resets in the TLS handshake.
The ClientHellos are written by hand (RFC 5246 §7.4.1.2) so that what is offered is exactly
what the attack says, whatever the local OpenSSL would agree to send."""
import asyncio
import functools
import os
import random
import ssl

import wire
from answers import Kind, check
from timing import alive_answer

RECORD_ALERT, RECORD_HANDSHAKE = 21, 22
HANDSHAKE_SERVER_HELLO = 2
ALERT_NAMES = {10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
               47: "illegal_parameter", 50: "decode_error", 70: "protocol_version",
               71: "insufficient_security", 80: "internal_error"}

ECDHE_SUITES = (0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA8, 0xCCA9)  # what the server offers
# Suites the server does not enable: RSA key exchange (no forward secrecy), CBC, NULL, RC4.
UNSHARED_SUITES = (0x002F, 0x0035, 0x009C, 0x009D, 0x003C, 0x0001, 0x0002, 0x0004, 0x0005)


def extension(kind, body):
    return kind.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def vector(body, length_octets):
    return len(body).to_bytes(length_octets, "big") + body


def client_hello(version, suites):
    """A ClientHello record for `version` (0x0301 TLS 1.0 ... 0x0303 TLS 1.2) offering `suites`,
    with SNI, the groups and the signature algorithms a TLS 1.2 server needs for ECDHE."""
    name = b"localhost"
    extensions = b"".join((
        extension(0, vector(b"\x00" + vector(name, 2), 2)),           # server_name, RFC 6066
        extension(10, vector(b"\x00\x1d\x00\x17\x00\x18", 2)),        # x25519, P-256, P-384
        extension(11, vector(b"\x00", 1)),                            # uncompressed points
        extension(13, vector(b"\x04\x03\x05\x03\x08\x04\x04\x01", 2)),  # ECDSA, PSS, PKCS#1
    ))
    body = (version.to_bytes(2, "big") + os.urandom(32) + vector(b"", 1) +
            vector(b"".join(suite.to_bytes(2, "big") for suite in suites), 2) +
            vector(b"\x00", 1) + vector(extensions, 2))
    handshake = bytes([1]) + vector(body, 3)
    record_version = min(version, 0x0301)  # what ClientHellos carry (RFC 5246 appendix E.1)
    return bytes([RECORD_HANDSHAKE]) + record_version.to_bytes(2, "big") + vector(handshake, 2)


async def tls_answer(reader, timeout):
    """What the server sent back, up to the first alert or ServerHello, or the end: "alert NAME",
    "ServerHello 0xVVVV", "HTTP answer", "end of stream" / "reset", or "still open"."""
    try:
        async with asyncio.timeout(timeout):
            header = await reader.readexactly(5)
            if header.startswith(b"HTTP/"):
                return "HTTP answer"
            body = await reader.readexactly(int.from_bytes(header[3:5], "big"))
    except TimeoutError:
        return "still open"
    except wire.STREAM_ERRORS as error:
        return wire.describe_end(error)
    if header[0] == RECORD_ALERT and len(body) >= 2:
        return "alert " + ALERT_NAMES.get(body[1], str(body[1]))
    if header[0] == RECORD_HANDSHAKE and body[:1] == bytes([HANDSHAKE_SERVER_HELLO]):
        return f"ServerHello 0x{int.from_bytes(body[4:6], 'big'):04x}"
    return f"record type {header[0]}"


async def refused(target, payload, refusals=None):
    """Sends `payload` to the TLS port over plain TCP: the server must refuse (one of the
    `refusals` alerts, any alert if None, or just the end of the stream, within the handshake
    timeout) and then close TCP."""
    reader, writer = await wire.open_stream(target, tls=False)
    try:
        writer.write(payload)
        actual = await tls_answer(reader, target.handshake_timeout + 3)
        if actual.startswith("alert ") and not await wire.stream_ends(reader, 5):
            actual += ", TCP still open"
        alerts = [f"alert {name}" for name in refusals or ALERT_NAMES.values()]
        if not refusals and actual.startswith("alert ") and "," not in actual:
            alerts.append(actual)  # an alert this table does not name is still a refusal
        return check(alerts + ["end of stream", "reset"], actual,
                     expected=f"refused: {'/'.join(refusals) if refusals else 'a TLS'} alert "
                              f"or a close")
    finally:
        writer.transport.abort()


async def plain_http_on_tls_port(target, number, stop):
    request = (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", wire.upgrade_request())[number % 2]
    return await refused(target, request)


async def junk_on_tls_port(target, number, stop):
    junk = os.urandom(random.randrange(1, 4000))
    if junk[0] in (RECORD_ALERT, RECORD_HANDSHAKE):
        junk = b"\x00" + junk
    return await refused(target, junk)


async def old_tls_version(target, number, stop):
    """RFC 8996 §2-§3: TLS 1.0 and 1.1 MUST NOT be negotiated (the server is TLS 1.2 only)."""
    version = (0x0301, 0x0302)[number % 2]
    return await refused(target, client_hello(version, ECDHE_SUITES),
                         ("protocol_version", "handshake_failure", "insufficient_security"))


async def no_common_cipher(target, number, stop):
    """RFC 5246 §7.4.1.3: no acceptable suite is a handshake_failure alert."""
    return await refused(target, client_hello(0x0303, UNSHARED_SUITES),
                         ("handshake_failure", "insufficient_security"))


@functools.cache
def openssl_client_hello():
    """The ClientHello the local OpenSSL sends to this server (a real one, for resets; the
    same each time, which the server cannot tell)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    connection = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        connection.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


async def reset_mid_tls_handshake(target, number, stop):
    """A ClientHello (whole, or cut), the server's first flight read in part, then a RST."""
    hello = openssl_client_hello()
    reader, writer = await wire.open_stream(target, tls=False)
    if number % 3 == 0:
        writer.write(hello[:random.randrange(1, len(hello))])
        await asyncio.sleep(random.random() * 0.05)
    else:
        writer.write(hello)
        try:
            first = await asyncio.wait_for(reader.read(random.randrange(1, 2000)), 5)
        except (asyncio.TimeoutError, *wire.STREAM_ERRORS):
            first = b""
        if first[:1] != bytes([RECORD_HANDSHAKE]):
            wire.reset(writer)
            return check("ServerHello, then our reset", f"no ServerHello: {first[:8]!r}")
    wire.reset(writer)
    return alive_answer(target, "a reset in the TLS handshake")


KINDS = [
    Kind("plain_http_on_tls_port", "GET / and an upgrade request, in the clear",
         "TLS alert or close, no HTTP answer, no crash", plain_http_on_tls_port, tls_only=True),
    Kind("junk_on_tls_port", "1-4000 random bytes", "TLS alert or close, no crash",
         junk_on_tls_port, tls_only=True),
    Kind("old_tls_version", "ClientHello for TLS 1.0 / 1.1",
         "handshake refused: protocol_version alert or close (RFC 8996)", old_tls_version,
         tls_only=True),
    Kind("no_common_cipher", "ClientHello with RSA-kx, CBC, NULL and RC4 suites only",
         "handshake refused: handshake_failure alert or close (RFC 5246 §7.4.1.3)",
         no_common_cipher, tls_only=True),
    Kind("reset_mid_tls_handshake", "a ClientHello (whole or cut), then a TCP RST",
         "no crash, descriptor released", reset_mid_tls_handshake, pause=0.1, tls_only=True),
]
