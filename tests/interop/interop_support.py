# SPDX-License-Identifier: MIT
"""Shared by the Python interop tests: the echo exchange every peer goes through, a test CA, and
the echo server of tools/examples in the place of `wscore serve`."""
import asyncio
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import server_test  # noqa: E402  (Server)

HERE = os.path.dirname(os.path.abspath(__file__))
ECHO_SIZES = (0, 125, 126, 65536, 16 << 20)  # RFC 6455 §5.2 length forms and their edges


def text_of_size(size):
    return "é" * (size // 2) + "x" * (size % 2)


def bytes_of_size(size):
    # Random, so that deflate cannot shrink them: a compressed frame then outgrows its message.
    return os.urandom(size)


async def exchange_with_echoing_peer(test, ws):
    """§5.2 length forms, §5.4 fragments, §5.5.2 ping/pong through `ws` to a peer that echoes."""
    for size in ECHO_SIZES:
        for message in (text_of_size(size), bytes_of_size(size)):
            await ws.send(message)
            echoed = await ws.recv()
            test.assertEqual(type(echoed), type(message), f"type of a {size}-byte message")
            test.assertEqual(echoed, message, f"{size}-byte message")
    await ws.send(iter(["frag", "men", "ted é"]))
    test.assertEqual(await ws.recv(), "fragmented é")
    await ws.send(iter([b"\x01\x02", b"", b"\x03"]))
    test.assertEqual(await ws.recv(), b"\x01\x02\x03")
    pong = await ws.ping(b"are you there")
    await asyncio.wait_for(pong, 10)


def make_test_ca(directory, *names):
    """A throwaway CA and a server certificate it signs for the subject alternative names."""
    subprocess.run([os.path.join(HERE, "make_test_ca.sh"), directory, *names], check=True)
    return {"ca": os.path.join(directory, "ca.pem"), "cert": os.path.join(directory, "server.pem"),
            "key": os.path.join(directory, "server.key")}


class ExampleEchoServer(server_test.Server):
    """An echo server that takes `--host H --port N [--cert F --key F]` and prints the lines of
    `wscore serve --verbose` (tools/examples/asio_echo_server); TLS with a test CA."""
    binary = None  # set from the command line

    def command(self):
        command = [self.binary, "--host", "127.0.0.1", "--port", str(self.port)]
        if not self.tls:
            return command
        ca = make_test_ca(self.data_dir.name, "IP:127.0.0.1")
        self.cert = ca["ca"]  # what clients trust
        return command + ["--cert", ca["cert"], "--key", ca["key"]]
