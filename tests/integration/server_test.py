#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests: `wscore serve` (plain and TLS) on a free loopback port, driven by Python's
`websockets` (Debian's python3-websockets, a peer no one here wrote), by `wscore connect`, and
by raw sockets for the misbehaving clients.

usage: server_test.py WSCORE_BINARY [TestCase[.test_method] ...]
"""
import asyncio
import os
import re
import resource
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import websockets

WSCORE = None  # set from argv
# What `wscore serve --verbose` puts before each line: the time (RFC 3339, UTC) and the peer's
# address; optional, so that a pattern also fits servers without it (tools/examples).
VERBOSE_PREFIX = r"(?:\S+Z \S+ )?"
# The event loops under test, `wscore serve --io IO`: epoll (the default), or uring (ctest's
# integration.uring.* and interop.uring.* set WSCORE_TEST_IO=uring), with the same tests.
IO = os.environ.get("WSCORE_TEST_IO", "epoll")
# The TLS library of the servers and clients under test (--tls-backend), or None for the default
# (mbedtls); ctest's integration.openssl.* and interop.openssl.* set WSCORE_TEST_TLS_BACKEND.
TLS_BACKEND = os.environ.get("WSCORE_TEST_TLS_BACKEND")


def tls_backend_args(url_or_tls):
    """--tls-backend for a command that speaks TLS (a wss:// URL, or True), when one is chosen."""
    secure = url_or_tls is True or str(url_or_tls).startswith("wss://")
    return ["--tls-backend", TLS_BACKEND] if TLS_BACKEND and secure else []


# Why a test that needs TLS cannot run on these loops, or None.
TLS_UNAVAILABLE = ("TLS over io_uring is not there yet: wscore serve --io uring serves ws:// only"
                   if IO == "uring" else None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid, field="VmRSS"):
    """Resident memory of a process in KiB (VmHWM: its peak so far)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Server:
    """A `wscore serve` process on a free port; stops it on exit."""

    def __init__(self, *args, tls=False, env=None, preexec_fn=None, threads=2):
        if tls and TLS_UNAVAILABLE:
            raise unittest.SkipTest(TLS_UNAVAILABLE)
        self.port = free_port()
        self.data_dir = tempfile.TemporaryDirectory()
        environment = dict(os.environ, XDG_DATA_HOME=self.data_dir.name, **(env or {}))
        self.threads = threads
        self.tls = tls
        self.cert = os.path.join(self.data_dir.name, "wscore", "cert.pem")  # made on first run
        self.process = subprocess.Popen(self.command() + list(args), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=environment, text=True,
                                        preexec_fn=preexec_fn)
        self.banner = self.process.stdout.readline()  # printed once listening
        if "serving" not in self.banner:
            raise RuntimeError("server did not start: " + self.banner + self.process.stderr.read())

    def command(self):
        command = [WSCORE, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads",
                   str(self.threads), "--io", IO]
        return command + tls_backend_args(True) if self.tls else command + ["--plain"]

    @property
    def url(self):
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    def ssl_context(self):
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.cert)
        return context

    def stop(self, sig=signal.SIGINT, timeout=15):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError("server did not stop in time")
        return self.process.returncode, err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()  # also closes the pipes
        self.data_dir.cleanup()


def upgraded_socket(port, receive_buffer=65536, ssl_context=None, path="/"):
    """A raw socket (TLS with `ssl_context`) through the opening handshake (RFC 6455 §4.1), its
    101 read, with a small receive buffer so that the server feels a peer that does not read."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    if ssl_context:
        s = ssl_context.wrap_socket(s, server_hostname="localhost")
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n")
    response = b""
    while b"\r\n\r\n" not in response:
        response += s.recv(1)
    assert response.startswith(b"HTTP/1.1 101 "), response
    return s


def refuse_io_uring(errno_value):
    """A preexec_fn: a seccomp filter that fails io_uring_setup(2) with `errno_value` in the
    child, as a container runtime's profile does (the syscall is 425 on every architecture)."""
    import ctypes
    import struct

    def preexec():
        load_nr, jump_eq, ret = 0x20, 0x15, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
        instructions = [(load_nr, 0, 0, 0), (jump_eq, 0, 1, 425),
                        (ret, 0, 0, 0x00050000 | errno_value), (ret, 0, 0, 0x7fff0000)]
        code = b"".join(struct.pack("HBBI", *i) for i in instructions)
        buffer = ctypes.create_string_buffer(code)

        class Program(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        program = Program(len(instructions), ctypes.addressof(buffer))
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                               ctypes.c_ulong]
        if libc.prctl(38, 1, None, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(program), 0, 0):
            raise OSError(ctypes.get_errno(), "seccomp")  # PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP
    return preexec


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


class ShutdownTest(unittest.TestCase):
    def test_ctrl_c_closes_every_connection_with_1001_and_exits_0(self):
        with Server() as server:
            async def scenario():
                connections = [await websockets.connect(server.url + "/") for _ in range(5)]
                server.process.send_signal(signal.SIGINT)
                for ws in connections:
                    with self.assertRaises(websockets.ConnectionClosed):
                        await asyncio.wait_for(ws.recv(), 10)
                    self.assertEqual(ws.close_code, 1001)
            run(scenario())
            code, err = server.stop()
            self.assertEqual(code, 0)
            self.assertIn("served", err)


class ThreadsTest(unittest.TestCase):
    """The server's event loops together (--threads 2): run under ThreadSanitizer by the tsan
    preset, where a data race makes the server exit non-zero."""

    def test_chat_reaches_every_member_on_every_loop_in_order(self):
        members, messages = 8, 25
        with Server("--threads", "2") as server:
            joined, everyone_in = [0], asyncio.Event()
            async def member(index):
                async with websockets.connect(server.url + "/chat") as ws:
                    # A member is in the chat once its handshake is done (on_open precedes
                    # the 101): all send once all are in.
                    joined[0] += 1
                    if joined[0] == members:
                        everyone_in.set()
                    await everyone_in.wait()
                    for n in range(messages):
                        await ws.send(f"{index}:{n}")
                    seen = {}
                    while sum(len(v) for v in seen.values()) < members * messages:
                        sender, n = (await asyncio.wait_for(ws.recv(), 20)).split(":")
                        seen.setdefault(sender, []).append(int(n))
                    return seen
            async def scenario():
                return await asyncio.gather(*(member(i) for i in range(members)))
            for seen in run(scenario()):
                # Every member's messages, each sender's in the order sent.
                self.assertEqual(seen, {str(i): list(range(messages)) for i in range(members)})
            code, err = server.stop()
            self.assertEqual(code, 0, err)


class ProtocolTest(unittest.TestCase):
    def test_over_max_message_closes_with_1009(self):
        with Server("--max-message", "1000") as server:
            async def scenario():
                async with websockets.connect(server.url + "/") as ws:
                    await ws.send(b"x" * 1001)
                    with self.assertRaises(websockets.ConnectionClosed):
                        await ws.recv()
                    self.assertEqual(ws.close_code, 1009)
            run(scenario())

    def test_demo_page_404_and_405(self):
        with Server() as server:
            def request(method, path):
                with socket.create_connection(("127.0.0.1", server.port)) as s:
                    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    data = b""
                    while chunk := s.recv(65536):
                        data += chunk
                    return data.decode("utf-8", "replace")
            page = request("GET", "/")
            self.assertTrue(page.startswith("HTTP/1.1 200 "))
            self.assertIn("<title>wscore demo</title>", page)
            self.assertTrue(request("GET", "/nothing").startswith("HTTP/1.1 404 "))
            self.assertTrue(request("POST", "/").startswith("HTTP/1.1 405 "))

    def test_plain_requests_are_held_to_rfc_9112(self):
        # The core classifies and validates every request, not only upgrades: RFC 9112 §3.2, a
        # request without Host is 400; §5, a field line that is not token ":" value is 400.
        with Server() as server:
            def answer(raw):
                with socket.create_connection(("127.0.0.1", server.port)) as s:
                    s.sendall(raw)
                    data = b""
                    while chunk := s.recv(65536):
                        data += chunk
                    return data
            self.assertTrue(answer(b"GET / HTTP/1.1\r\n\x01\x02junk\xff\r\n\r\n")
                            .startswith(b"HTTP/1.1 400 "))
            self.assertTrue(answer(b"GET / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400 "))
            head = answer(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 200 "))
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            self.assertGreater(length, 0)
            self.assertTrue(head.endswith(b"\r\n\r\n"), "HEAD: the headers of GET, no body")
            self.assertIn(b"Allow: GET, HEAD", answer(b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n"))

    def test_an_error_answer_is_read_whole_before_the_connection_closes(self):
        # RFC 9112 §9.6: a server that closes while the client is still sending must not reset
        # the connection under its own answer: it shuts down writing, then drains what comes.
        with Server("--plain") as server:
            for attempt in range(5):
                s = socket.create_connection(("127.0.0.1", server.port))
                head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * (256 * 1024)
                def send_all():
                    try:
                        s.sendall(head)
                    except OSError:
                        pass  # the server stopped reading, as it may
                sender = threading.Thread(target=send_all)
                sender.start()
                s.settimeout(10)
                answer = b""
                try:
                    while chunk := s.recv(65536):
                        answer += chunk
                except ConnectionResetError:
                    self.fail(f"attempt {attempt}: reset after {answer[:40]!r}")
                s.shutdown(socket.SHUT_WR)
                sender.join()
                s.close()
                self.assertTrue(answer.startswith(b"HTTP/1.1 431 "), answer[:80])

    def test_bad_upgrade_gets_400_and_old_version_426(self):
        with Server() as server:
            def request(headers):
                with socket.create_connection(("127.0.0.1", server.port)) as s:
                    s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" + headers +
                               "\r\n").encode())
                    return s.recv(65536).decode()
            self.assertTrue(request("Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                            .startswith("HTTP/1.1 400 "))
            response = request("Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Version: 8\r\n")
            self.assertTrue(response.startswith("HTTP/1.1 426 "))
            self.assertIn("Sec-WebSocket-Version: 13", response)


class PolicyTest(unittest.TestCase):
    def test_handshake_timeout_drops_a_client_that_never_finishes(self):
        with Server("--handshake-timeout", "1") as server:
            with socket.create_connection(("127.0.0.1", server.port)) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the rest
                s.settimeout(5)
                started = time.monotonic()
                self.assertEqual(s.recv(100), b"")
                self.assertLess(time.monotonic() - started, 4)

    def test_idle_connection_gets_a_ping_and_is_dropped_without_a_pong(self):
        with Server("--idle-timeout", "1", "--pong-timeout", "1") as server:
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      b"Sec-WebSocket-Version: 13\r\n\r\n")
            response = b""
            while b"\r\n\r\n" not in response:
                response += s.recv(1)
            s.settimeout(5)
            started = time.monotonic()
            self.assertEqual(s.recv(2), b"\x89\x00")  # RFC 6455 §5.5.2: an empty Ping
            self.assertGreater(time.monotonic() - started, 0.8)
            # No Pong: the server gives up on the peer.
            self.assertEqual(s.recv(100), b"")
            s.close()

    def read_close(self, s):
        """Frames until the server's Close (RFC 6455 §5.5.1): its code and reason."""
        s.settimeout(5)
        data = b""
        while True:
            chunk = s.recv(65536)
            self.assertTrue(chunk, "closed without a Close frame")
            data += chunk
            while len(data) >= 2 and len(data) >= 2 + (data[1] & 0x7F):
                opcode, length = data[0] & 0x0F, data[1] & 0x7F
                payload, data = data[2:2 + length], data[2 + length:]
                if opcode == 0x8:
                    return int.from_bytes(payload[:2], "big"), payload[2:].decode()

    def test_a_ping_flood_is_closed_with_1008_over_the_rate(self):
        # RFC 6455 §5.5.2: every Ping asks for a Pong; their rate is a policy (§7.4.1: 1008).
        with Server("--max-pings-per-second", "5") as server:
            s = upgraded_socket(server.port)
            s.sendall((bytes([0x89, 0x80]) + bytes(4)) * 6)  # 6 masked empty Pings at once
            self.assertEqual(self.read_close(s), (1008, "too many Pings"))
            s.close()

    def test_a_message_in_too_many_fragments_is_closed_with_1008(self):
        # RFC 6455 §10.4: a limit on what a message may cost; here the frames it takes.
        with Server("--max-fragments", "3") as server:
            s = upgraded_socket(server.port)
            first = bytes([0x01, 0x81]) + bytes(4) + b"a"
            more = bytes([0x00, 0x81]) + bytes(4) + b"b"
            s.sendall(first + more * 3)
            self.assertEqual(self.read_close(s),
                             (1008, "message in more than max_fragments_per_message frames"))
            s.close()

    def test_backpressure_bounds_memory_for_a_client_that_does_not_read(self):
        with Server("--max-outbound", str(1 << 20)) as server:
            s = upgraded_socket(server.port)
            baseline = rss_kib(server.process.pid)
            # 256 KiB masked binary frames (zero key), echoed by the server; we never read.
            frame = bytes([0x82, 0xFF]) + (256 * 1024).to_bytes(8, "big") + bytes(4) + bytes(256 * 1024)
            s.setblocking(False)
            sent = 0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and sent < 512 * 1024 * 1024:
                try:
                    at = sent % len(frame)  # partial sends continue the same frame
                    sent += s.send(frame[at:])
                except BlockingIOError:
                    time.sleep(0.01)
            grown = rss_kib(server.process.pid) - baseline
            # The server stopped reading once 1 MiB was queued: what we pushed sits in the
            # kernel's buffers, not in the server's memory.
            self.assertLess(sent, 256 * 1024 * 1024, "the server kept reading")
            self.assertLess(grown, 32 * 1024, f"server grew by {grown} KiB")
            self.assertGreater(sent, 1 << 20, "the server never read")
            # The connection is still open (paused, not failed): a ping still gets queued.
            s.setblocking(True)
            s.settimeout(1)
            with self.assertRaises(socket.timeout):
                while s.recv(1 << 20):
                    pass  # drains echoes until nothing more arrives in a second

            async def still_serving():
                async with websockets.connect(server.url + "/") as ws:
                    await ws.send("still here")
                    self.assertEqual(await ws.recv(), "still here")
            run(still_serving())
            s.close()

    def test_backpressure_loses_no_accepted_message(self):
        # A client that sends without reading until the server stops reading, then reads
        # everything: every message the server took is echoed, in order (nothing dropped).
        with Server("--max-outbound", str(64 * 1024)) as server:
            s = upgraded_socket(server.port)
            def message(number):  # 1 KiB, numbered; masked with a zero key (RFC 6455 §5.3)
                return number.to_bytes(4, "big") + bytes(1020)
            s.setblocking(False)
            pending, count, blocked_since = b"", 0, None
            while True:
                if not pending:
                    pending = bytes([0x82, 0xFE]) + (1024).to_bytes(2, "big") + bytes(4) + message(count)
                    count += 1
                try:
                    pending = pending[s.send(pending):]
                    blocked_since = None
                except BlockingIOError:
                    blocked_since = blocked_since or time.monotonic()
                    if time.monotonic() - blocked_since > 1:
                        break
                    time.sleep(0.01)
            sent = count - 1 if pending else count  # whole messages on the wire
            self.assertGreater(sent, 200, "the server never pushed back")
            s.setblocking(True)
            s.settimeout(10)
            received, data = 0, b""
            while received < sent:
                chunk = s.recv(1 << 20)
                self.assertTrue(chunk, f"closed after {received} of {sent} echoes")
                data += chunk
                while len(data) >= 4 + 1024:
                    self.assertEqual(data[:4], bytes([0x82, 0x7E]) + (1024).to_bytes(2, "big"))
                    self.assertEqual(data[4:4 + 1024], message(received), f"echo {received}")
                    data = data[4 + 1024:]
                    received += 1
            self.assertEqual(received, sent)
            s.close()

    def test_one_tls_peer_streaming_at_full_speed_does_not_stall_the_others(self):
        # One peer streams unsolicited Pongs over TLS (RFC 6455 §5.5.3: allowed, and never
        # answered, so the server only reads) as fast as it can; another peer's echoes must
        # not wait for it to stop. Decrypted records are read a bounded slice at a time.
        with Server(tls=True) as server:
            flooder = upgraded_socket(server.port, ssl_context=server.ssl_context())
            pong = bytes([0x8A, 0x80 | 125]) + bytes(4) + bytes(125)
            burst = pong * 8192  # 1 MiB
            stop, flooded = threading.Event(), [0]
            def flood():
                try:
                    while not stop.is_set() and flooded[0] < (4 << 30):
                        flooder.sendall(burst)
                        flooded[0] += len(burst)
                except OSError:
                    pass
            thread = threading.Thread(target=flood)

            async def measure():
                async with websockets.connect(server.url + "/", ssl=server.ssl_context()) as ws:
                    thread.start()
                    while flooded[0] < (8 << 20):
                        await asyncio.sleep(0.01)  # the stream is under way
                    for i in range(20):
                        await ws.send(f"echo {i}")
                        self.assertEqual(await asyncio.wait_for(ws.recv(), 3), f"echo {i}")
                    return flooded[0]
            try:
                during = run(measure())
            finally:
                stop.set()
                thread.join()
            flooder.close()
            # The stream went on the whole time: the echoes came while it was being read.
            self.assertGreater(flooded[0], during)

    def test_a_message_of_the_limit_costs_about_the_limit_and_the_memory_comes_back(self):
        size = 16 << 20
        # In the sanitizer build, ASan's quarantine holds freed memory on purpose: without it the
        # allocator behaves as in production (use-after-free is still caught, only later).
        asan = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"}
        with Server("--threads", "1", "--max-message", str(size), env=asan) as server:
            pid = server.process.pid
            async def one_echo(payload, chunk):
                async with websockets.connect(server.url + "/", max_size=None,
                                              compression=None) as ws:
                    # Frames of `chunk` bytes: one header, or a fragmented message (RFC 6455 §5.4).
                    await ws.send([payload[i:i + chunk] for i in range(0, len(payload), chunk)])
                    self.assertEqual(await ws.recv(), payload)
            # Warm: an 8 MiB echo touches the loop's own buffers (the 4 MiB io_uring buffer
            # ring), a fixed cost that is not the message's.
            run(one_echo(bytes(8 << 20), 1 << 20))
            baseline = rss_kib(pid)
            payload = bytes(range(256)) * (size // 256)
            for chunk in (size, 1 << 20):
                run(one_echo(payload, chunk))
                # Back to the OS once the connection is gone, not kept by the allocator: the
                # loop's buffer pool frees the blocks no message needed within two of its
                # once-a-second trims.
                deadline = time.monotonic() + 5
                while True:
                    after = rss_kib(pid) - baseline
                    if after < 8 * 1024 or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                self.assertLess(after, 8 * 1024, f"+{after} KiB after the echo of {chunk}-byte frames")
                # The message once, its echo queued once, and slack (the pool's blocks the message
                # grew through, a sanitizer's redzones): not a copy per growth step (that was 3x).
                peak = rss_kib(pid, "VmHWM") - baseline
                self.assertLess(peak, 2.5 * size / 1024, f"peak +{peak} KiB for {size >> 20} MiB")

    def test_a_stalled_frame_header_is_closed_with_1008_after_the_progress_timeout(self):
        with Server("--progress-timeout", "1", "--idle-timeout", "60") as server:
            s = upgraded_socket(server.port)
            started = time.monotonic()
            s.sendall(bytes([0x81]))  # the first byte of a text frame, and then nothing
            s.settimeout(10)
            close = s.recv(2 + 2 + 64)
            waited = time.monotonic() - started
            self.assertEqual(close[:4], bytes([0x88, len(close) - 2, 0x03, 0xF0]), close)  # 1008
            self.assertEqual(close[4:], b"no progress on a frame")
            self.assertGreater(waited, 0.9)
            self.assertLess(waited, 5, "not the idle + pong timeouts")
            s.close()

    def test_two_thousand_concurrent_connections(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = min(hard, 8192)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        if wanted < 4200:
            self.fail(f"need 4200 file descriptors, the hard limit is {hard}")
        with Server() as server:
            async def one(index):
                async with websockets.connect(server.url + "/", open_timeout=60) as ws:
                    await ws.send(f"hello {index}")
                    self.assertEqual(await ws.recv(), f"hello {index}")
                    return ws

            async def scenario():
                connections = []
                for batch in range(0, 2000, 250):
                    connections += await asyncio.gather(
                        *(websockets.connect(server.url + "/", open_timeout=60)
                          for _ in range(batch, batch + 250)))
                self.assertEqual(len(connections), 2000)
                for i, ws in enumerate(connections):
                    await ws.send(f"hello {i}")
                replies = await asyncio.gather(*(ws.recv() for ws in connections))
                self.assertEqual(replies, [f"hello {i}" for i in range(2000)])
                await asyncio.gather(*(ws.close() for ws in connections))
            run(scenario())
            code, err = server.stop()
            self.assertEqual(code, 0)


class LimitsTest(unittest.TestCase):
    def echo_works(self, server):
        async def scenario():
            async with websockets.connect(server.url + "/", ssl=server.ssl_context()) as ws:
                await ws.send("ping")
                self.assertEqual(await ws.recv(), "ping")
        run(scenario())

    def test_max_connections_refuses_the_extra_ones_without_stalling(self):
        with Server("--max-connections", "5") as server:
            async def scenario():
                held = [await websockets.connect(server.url + "/") for _ in range(5)]
                with self.assertRaises((websockets.InvalidHandshake, ConnectionError, OSError,
                                        asyncio.TimeoutError, EOFError)):
                    await websockets.connect(server.url + "/", open_timeout=5)
                await held[0].close()
                await asyncio.sleep(0.3)
                async with websockets.connect(server.url + "/") as ws:
                    await ws.send("back")
                    self.assertEqual(await ws.recv(), "back")
                for ws in held[1:]:
                    await ws.close()
            run(scenario())

    def connect_from(self, server, source):
        """A TCP connection from loopback address `source` (127.0.0.0/8 is all loopback)."""
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", server.port))
        return s

    def refused_at_once(self, s):
        """The server closes a refused connection without a word."""
        try:
            with s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                return s.recv(100) == b""
        except ConnectionError:
            return True

    def test_max_connections_per_address_refuses_only_that_address(self):
        with Server("--max-connections-per-address", "3", "--verbose") as server:
            held = [self.connect_from(server, "127.0.0.1") for _ in range(3)]
            time.sleep(0.2)  # accepted, on any of the two loops
            self.assertTrue(self.refused_at_once(self.connect_from(server, "127.0.0.1")))
            other = self.connect_from(server, "127.0.0.2")
            other.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(other.recv(100).startswith(b"HTTP/1.1 404 "), "another address")
            held.pop().close()
            time.sleep(0.2)
            again = self.connect_from(server, "127.0.0.1")
            again.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(again.recv(100).startswith(b"HTTP/1.1 404 "), "a place came free")
            for s in held + [other, again]:
                s.close()
            self.assertIn("refused a connection from 127.0.0.1: 3 open from that address",
                          server.stop()[1])

    def test_max_handshakes_refuses_connections_while_that_many_are_unfinished(self):
        with Server("--max-handshakes", "2", "--verbose") as server:
            slow = [self.connect_from(server, "127.0.0.1") for _ in range(2)]
            for s in slow:
                s.sendall(b"GET / HTTP/1.1\r\n")  # and not the rest, for now
            time.sleep(0.2)
            self.assertTrue(self.refused_at_once(self.connect_from(server, "127.0.0.1")))
            # An upgraded connection is no longer a handshake in progress.
            slow[0].sendall(b"Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            b"Sec-WebSocket-Version: 13\r\n\r\n")
            self.assertTrue(slow[0].recv(100).startswith(b"HTTP/1.1 101 "))
            time.sleep(0.2)
            self.echo_works(server)
            for s in slow:
                s.close()
            self.assertIn("refused a connection from 127.0.0.1: 2 handshakes in progress",
                          server.stop()[1])

    def test_over_the_memory_budget_the_largest_stops_reading_and_new_ones_wait(self):
        # One peer sends most of a 12 MiB message: its buffer passes the 4 MiB budget, so it stops
        # being read and new connections are refused. Held, it cannot answer the keep-alive and
        # is dropped; the memory comes back and the server takes connections again.
        with Server("--max-memory", str(4 << 20), "--max-message", str(16 << 20),
                    "--idle-timeout", "1", "--pong-timeout", "1", "--verbose",
                    threads=1) as server:
            big = upgraded_socket(server.port)
            big.settimeout(10)
            header = bytes([0x82, 0xFF]) + (12 << 20).to_bytes(8, "big") + bytes(4)
            sender = threading.Thread(target=lambda: self.send_quietly(
                big, header + bytes(6 << 20)))
            sender.start()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.refused_at_once(self.connect_from(server, "127.0.0.1")):
                    break
                time.sleep(0.1)
            else:
                self.fail("never over the budget")
            self.assertLess(rss_kib(server.process.pid), 64 * 1024, "held near the budget")
            self.assertEqual(self.read_to_end(big), b"", "the held peer is dropped in the end")
            # Its buffers were given back as it was dropped, not when its lingering close ends
            # (up to 2 s later, when its socket is closed too): the server takes connections at
            # once.
            self.echo_works(server)
            sender.join(10)
            big.close()
            log = server.stop()[1]
            self.assertIn("reading stops until the loop's buffers are under 3/4 of 4194304", log)
            self.assertIn("refused a connection from 127.0.0.1: over the memory budget", log)

    def send_quietly(self, s, data):
        try:
            s.sendall(data)
        except OSError:
            pass  # dropped while sending, as it may be

    def read_to_end(self, s):
        try:
            while s.recv(65536):
                pass  # the keep-alive Ping, nothing else
        except ConnectionError:
            pass
        return b""

    def test_out_of_file_descriptors_is_survived(self):
        limit = 40
        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        port = free_port()
        data = tempfile.TemporaryDirectory()
        process = subprocess.Popen([WSCORE, "serve", "--plain", "--host", "127.0.0.1", "--port",
                                    str(port), "--threads", "1"], preexec_fn=low_limit,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=dict(os.environ, XDG_DATA_HOME=data.name))
        async def echo():
            async with websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
                await ws.send("alive")
                self.assertEqual(await ws.recv(), "alive")
        try:
            process.stdout.readline()
            # One connection first. (In the sanitizer build this also warms UBSan's type cache:
            # a cold vptr check needs a pipe, which a process out of descriptors cannot make.)
            run(echo())
            # Far more connections than descriptors: the extras are accepted and closed.
            sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(3 * limit)]
            time.sleep(0.5)
            for s in sockets:
                s.close()
            time.sleep(0.5)
            run(echo())
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(timeout=15), 0)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            data.cleanup()

    def test_descriptor_limit_is_raised_to_the_hard_limit_or_a_warning_says_why(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        for limits, max_connections, warned in (((64, 64), 1000, True),
                                                 ((64, min(hard, 4096)), 100, False)):
            def set_limits(limits=limits):
                resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            with Server("--max-connections", str(max_connections), preexec_fn=set_limits) as server:
                with open(f"/proc/{server.process.pid}/limits") as f:
                    line = next(l for l in f if l.startswith("Max open files"))
                self.assertEqual(line.split()[3], str(limits[1]), "soft raised to the hard limit")
                code, err = server.stop()
                self.assertEqual(code, 0)
                warning = re.search(r"(?m)^wscore serve: warning: the open-file limit \((\d+), "
                                    r"hard limit (\d+)\) is below --max-connections (\d+)", err)
                self.assertEqual(bool(warning), warned, err)
                if warned:
                    self.assertEqual(warning.groups(), ("64", "64", "1000"))

    def test_plain_http_and_garbage_on_the_tls_port_are_dropped(self):
        with Server(tls=True) as server:
            for payload in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", os.urandom(3000)):
                with socket.create_connection(("127.0.0.1", server.port)) as s:
                    s.sendall(payload)
                    s.settimeout(5)
                    try:
                        while s.recv(4096):
                            pass  # a TLS alert at most, then the end of the stream
                    except ConnectionResetError:
                        pass
            self.echo_works(server)


class ConnectCommandTest(unittest.TestCase):
    """`wscore connect` against `wscore serve`."""

    def connect(self, url, *args, input_text=""):
        return subprocess.run([WSCORE, "connect", url, *tls_backend_args(url), *args],
                              input=input_text,
                              capture_output=True, text=True, timeout=30)

    def test_echo_and_clean_close_plain_and_tls(self):
        for tls in (False, True):
            with Server(tls=tls) as server:
                extra = ["--cafile", server.cert] if tls else []
                result = self.connect(server.url + "/echo", *extra, input_text="one\ntwo\nthree\n")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout.splitlines(), ["one", "two", "three"])
                self.assertIn("closed 1000", result.stderr)

    def test_tls_handshake_with_a_silent_server_waits_without_spinning(self):
        # A wss:// client whose server never answers (a plain server, a black hole) waits for
        # readiness, not in a busy loop, until its timeout. Seen before: the TLS handshake wait
        # polled for writability over and over and burnt a core for the whole timeout.
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        result = self.connect(f"wss://127.0.0.1:{port}/", "--timeout", "2")
        waited = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        listener.close()
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertRegex(result.stderr, "time(d )?out")
        self.assertGreater(waited, 1.9)
        self.assertLess(cpu, 0.25 * waited, f"{cpu:.2f} s of CPU in a {waited:.2f} s wait")

    def test_refused_connection(self):
        result = self.connect(f"ws://127.0.0.1:{free_port()}/")
        self.assertEqual(result.returncode, 1)
        self.assertIn("refused", result.stderr)

    def test_unverified_certificate_fails_and_insecure_works(self):
        with Server(tls=True) as server:
            with Server(tls=True) as second:  # its own data directory, so its own certificate
                # The first server's certificate does not vouch for the second one.
                result = self.connect(second.url + "/", "--cafile", server.cert)
                self.assertEqual(result.returncode, 1)
                self.assertIn("TLS", result.stderr)
            result = self.connect(server.url + "/", "--insecure", input_text="x\n")
            self.assertEqual(result.returncode, 0, result.stderr)

    def test_rejected_handshake_shows_the_status(self):
        # A raw listener that answers the upgrade with 403.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        process = subprocess.Popen([WSCORE, "connect", f"ws://127.0.0.1:{port}/"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        peer, _ = listener.accept()
        peer.recv(65536)
        peer.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        _, err = process.communicate(timeout=10)
        peer.close()
        listener.close()
        self.assertEqual(process.returncode, 1)
        self.assertIn("HTTP 403", err)


class BenchCommandTest(unittest.TestCase):
    """`wscore bench` against `wscore serve`: it reports what it measured and fails on errors."""

    def bench(self, url, *args):
        return subprocess.run([WSCORE, "bench", url, "--duration", "1", *tls_backend_args(url),
                               *args],
                              capture_output=True, text=True, timeout=60)

    def test_reports_rates_and_latency_and_closes_cleanly(self):
        for tls, extra in ((False, ["--connections", "4"]),
                           (True, ["--connections", "2", "--size", "70000", "--text",
                                   "--deflate"])):
            with Server(tls=tls) as server:
                if tls:
                    extra += ["--cafile", server.cert]
                result = self.bench(server.url + "/echo", *extra)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                echoed = int(re.search(r"(?m)^messages +(\d+) echoed", result.stdout).group(1))
                self.assertGreater(echoed, 0)
                self.assertRegex(result.stdout, r"(?m)^latency +p50 [\d.]+ (ns|µs|ms|s) +p90 ")
                connections = extra[extra.index("--connections") + 1]
                self.assertIn(f"{connections} opened, {connections} closed cleanly, 0 failures",
                              result.stdout)

    def test_refused_connections_fail(self):
        result = self.bench(f"ws://127.0.0.1:{free_port()}/")
        self.assertEqual(result.returncode, 1)
        self.assertIn("refused", result.stderr)


class VersionTest(unittest.TestCase):
    def test_version_is_the_projects(self):
        # The version is written once, in project(VERSION) of the top-level CMakeLists.txt.
        cmake = open(os.path.join(os.path.dirname(__file__), "..", "..", "CMakeLists.txt")).read()
        version = re.search(r"project\(wscore VERSION ([0-9.]+)", cmake).group(1)
        result = subprocess.run([WSCORE, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, f"wscore {version}\n")


class TlsBackendTest(unittest.TestCase):
    """--tls-backend chooses the library: mbedTLS speaks TLS 1.2 only, OpenSSL 1.3 too (RFC 8446);
    either serves a WebSocket echo over it, and an unknown name is refused on every command."""

    def test_each_backend_serves_its_protocol_versions(self):
        for backend, version in (("mbedtls", "TLSv1.2"), ("openssl", "TLSv1.3")):
            with self.subTest(backend=backend):
                port = free_port()
                data_dir = tempfile.TemporaryDirectory()
                process = subprocess.Popen(
                    [WSCORE, "serve", "--host", "127.0.0.1", "--port", str(port), "--threads",
                     "1", "--tls-backend", backend], stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True,
                    env=dict(os.environ, XDG_DATA_HOME=data_dir.name))
                try:
                    self.assertIn("serving", process.stdout.readline())
                    context = ssl.create_default_context(
                        cafile=os.path.join(data_dir.name, "wscore", "cert.pem"))
                    context.set_alpn_protocols(["http/1.1"])
                    with socket.create_connection(("127.0.0.1", port)) as raw:
                        with context.wrap_socket(raw, server_hostname="localhost") as tls:
                            self.assertEqual(tls.version(), version)
                            self.assertEqual(tls.selected_alpn_protocol(), "http/1.1")
                    result = subprocess.run(
                        [WSCORE, "connect", f"wss://localhost:{port}/echo", "--tls-backend",
                         backend, "--cafile", os.path.join(data_dir.name, "wscore", "cert.pem")],
                        input="over " + backend + "\n", capture_output=True, text=True,
                        timeout=30)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertEqual(result.stdout, "over " + backend + "\n")
                finally:
                    process.send_signal(signal.SIGINT)
                    process.communicate(timeout=15)
                    data_dir.cleanup()
                self.assertEqual(process.returncode, 0)

    def test_an_unknown_backend_is_refused_by_every_command(self):
        for command in (["serve", "--plain", "--port", str(free_port())],
                        ["connect", "ws://127.0.0.1:1/"], ["bench", "ws://127.0.0.1:1/"]):
            with self.subTest(command=command[0]):
                result = subprocess.run([WSCORE, *command, "--tls-backend", "gnutls"],
                                        capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stderr.splitlines()[0],
                                 f"wscore {command[0]}: --tls-backend is mbedtls or openssl, "
                                 "not 'gnutls'")


class BadInputTest(unittest.TestCase):
    def serve(self, *args, env=None, preexec_fn=None):
        backend = [] if "--plain" in args else tls_backend_args(True)
        return subprocess.run([WSCORE, "serve", "--host", "127.0.0.1", "--port", str(free_port()),
                               *backend, *args], capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, **(env or {})), preexec_fn=preexec_fn)

    def test_io_uring_refused_by_the_system_exits_2_with_the_reason_and_epoll_still_serves(self):
        import errno
        for refusal, words in ((errno.EPERM, "Operation not permitted"),
                               (errno.ENOSYS, "Function not implemented")):
            # (--max-connections under the descriptor limit: no warning line beside the error)
            result = self.serve("--plain", "--io", "uring", "--max-connections", "1000",
                                preexec_fn=refuse_io_uring(refusal))
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
            self.assertIn("io_uring is unavailable", result.stderr)
            self.assertIn(words, result.stderr)
            self.assertIn("--io epoll", result.stderr)
        # The fallback it names works under the same refusal.
        with Server(preexec_fn=refuse_io_uring(errno.EPERM)) as server:
            self.assertIn("serving", server.banner)
            self.assertEqual(server.stop()[0], 0)

    def test_io_uring_without_plain_and_an_unknown_io_are_refused(self):
        result = self.serve("--io", "uring")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--plain", result.stderr)
        self.assertIn("--io epoll", result.stderr)
        result = self.serve("--plain", "--io", "kqueue")
        self.assertEqual(result.returncode, 2)
        self.assertIn("epoll or uring", result.stderr)

    def test_missing_certificate_file(self):
        result = self.serve("--cert", "/nonexistent/cert.pem", "--key", "/nonexistent/key.pem")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1)
        self.assertIn("/nonexistent/cert.pem", result.stderr)

    def test_key_that_does_not_match_the_certificate(self):
        with Server(tls=True) as first, Server(tls=True) as second:
            key_of_second = os.path.join(second.data_dir.name, "wscore", "key.pem")
            result = self.serve("--cert", first.cert, "--key", key_of_second)
            self.assertEqual(result.returncode, 2)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1)
            self.assertIn("key.pem", result.stderr)

    def test_port_in_use(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            result = subprocess.run([WSCORE, "serve", "--plain", "--host", "127.0.0.1", "--port",
                                     str(port)], capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 2)
            self.assertIn(str(port), result.stderr)


if __name__ == "__main__":
    WSCORE = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
