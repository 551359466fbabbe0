#!/usr/bin/env python3
"""permessage-deflate (RFC 7692) interop with Python's websockets (Debian's python3-websockets):
`wscore serve` against its client with every window size and context-takeover setting, both
directions, and `wscore connect --deflate` against its server.

usage: deflate_interop_test.py WSCORE_BINARY
"""
import asyncio
import os
import random
import subprocess
import sys
import threading
import unittest

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

sys.path.insert(0, os.path.dirname(__file__))
import server_test  # noqa: E402  (the Server helper)


def messages():
    generator = random.Random(7692)
    texts = ["Hello", "", "a" * 200, " ".join(str(i) for i in range(5000)),
             "".join(generator.choice("abcdé€") for _ in range(70000))]
    binaries = [bytes(100000), os.urandom(3000), bytes(generator.getrandbits(8) for _ in range(500))]
    return texts + binaries


class ServeWithPythonClient(unittest.TestCase):
    def check(self, **parameters):
        with server_test.Server() as server:
            async def scenario():
                factory = ClientPerMessageDeflateFactory(**parameters)
                async with websockets.connect(server.url + "/echo", extensions=[factory],
                                              compression=None, max_size=None) as ws:
                    self.assertEqual([e.name for e in ws.extensions], ["permessage-deflate"])
                    for message in messages():
                        await ws.send(message)
                        self.assertEqual(await ws.recv(), message)
                    await ws.close()
            server_test.run(scenario())

    def test_defaults_with_context_takeover(self):
        self.check()

    def test_no_context_takeover_either_way(self):
        self.check(server_no_context_takeover=True, client_no_context_takeover=True)
        self.check(server_no_context_takeover=True)
        self.check(client_no_context_takeover=True)

    def test_every_window_size_from_9_to_15(self):
        for bits in range(9, 16):
            with self.subTest(bits=bits):
                self.check(server_max_window_bits=bits, client_max_window_bits=bits)

    def test_declined_when_the_server_has_it_off(self):
        with server_test.Server("--no-deflate") as server:
            async def scenario():
                async with websockets.connect(server.url + "/", compression="deflate") as ws:
                    self.assertEqual(ws.extensions, [])
                    await ws.send("plain")
                    self.assertEqual(await ws.recv(), "plain")
            server_test.run(scenario())


class ConnectToPythonServer(unittest.TestCase):
    def test_connect_deflate_echo(self):
        port = server_test.free_port()
        ready = threading.Event()
        stop = None

        async def echo(ws, _path=None):
            async for message in ws:
                await ws.send(message)

        def serve():
            nonlocal stop
            async def main():
                nonlocal stop
                stop = asyncio.get_running_loop().create_future()
                async with websockets.serve(echo, "127.0.0.1", port, compression="deflate"):
                    ready.set()
                    await stop
            asyncio.run(main())

        thread = threading.Thread(target=serve)
        thread.start()
        ready.wait(10)
        try:
            lines = [("x" * 300) + str(i) for i in range(20)] + ["short"]
            client = subprocess.Popen([server_test.WSCORE, "connect", f"ws://127.0.0.1:{port}/",
                                       "--deflate"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            client.stdin.write("\n".join(lines) + "\n")
            client.stdin.flush()
            # Read every echo before ending the input (which closes with 1000).
            echoed = [client.stdout.readline().rstrip("\n") for _ in lines]
            client.stdin.close()
            client.wait(timeout=30)
            err = client.stderr.read()
            self.assertEqual(client.returncode, 0, err)
            self.assertIn("permessage-deflate", err)
            self.assertEqual(echoed, lines)
        finally:
            stop.get_loop().call_soon_threadsafe(stop.set_result, None)
            thread.join()


if __name__ == "__main__":
    server_test.WSCORE = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
