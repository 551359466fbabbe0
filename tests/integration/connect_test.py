#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of `wscore connect`'s options: against `wscore serve --plain` (the echo),
a small recording WebSocket peer written here (to see the request and to send control frames),
and a small HTTP CONNECT proxy written here.

usage: connect_test.py WSCORE_BINARY [TestCase[.test_method] ...]
"""
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_test  # noqa: E402  (its Server: `wscore serve` on a free port)
from echo_server import EchoServerTestCase  # noqa: E402
from server_test import Server, free_port, tls_backend_args  # noqa: E402

WSCORE = None  # set from argv


def connect(*args, input_bytes=b"", timeout=20):
    """Runs `wscore connect ARGS` with `input_bytes` on stdin; stdout as bytes, stderr as text."""
    result = subprocess.run([WSCORE, "connect", *args, *tls_backend_args(args[0])],
                            input=input_bytes, capture_output=True, timeout=timeout)
    return result.returncode, result.stdout, result.stderr.decode()


def connect_until_the_server_closes(*args, timeout=20):
    """`wscore connect ARGS` with stdin held open, so that only the server ends the run (the end
    of input would close first); (exit status, stdout bytes, stderr text)."""
    process = subprocess.Popen([WSCORE, "connect", *args], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        process.wait(timeout)
    finally:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err.decode()


def read_head(sock):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return head.decode("latin-1")


def read_frame(sock):
    """One client frame (masked, RFC 6455 §5.2): (opcode, payload)."""
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data
    first, second = exactly(2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", exactly(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", exactly(8))[0]
    mask = exactly(4)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(exactly(length)))
    return first & 0x0F, payload


def frame(opcode, payload=b""):
    """An unmasked server frame with FIN set (payload under 126 bytes)."""
    return bytes([0x80 | opcode, len(payload)]) + payload


class RecordingPeer:
    """A one-connection WebSocket server: records the request head, answers 101, then runs
    `script(sock)` (which sends what the test wants) and closes."""

    def __init__(self, script):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.head = None
        self.script = script
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        sock, _ = self.listener.accept()
        with sock:
            sock.settimeout(10)
            self.head = read_head(sock)
            key = next(line.split(":", 1)[1].strip() for line in self.head.split("\r\n")
                       if line.lower().startswith("sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                          "\r\n\r\n").encode())
            self.script(sock)

    def header(self, name):
        for line in self.head.split("\r\n")[1:]:
            if line.lower().startswith(name.lower() + ":"):
                return line.split(":", 1)[1].strip()
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.thread.join(10)
        self.listener.close()

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/"


def close_with(code, reason=b""):
    """A script: send a Close with `code`, read the client's Close, end."""
    def script(sock):
        sock.sendall(frame(0x8, struct.pack("!H", code) + reason))
        while read_frame(sock)[0] != 0x8:
            pass
    return script


class ConnectProxy:
    """An HTTP proxy that answers CONNECT with `status` (200: then relays bytes both ways)."""

    def __init__(self, status=200):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.status = status
        self.head = None
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        client, _ = self.listener.accept()
        with client:
            self.head = read_head(client)
            if self.status != 200:
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                               b"Proxy-Authenticate: Basic realm=\"test\"\r\n"
                               b"Content-Length: 0\r\n\r\n")
                return
            host, port = self.head.split()[1].rsplit(":", 1)
            with socket.create_connection((host, int(port))) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.relay_both_ways(client, upstream)

    @staticmethod
    def relay_both_ways(client, upstream):

        def relay(source, target):
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    target.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        back = threading.Thread(target=relay, args=(upstream, client), daemon=True)
        back.start()
        relay(client, upstream)
        back.join(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.listener.close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


class RequestTest(unittest.TestCase):
    """What the opening request carries, and values refused before any connection is made."""

    def test_headers_and_url_credentials_reach_the_server(self):
        with RecordingPeer(close_with(1000)) as peer:
            code, out, err = connect(f"ws://alice:p%40ss%3Aword@127.0.0.1:{peer.port}/path",
                                     "-H", "X-Trace: abc 123", "--header", "X-Empty:",
                                     "--origin", "https://example.test")
        self.assertEqual(code, 0, err)
        self.assertTrue(peer.head.startswith("GET /path HTTP/1.1\r\n"), peer.head)
        self.assertEqual(peer.header("X-Trace"), "abc 123")
        self.assertEqual(peer.header("X-Empty"), "")
        self.assertEqual(peer.header("Origin"), "https://example.test")
        # RFC 7617 §2: base64 of user ":" password, percent-decoded from the URL.
        self.assertEqual(peer.header("Authorization"),
                         "Basic " + base64.b64encode(b"alice:p@ss:word").decode())
        # The password is not printed.
        self.assertNotIn("p%40ss", err)
        self.assertIn(f"connected to ws://127.0.0.1:{peer.port}/path", err)

    def test_bad_values_fail_at_once_with_exit_2_and_one_clear_line(self):
        # A listener that never answers: a value that reached the network would wait here.
        with socket.create_server(("127.0.0.1", 0)) as silent:
            url = f"ws://127.0.0.1:{silent.getsockname()[1]}/"
            cases = [
                (["-H", "X Bad: value"], "token"),
                (["-H", "X-Split: a\r\nInjected: b"], "control character"),
                (["-H", "no colon"], "Name: value"),
                (["-H", "Sec-WebSocket-Key: x"], "handshake itself"),
                (["-H", "Origin: http://a"], "--origin"),
                (["--subprotocol", "bad proto"], "not a token"),
                (["--subprotocol", "a,b"], "not a token"),
                (["--subprotocol", "chat", "--subprotocol", "chat"], "twice"),
                (["--origin", "http://a\r\nX: y"], "control character"),
                (["--origin", "not an origin"], "scheme://host"),
                (["--proxy", "https://127.0.0.1:1"], "http://"),
                (["--ping-interval", "soon"], "--ping-interval"),
                (["--once", "--count", "2"], "together"),
            ]
            for args, reason in cases:
                with self.subTest(args=args):
                    started = time.monotonic()
                    code, _, err = connect(url, *args)
                    self.assertEqual(code, 2, err)
                    self.assertLess(time.monotonic() - started, 2)
                    self.assertIn(reason, err)
                    first_line = err.splitlines()[0]
                    self.assertTrue(first_line.startswith("wscore connect: "), err)
                    self.assertNotIn("\r", err)
            code, _, err = connect(url.replace("127.0.0.1", "u%zz@127.0.0.1"))
            self.assertEqual(code, 2)
            self.assertIn("percent-encoding", err)

    def test_help_documents_the_exit_status(self):
        code, out, _ = connect("--help")
        self.assertEqual(code, 0)
        for text in ("Exit status: 0", "1 if the connection", "2 on bad", "--proxy", "--jsonl"):
            self.assertIn(text, out.decode())


class MessagesTest(EchoServerTestCase):
    """Messages in and out, against the echo of `wscore serve`."""

    def test_binary_round_trip_as_hex_and_raw(self):
        code, out, err = connect(self.url, "--binary", "--once", input_bytes=b"hi\x00\xff\n")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, b"686900ff\n")
        code, out, err = connect(self.url, "--binary", "--raw", "--once",
                                 input_bytes=b"hi\x00\xff\n")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, b"hi\x00\xff")

    def test_count_exits_after_n_messages_with_a_clean_close(self):
        # stdin stays open: the count ends the run, not the end of input.
        process = subprocess.Popen([WSCORE, "connect", self.url, "--count", "2"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        process.stdin.write(b"a\nb\nc\n")
        process.stdin.flush()
        out, err = process.communicate(timeout=10)
        self.assertEqual(process.returncode, 0, err)
        self.assertEqual(out, b"a\nb\n")
        self.assertIn("closed 1000", err.decode())

    def test_no_newline_quiet_and_verbose(self):
        code, out, err = connect(self.url, "-n", "-q", input_bytes=b"a\nb\n")
        self.assertEqual((code, out, err), (0, b"ab", ""))
        code, out, err = connect(self.url, "-v", input_bytes=b"a\n")
        self.assertEqual(code, 0, err)
        self.assertIn("< HTTP/1.1 101 Switching Protocols", err)
        self.assertIn("< Sec-WebSocket-Accept: ", err)
        self.assertIn("> text message, 1 bytes", err)

    def test_jsonl_is_one_object_per_event(self):
        before = time.time()
        code, out, err = connect(self.url, "--jsonl", "--count", "2", "--show-control",
                                 input_bytes="héllo\n\"quoted\"\n".encode())
        self.assertEqual(code, 0, err)
        events = [json.loads(line) for line in out.decode().splitlines()]
        self.assertEqual([e["type"] for e in events], ["open", "text", "text", "close", "close"])
        for event in events:
            self.assertGreaterEqual(event["time"], before - 1)
            self.assertLessEqual(event["time"], time.time() + 1)
        self.assertEqual(events[1]["text"], "héllo")
        self.assertEqual(events[1]["size"], len("héllo".encode()))
        self.assertEqual(events[2]["text"], '"quoted"')
        self.assertEqual((events[3]["sent"], events[3]["code"]), (True, 1000))
        self.assertEqual((events[4]["sent"], events[4]["code"], events[4]["clean"]),
                         (False, 1000, True))
        code, out, err = connect(self.url, "--jsonl", "--binary", "--once", input_bytes=b"\x01\x02\n")
        self.assertEqual(code, 0, err)
        binary = [json.loads(line) for line in out.decode().splitlines()][1]
        self.assertEqual(binary, {"type": "binary", "time": binary["time"], "size": 2,
                                  "base64": base64.b64encode(b"\x01\x02").decode()})

    def test_ping_prints_the_round_trip_and_show_control_the_pong(self):
        code, out, err = connect(self.url, "--ping", "--show-control")
        self.assertEqual(code, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0], "ping sent: wscore ping 1")
        self.assertRegex(lines[1], r"^pong received: wscore ping 1 \(round trip [\d.]+ (ns|µs|ms)\)$")
        self.assertRegex(lines[2], r"^pong from ws://127\.0\.0\.1:\d+/: round trip [\d.]+ (ns|µs|ms)$")
        self.assertEqual(lines[3:], ["close sent: 1000", "close: 1000"])
        code, out, err = connect(self.url, "--ping", "--jsonl")
        pong = [json.loads(line) for line in out.decode().splitlines() if '"pong"' in line][0]
        self.assertEqual(base64.b64decode(pong["base64"]), b"wscore ping 1")
        self.assertGreater(pong["round_trip_ms"], 0)

    def test_ping_interval_pings_until_the_end(self):
        process = subprocess.Popen([WSCORE, "connect", self.url, "--ping-interval", "0.2",
                                    "--show-control"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.1)
        out, err = process.communicate(b"", timeout=10)
        self.assertEqual(process.returncode, 0, err)
        pongs = [line for line in out.decode().splitlines() if line.startswith("pong received")]
        self.assertGreaterEqual(len(pongs), 3, out)
        self.assertLessEqual(len(pongs), 6, out)


class ControlFramesTest(unittest.TestCase):
    """Control frames from the server and how the close decides the exit status."""

    def test_show_control_prints_the_servers_ping_and_close(self):
        def script(sock):
            sock.sendall(frame(0x9, b"are you there"))
            self.assertEqual(read_frame(sock), (0xA, b"are you there"))  # RFC 6455 §5.5.3
            close_with(1000, b"bye")(sock)
        with RecordingPeer(script) as peer:
            code, out, err = connect_until_the_server_closes(peer.url, "--show-control")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.decode().splitlines(), ["ping received: are you there",
                                                     "close: 1000 bye"])

    def test_a_close_with_an_error_code_exits_1_and_prints_it(self):
        with RecordingPeer(close_with(1011, b"server broke")) as peer:
            code, _, err = connect_until_the_server_closes(peer.url, "-q")
        self.assertEqual(code, 1)
        self.assertIn("closed 1011 server broke", err)


class ProxyTest(unittest.TestCase):
    def test_through_a_connect_proxy_with_credentials_plain_and_tls(self):
        for tls in (False, True):
            with self.subTest(tls=tls), Server(tls=tls) as server, ConnectProxy() as proxy:
                proxy_url = proxy.url.replace("http://", "http://bob:s%20cret@")
                extra = ["--cafile", server.cert] if tls else []
                code, out, err = connect(server.url + "/", "--proxy", proxy_url, *extra,
                                         input_bytes=b"via the proxy\n")
                self.assertEqual(code, 0, err)
                self.assertEqual(out, b"via the proxy\n")
                self.assertTrue(
                    proxy.head.startswith(f"CONNECT 127.0.0.1:{server.port} HTTP/1.1\r\n"),
                    proxy.head)
                self.assertIn(f"\r\nHost: 127.0.0.1:{server.port}\r\n", proxy.head)
                self.assertIn("\r\nProxy-Authorization: Basic " +
                              base64.b64encode(b"bob:s cret").decode() + "\r\n", proxy.head)

    def test_a_proxy_that_refuses_is_reported_with_its_status(self):
        with ConnectProxy(status=407) as proxy:
            code, _, err = connect(f"ws://127.0.0.1:{free_port()}/", "--proxy", proxy.url)
        self.assertEqual(code, 1)
        self.assertIn("the proxy refused the tunnel", err)
        self.assertIn("HTTP 407 Proxy Authentication Required", err)

    def test_a_proxy_that_is_not_there(self):
        code, _, err = connect(f"ws://127.0.0.1:{free_port()}/", "--proxy",
                               f"http://127.0.0.1:{free_port()}")
        self.assertEqual(code, 1)
        self.assertIn("cannot connect to the proxy", err)
        self.assertIn("refused", err)


if __name__ == "__main__":
    WSCORE = os.path.abspath(sys.argv[1])
    server_test.WSCORE = WSCORE
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
