#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`wscore serve` out of memory and out of socket buffers: each fault injected by
fault_injection.so (preloaded; see its header) while a file names it. The server must answer
what it can, close what it cannot serve with a code that says why, never spin or crash, and serve
as before once the fault is gone.

usage: fault_test.py WSCORE FAULT_INJECTION_SO [unittest arguments]
"""
import asyncio
import os
import socket
import ssl
import sys
import tempfile
import time
import unittest

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import server_test  # noqa: E402  (Server, run, upgraded_socket)
from server_test import Server, run  # noqa: E402

INJECTOR = None  # set from argv


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Faults:
    """The file fault_injection.so reads: the faults on now."""

    def __init__(self):
        self.directory = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.directory.name, "faults")
        self.set()

    def set(self, *faults):
        with open(self.path, "w") as f:
            f.write("".join(fault + "\n" for fault in faults))

    def environment(self):
        return {"LD_PRELOAD": INJECTOR, "WSCORE_FAULTS": self.path}

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.directory.cleanup()


async def echo(url, payload, ssl_context=None):
    async with websockets.connect(url, ssl=ssl_context, max_size=None, compression=None) as ws:
        await ws.send(payload)
        return await ws.recv()


class OutOfMemoryTest(unittest.TestCase):
    def test_a_message_without_memory_for_its_buffer_is_closed_with_1011(self):
        # RFC 6455 §7.4.1: 1011, a condition that kept the server from fulfilling the request.
        with Faults() as faults, \
                Server("--max-message", str(16 << 20), env=faults.environment()) as server:
            faults.set("malloc")
            # In frames of 64 KiB: the message is assembled in a buffer of its own (2 MiB).
            s = server_test.upgraded_socket(server.port)
            mask = b"\x00\x00\x00\x00"
            frames = 32
            for i in range(frames):
                first = (0x02 if i == 0 else 0x00) | (0x80 if i == frames - 1 else 0)
                s.sendall(bytes([first, 0x80 | 127]) + (65536).to_bytes(8, "big") + mask +
                          b"x" * 65536)
            s.settimeout(10)
            close = s.recv(2 + 2 + 64)
            self.assertEqual(close[:4], bytes([0x88, len(close) - 2, 0x03, 0xF3]), close)  # 1011
            self.assertEqual(close[4:], b"out of memory for a message")
            s.close()
            # Small messages still fit while the fault is on, and large ones once it is gone.
            self.assertEqual(run(echo(server.url, b"small")), b"small")
            faults.set()
            self.assertEqual(run(echo(server.url, b"y" * (4 << 20))), b"y" * (4 << 20))
            self.assertIsNone(server.process.poll())

    def test_an_echo_without_memory_for_its_frame_is_closed_with_1011(self):
        # A message of just under 512 KiB: its buffer (a 512 KiB block of the loop's pool) fits
        # under the fault's size, but the echo's frame, 10 bytes more, takes a 1 MiB block.
        limit = 1 << 19
        with Faults() as faults, \
                Server("--max-message", str(limit), env=faults.environment()) as server:
            async def scenario():
                async with websockets.connect(server.url, max_size=None,
                                              compression=None) as ws:
                    faults.set("malloc")
                    await ws.send(b"z" * (limit - 5))
                    with self.assertRaises(websockets.exceptions.ConnectionClosedError) as closed:
                        await ws.recv()
                    return closed.exception.rcvd
            received = run(scenario())
            self.assertEqual((received.code, received.reason), (1011, "out of memory"))
            faults.set()
            self.assertEqual(run(echo(server.url, b"z" * (limit - 5))), b"z" * (limit - 5))
            self.assertIsNone(server.process.poll())


class OutOfTlsMemoryTest(unittest.TestCase):
    def test_a_tls_session_without_memory_is_dropped_and_the_server_goes_on(self):
        with Faults() as faults, Server(tls=True, env=faults.environment()) as server:
            context = server.ssl_context()
            faults.set("calloc")
            before = cpu_seconds(server.process.pid)
            with socket.create_connection(("127.0.0.1", server.port)) as raw:
                raw.settimeout(10)
                with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                    with context.wrap_socket(raw, server_hostname="localhost") as tls:
                        tls.recv(1)
            time.sleep(1)
            self.assertLess(cpu_seconds(server.process.pid) - before, 0.5, "the loop spun")
            faults.set()
            self.assertEqual(run(echo(server.url, b"after", context)), b"after")
            self.assertIsNone(server.process.poll())


class OutOfSocketBuffersTest(unittest.TestCase):
    def test_accept_failing_with_enobufs_does_not_spin_and_the_peer_is_served_after(self):
        with Faults() as faults, Server(env=faults.environment()) as server:
            faults.set("accept")
            waiting = socket.create_connection(("127.0.0.1", server.port))  # in the backlog
            time.sleep(0.2)
            before = cpu_seconds(server.process.pid)
            time.sleep(1)
            self.assertLess(cpu_seconds(server.process.pid) - before, 0.3, "the loop spun")
            faults.set()
            waiting.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            waiting.settimeout(10)
            self.assertTrue(waiting.recv(4096).startswith(b"HTTP/1.1 200 "))
            waiting.close()


if __name__ == "__main__":
    server_test.WSCORE = os.path.abspath(sys.argv[1])
    INJECTOR = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
