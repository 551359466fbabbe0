#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The programs of tools/examples, each run against a peer:
  - blocking_client against `wscore serve --plain`, blocking_server against `wscore connect`;
  - asio_echo_client against asio_echo_server and against `wscore serve`, plain and TLS.

usage: examples_test.py BIN_DIRECTORY [TestCase[.test_method] ...]
"""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import server_test  # noqa: E402  (Server: `wscore serve`)
from interop_support import ExampleEchoServer  # noqa: E402  (asio_echo_server)

BIN = None  # set from argv
MESSAGES = ["hello", "wörld", "x" * 70000]  # 70000: past the 16-bit length form (RFC 6455 §5.2)


def run(program, *args, input_text=""):
    return subprocess.run([os.path.join(BIN, program), *args], input=input_text,
                          capture_output=True, text=True, timeout=60)


class BlockingExamples(unittest.TestCase):
    def test_blocking_client_against_wscore_serve(self):
        with server_test.Server() as server:
            result = run("blocking_client", "127.0.0.1", str(server.port), *MESSAGES)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "".join(m + "\n" for m in MESSAGES))

    def test_blocking_server_against_wscore_connect(self):
        with subprocess.Popen([os.path.join(BIN, "blocking_server"), "0"], stdout=subprocess.PIPE,
                              text=True) as server:
            port = re.match(r"listening on (\d+)", server.stdout.readline()).group(1)
            result = run("wscore", "connect", f"ws://127.0.0.1:{port}/",
                         input_text="".join(m + "\n" for m in MESSAGES))
            self.assertEqual(server.wait(timeout=30), 0)  # a clean close
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "".join(m + "\n" for m in MESSAGES))
        self.assertRegex(result.stderr, r"(?m)^closed 1000$")


class AsioExamples(unittest.TestCase):
    def check(self, server_class, tls, deflate, host="127.0.0.1"):
        with server_class("--verbose", tls=tls) as server:
            url = f"{'wss' if tls else 'ws'}://{host}:{server.port}/echo"
            result = run("asio_echo_client", url, *(["--cafile", server.cert] if tls else []),
                         *(["--deflate"] if deflate else []), *MESSAGES)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "".join(m + "\n" for m in MESSAGES))
            self.assertRegex(result.stderr, r"(?m)^closed 1000$")
            code, err = server.stop()
        self.assertEqual(code, 0)
        extension = " permessage-deflate" if deflate else ""
        self.assertRegex(err, rf"(?m)^{server_test.VERBOSE_PREFIX}open \d+ /echo{extension}$")
        self.assertRegex(err, rf"(?m)^{server_test.VERBOSE_PREFIX}close \d+ 1000 done$")

    def test_against_asio_echo_server(self):
        self.check(ExampleEchoServer, tls=False, deflate=True)

    def test_against_asio_echo_server_over_tls(self):
        self.check(ExampleEchoServer, tls=True, deflate=False)

    def test_against_wscore_serve(self):
        self.check(server_test.Server, tls=False, deflate=False)

    def test_against_wscore_serve_over_tls(self):
        # Its self-signed certificate names localhost (and 127.0.0.1, ::1).
        self.check(server_test.Server, tls=True, deflate=True, host="localhost")


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    server_test.WSCORE = os.path.join(BIN, "wscore")
    ExampleEchoServer.binary = os.path.join(BIN, "asio_echo_server")
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
