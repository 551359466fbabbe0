#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""permessage-deflate (RFC 7692) interop with Python's websockets (Debian's python3-websockets):
`wscore serve` against its client with every window size and context-takeover setting, both
directions (`wscore connect --deflate` against its server is in tests/interop).

usage: deflate_interop_test.py WSCORE_BINARY
"""
import os
import random
import sys
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


if __name__ == "__main__":
    server_test.WSCORE = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
