#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debian's nginx as a reverse proxy in front of `wscore serve` (proxy_pass with the Upgrade and
Connection headers, HTTP/1.1 to the upstream), in both set-ups people deploy:
  - TLS ends in nginx, which talks ws:// to `wscore serve --plain`;
  - nginx re-encrypts to `wscore serve` over TLS, verifying its certificate.
Clients: Python's websockets and `wscore connect`, over TLS to nginx with a test CA.

usage: nginx_test.py WSCORE_BINARY [TestCase[.test_method] ...]
"""
import asyncio
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import server_test  # noqa: E402  (Server, free_port, run)
from interop_support import exchange_with_echoing_peer, make_test_ca  # noqa: E402

NGINX_CONFIGURATION = """
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {certificate};
    ssl_certificate_key {key};
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 300s;
      {upstream_tls}
    }}
  }}
}}
"""

UPSTREAM_TLS = """proxy_ssl_verify on;
      proxy_ssl_trusted_certificate {certificate};
      proxy_ssl_name localhost;
      proxy_ssl_server_name on;"""


class Nginx:
    """nginx in the foreground, proxying https://localhost:PORT/ to the wscore server."""

    def __init__(self, upstream, ca):
        self.directory = tempfile.TemporaryDirectory()
        self.port = server_test.free_port()
        scheme = "https" if upstream.tls else "http"
        configuration = NGINX_CONFIGURATION.format(
            directory=self.directory.name, port=self.port, certificate=ca["cert"], key=ca["key"],
            upstream=f"{scheme}://127.0.0.1:{upstream.port}",
            upstream_tls=UPSTREAM_TLS.format(certificate=upstream.cert) if upstream.tls else "")
        path = os.path.join(self.directory.name, "nginx.conf")
        with open(path, "w") as f:
            f.write(configuration)
        nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
        if nginx is None:
            raise RuntimeError("nginx is not installed (tools/setup installs it)")
        self.process = subprocess.Popen([nginx, "-p", self.directory.name, "-c", path, "-e",
                                         os.path.join(self.directory.name, "error.log")],
                                        stderr=subprocess.PIPE, text=True)
        self.url = f"wss://localhost:{self.port}"
        self.wait_until_listening()

    def wait_until_listening(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx did not start: " + self.process.stderr.read())
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen in time")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
        self.directory.cleanup()


class ThroughNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca_directory = tempfile.TemporaryDirectory()
        cls.ca = make_test_ca(cls.ca_directory.name, "DNS:localhost")
        cls.client_tls = ssl.create_default_context(cafile=cls.ca["ca"])

    @classmethod
    def tearDownClass(cls):
        cls.ca_directory.cleanup()

    def check_echo_and_close_codes(self, upstream_tls):
        with server_test.Server("--verbose", tls=upstream_tls) as server, \
                Nginx(server, self.ca) as nginx:
            async def scenario():
                async with websockets.connect(nginx.url + "/echo", ssl=self.client_tls,
                                              max_size=None, compression="deflate") as ws:
                    # nginx passes Sec-WebSocket-Extensions both ways (RFC 7692 §5).
                    self.assertEqual([e.name for e in ws.extensions], ["permessage-deflate"])
                    await exchange_with_echoing_peer(self, ws)
                    await ws.close(1000, "bye through nginx")
                    self.assertEqual(ws.close_code, 1000)
                # A registered code and one of the private range (RFC 6455 §7.4.2) pass through.
                for code in (1008, 4321):
                    async with websockets.connect(nginx.url + "/echo", ssl=self.client_tls,
                                                  compression=None) as ws:
                        await ws.close(code, f"code {code}")
                        self.assertEqual((ws.close_code, ws.close_reason), (code, ""))
                # Server shutdown: the 1001 reaches the client through nginx.
                async with websockets.connect(nginx.url + "/echo", ssl=self.client_tls) as ws:
                    await ws.send("before shutdown")
                    self.assertEqual(await ws.recv(), "before shutdown")
                    server.process.send_signal(signal.SIGINT)
                    with self.assertRaises(websockets.ConnectionClosed):
                        await asyncio.wait_for(ws.recv(), 15)
                    self.assertEqual((ws.close_code, ws.close_reason),
                                     (1001, "server shutting down"))
            server_test.run(scenario())
            code, err = server.stop()
        self.assertEqual(code, 0)
        # --verbose lines start with the time and the peer's address (nginx's, here).
        line = r"(?m)^\S+Z 127\.0\.0\.1:\d+ "
        self.assertRegex(err, line + r"open \d+ /echo permessage-deflate$")
        self.assertRegex(err, line + r"close \d+ 1000 bye through nginx$")
        self.assertRegex(err, line + r"close \d+ 1008 code 1008$")
        self.assertRegex(err, line + r"close \d+ 4321 code 4321$")

    def test_tls_ends_in_nginx_in_front_of_plain_wscore(self):
        self.check_echo_and_close_codes(upstream_tls=False)

    def test_nginx_re_encrypts_to_wscore_over_tls(self):
        self.check_echo_and_close_codes(upstream_tls=True)

    def test_wscore_connect_through_nginx(self):
        for upstream_tls in (False, True):
            with self.subTest(upstream_tls=upstream_tls), \
                    server_test.Server(tls=upstream_tls) as server, \
                    Nginx(server, self.ca) as nginx:
                result = subprocess.run(
                    [server_test.WSCORE, "connect", "--deflate", "--cafile", self.ca["ca"],
                     nginx.url + "/echo"], input="one\n" + "two " * 5000 + "\n",
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout.splitlines(), ["one", ("two " * 5000)])
                self.assertIn("extensions permessage-deflate", result.stderr)
                self.assertRegex(result.stderr, r"(?m)^closed 1000$")

    def test_demo_page_through_nginx(self):
        with server_test.Server() as server, Nginx(server, self.ca) as nginx:
            with urllib.request.urlopen(f"https://localhost:{nginx.port}/",
                                        context=self.client_tls, timeout=10) as response:
                self.assertEqual(response.status, 200)
                self.assertIn(b"wscore demo", response.read())


if __name__ == "__main__":
    server_test.WSCORE = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
