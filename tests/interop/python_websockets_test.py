#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interop with Python's websockets (Debian's python3-websockets), both ways:
  - its client against `wscore serve` (plain and TLS, permessage-deflate offered or not), or
    with `--server PATH` against that echo server (tools/examples/asio_echo_server), with the
    same tests and assertions;
  - its server against `wscore connect` (plain and TLS with a test CA).

usage: python_websockets_test.py WSCORE_BINARY [--server ECHO_SERVER] [TestCase[.test_method] ...]
"""
import asyncio
import contextlib
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import server_test  # noqa: E402  (Server, free_port, run)
from interop_support import ExampleEchoServer, exchange_with_echoing_peer, make_test_ca  # noqa: E402


class PythonClientToServer(unittest.TestCase):
    server = server_test.Server  # or ExampleEchoServer, with --server

    def check(self, tls, deflate):
        with self.server("--verbose", tls=tls) as server:
            async def scenario():
                async with websockets.connect(
                        server.url + "/echo", ssl=server.ssl_context(), max_size=None,
                        compression="deflate" if deflate else None) as ws:
                    # RFC 7692 §5: the offer is accepted; without one nothing is negotiated.
                    self.assertEqual([e.name for e in ws.extensions],
                                     ["permessage-deflate"] if deflate else [])
                    await exchange_with_echoing_peer(self, ws)
                    await ws.close(1000, "bye from python")
                    # RFC 6455 §7.1.2: the server answers with the client's code.
                    self.assertEqual((ws.close_code, ws.close_reason), (1000, ""))
            server_test.run(scenario())
            code, err = server.stop()
            self.assertEqual(code, 0)
            extension = " permessage-deflate" if deflate else ""
            self.assertRegex(err, rf"(?m)^{server_test.VERBOSE_PREFIX}open \d+ /echo{extension}$")
            self.assertRegex(err, rf"(?m)^{server_test.VERBOSE_PREFIX}close \d+ 1000 bye from python$")

    def test_plain_without_deflate(self):
        self.check(tls=False, deflate=False)

    def test_plain_with_deflate(self):
        self.check(tls=False, deflate=True)

    def test_tls_without_deflate(self):
        self.check(tls=True, deflate=False)

    def test_tls_with_deflate(self):
        self.check(tls=True, deflate=True)


@contextlib.contextmanager
def python_server(session, tls=None, deflate=False):
    """A websockets server on a free port in a thread of its own; `session(ws)` runs for each
    connection, and what it raises is raised here when the block ends."""
    port = server_test.free_port()
    ready = threading.Event()
    errors = []
    stop = None

    async def handler(ws, _path=None):
        try:
            await session(ws)
        except Exception as error:  # reported to the test thread
            errors.append(error)

    def serve():
        nonlocal stop
        context = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls["cert"], tls["key"])

        async def main():
            nonlocal stop
            stop = asyncio.get_running_loop().create_future()
            async with websockets.serve(handler, "127.0.0.1", port, ssl=context, max_size=None,
                                        compression="deflate" if deflate else None):
                ready.set()
                await stop
        asyncio.run(main())

    thread = threading.Thread(target=serve)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the websockets server did not start")
    try:
        yield port
    finally:
        stop.get_loop().call_soon_threadsafe(stop.set_result, None)
        thread.join()
    if errors:
        raise errors[0]


def connect(*args, input_text=""):
    secure = any(str(arg).startswith("wss://") for arg in args)
    return subprocess.run([server_test.WSCORE, "connect", *server_test.tls_backend_args(secure),
                           *args], input=input_text,
                          capture_output=True, text=True, timeout=120)


class WscoreConnectToPythonServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca_directory = tempfile.TemporaryDirectory()
        cls.ca = make_test_ca(cls.ca_directory.name, "DNS:localhost")

    @classmethod
    def tearDownClass(cls):
        cls.ca_directory.cleanup()

    def check_echo(self, tls, deflate):
        async def session(ws):
            self.assertEqual([e.name for e in ws.extensions],
                             ["permessage-deflate"] if deflate else [])
            await exchange_with_echoing_peer(self, ws)
            await ws.close(1000, "done")
            self.assertEqual((ws.close_code, ws.close_reason), (1000, ""))

        with python_server(session, tls=self.ca if tls else None, deflate=deflate) as port:
            url = f"wss://localhost:{port}/" if tls else f"ws://127.0.0.1:{port}/"
            result = connect("--echo", *(["--deflate"] if deflate else []),
                             *(["--cafile", self.ca["ca"]] if tls else []), url)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"(?m)^connected to .* extensions permessage-deflate"
                         if deflate else r"(?m)^connected to \S+$")
        self.assertRegex(result.stderr, r"(?m)^closed 1000 done$")

    def test_echo_plain_without_deflate(self):
        self.check_echo(tls=False, deflate=False)

    def test_echo_plain_with_deflate(self):
        self.check_echo(tls=False, deflate=True)

    def test_echo_tls_without_deflate(self):
        self.check_echo(tls=True, deflate=False)

    def test_echo_tls_with_deflate(self):
        self.check_echo(tls=True, deflate=True)

    def test_end_of_input_closes_from_the_client_with_1000(self):
        received = []

        async def session(ws):
            async for message in ws:
                received.append(message)
            self.assertEqual((ws.close_code, ws.close_reason), (1000, ""))

        with python_server(session) as port:
            result = connect(f"ws://127.0.0.1:{port}/", input_text="hello\nwörld\n")
        self.assertEqual(received, ["hello", "wörld"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"(?m)^closed 1000$")

    def test_a_server_going_away_with_1001(self):
        async def session(ws):
            await ws.send("first")
            self.assertEqual(await ws.recv(), "first")
            await ws.close(1001, "going away")
            self.assertEqual(ws.close_code, 1001)

        with python_server(session, deflate=True) as port:
            result = connect("--echo", "--deflate", f"ws://127.0.0.1:{port}/")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "first\n")
        self.assertRegex(result.stderr, r"(?m)^closed 1001 going away$")

    def test_a_certificate_for_another_host_name_fails(self):
        async def session(ws):
            raise AssertionError("no WebSocket may open over an unverified certificate")

        with python_server(session, tls=self.ca) as port:
            # The certificate names localhost only; 127.0.0.1 is not in it (RFC 6125 §6.2.1).
            result = connect("--cafile", self.ca["ca"], "--timeout", "5",
                             f"wss://127.0.0.1:{port}/")
        self.assertEqual(result.returncode, 1)
        self.assertIn("certificate", result.stderr)
        self.assertFalse(re.search(r"(?m)^connected", result.stderr))


if __name__ == "__main__":
    server_test.WSCORE = os.path.abspath(sys.argv[1])
    arguments = sys.argv[2:]
    if arguments[:1] == ["--server"]:
        ExampleEchoServer.binary = os.path.abspath(arguments[1])
        PythonClientToServer.server = ExampleEchoServer
        arguments = arguments[2:]
    unittest.main(argv=[sys.argv[0]] + arguments, verbosity=2)
