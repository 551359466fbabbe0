# SPDX-License-Identifier: MIT
"""A raw WebSocket client on asyncio streams, for the hostile peers: it writes whatever bytes an
attack wants (masked or not, any header, any length announced) and reads the server's answer: an
HTTP status, or frames up to a Close and the end of the TCP stream. Plain or TLS.
"""
import asyncio
import dataclasses
import functools
import os
import socket
import ssl
import struct

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3's sample nonce

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# What reading can end in besides a frame: the peer closed, or reset.
STREAM_ERRORS = (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError)


class UnexpectedAnswer(Exception):
    """The server answered something the attack did not expect at that step (a status other
    than 101, a stream that ended): the text is the actual answer."""


@functools.lru_cache(maxsize=None)
def client_ssl_context(cafile):
    context = ssl.create_default_context(cafile=cafile)
    # A server may close TCP without close_notify; that is an end of stream here, not an error.
    context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    return context


async def open_stream(target, tls=None, receive_buffer=None, timeout=10, read_ahead=1 << 20):
    """A TCP (and, unless tls=False, TLS) connection to the target: (reader, writer). A small
    receive buffer, set before connecting, makes a peer that does not read felt sooner; asyncio
    reads ahead of the caller up to twice `read_ahead`."""
    tls = target.tls if tls is None else tls
    sock = socket.socket()
    sock.setblocking(False)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(
            sock, (target.host, target.port)), timeout)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(
            sock=sock, ssl=client_ssl_context(target.cafile) if tls else None,
            server_hostname="localhost" if tls else None, limit=read_ahead), timeout)
        if tls:
            # asyncio's TLS layer reads up to 256 KiB of records ahead of the stream on its own;
            # a slow reader that buffers that much stops taking bytes for seconds at a time.
            writer.transport.set_read_buffer_limits(high=min(read_ahead, 256 * 1024))
        return reader, writer
    except BaseException:
        sock.close()
        raise


def upgrade_request(extra_headers=b"", version=b"13", key=KEY):
    """An opening handshake (RFC 6455 §4.1) with `extra_headers` (CRLF-terminated lines)."""
    return (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: " + version + b"\r\n" +
            extra_headers + b"\r\n")


async def read_http_head(reader, timeout=10):
    """The status and head of an HTTP response, or UnexpectedAnswer."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    except asyncio.TimeoutError:
        raise UnexpectedAnswer(f"no HTTP answer in {timeout:g} s") from None
    except asyncio.IncompleteReadError as error:
        raise UnexpectedAnswer(f"stream ended after {error.partial[:40]!r}") from None
    except STREAM_ERRORS as error:
        raise UnexpectedAnswer(f"stream failed: {type(error).__name__}") from None
    parts = head.split(b" ", 2)
    if not head.startswith(b"HTTP/1.1 ") or len(parts) < 2 or not parts[1].isdigit():
        raise UnexpectedAnswer(f"not an HTTP response: {head[:40]!r}")
    return int(parts[1]), head


async def upgraded(target, extra_headers=b"", receive_buffer=None, read_ahead=1 << 20):
    """A connection through the opening handshake, its 101 read: (reader, writer, head)."""
    reader, writer = await open_stream(target, receive_buffer=receive_buffer,
                                       read_ahead=read_ahead)
    try:
        writer.write(upgrade_request(extra_headers))
        status, head = await read_http_head(reader)
        if status != 101:
            raise UnexpectedAnswer(f"HTTP {status} to an upgrade")
        return reader, writer, head
    except BaseException:
        writer.transport.abort()
        raise


def apply_mask(payload, key):
    """RFC 6455 §5.3: octet i XOR key[i % 4], as one big-integer XOR (fast for large payloads)."""
    if not payload:
        return b""
    size = len(payload)
    repeated = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(
        size, "little")


def frame(opcode, payload=b"", fin=True, rsv=0, masked=True, length=None):
    """A client frame (RFC 6455 §5.2). `length` may announce more than `payload` holds (an
    attack sends the header alone); `masked=False` breaks §5.1 on purpose."""
    length = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if masked else 0
    if length < 126:
        header = bytes([first, mask_bit | length])
    elif length < 1 << 16:
        header = bytes([first, mask_bit | 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([first, mask_bit | 127]) + length.to_bytes(8, "big")
    if not masked:
        return header + payload
    key = os.urandom(4)
    return header + key + apply_mask(payload, key)


def close_frame(code=None, reason=b""):
    return frame(OP_CLOSE, b"" if code is None else code.to_bytes(2, "big") + reason)


@dataclasses.dataclass
class Frame:
    fin: bool
    rsv: int
    opcode: int
    payload: bytes

    def close_code(self):
        return int.from_bytes(self.payload[:2], "big") if len(self.payload) >= 2 else None


async def read_frame(reader):
    """One frame from the server; raises a STREAM_ERRORS exception at the end of the stream."""
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    key = await reader.readexactly(4) if second & 0x80 else None
    payload = await reader.readexactly(length)
    if key:
        payload = apply_mask(payload, key)
    return Frame(bool(first & 0x80), (first >> 4) & 7, first & 0x0F, payload)


def describe_end(error):
    if isinstance(error, asyncio.IncompleteReadError):
        return "end of stream"
    return "reset" if isinstance(error, ConnectionResetError) else f"{type(error).__name__}"


async def stream_ends(reader, timeout):
    """Whether the server ends the TCP stream (FIN or RST) within `timeout`, reading and
    dropping whatever comes before."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(65536):
                pass
        return True
    except TimeoutError:
        return False
    except STREAM_ERRORS:
        return True


async def closing_answer(reader, writer, target, reply=False, timeout=None):
    """How the server ends a connection after an attack: "close CODE" when it sends a Close and
    then ends the TCP stream within the close timeout (RFC 6455 §7.1.1: the server closes TCP
    first), or what happened instead. Pings, Pongs and data frames before the Close are passed
    over. With `reply`, our Close answers the server's (§5.5.1); without, the server must give
    up on us after its close timeout."""
    timeout = timeout or target.idle_timeout + target.pong_timeout + 5
    try:
        async with asyncio.timeout(timeout):
            while True:
                received = await read_frame(reader)
                if received.opcode == OP_CLOSE:
                    break
    except TimeoutError:
        return f"still open after {timeout:g} s"
    except STREAM_ERRORS as error:
        return describe_end(error) + " without a Close"
    code = received.close_code()
    answer = f"close {code}" if code is not None else "close without a code"
    if reply:
        writer.write(close_frame(1000))
    grace = target.close_timeout + 3
    if not await stream_ends(reader, grace):
        return answer + f", TCP still open {grace:g} s later"
    return answer


def reset(writer):
    """Ends the connection with a TCP RST (SO_LINGER 0), not a FIN."""
    sock = writer.get_extra_info("socket")  # None once the transport is closed
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def close_quietly(writer):
    """Closes our side and waits a little for the transport; never raises."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2)
    except (asyncio.TimeoutError, *STREAM_ERRORS):
        writer.transport.abort()
