#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of what `wscore serve` offers beside the echo: --static, --subprotocol,
/healthz, /metrics, the access log, --verbose lines, the /chat protocol, /inspect, and
--version on every subcommand. Driven by Python's websockets, http.client and raw sockets.

usage: serve_test.py WSCORE_BINARY [TestCase[.test_method] ...]
"""
import asyncio
import email.utils
import http.client
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import websockets

sys.path.insert(0, os.path.dirname(__file__))
import server_test  # noqa: E402  (Server, free_port, run, upgraded_socket)
from server_test import Server, run  # noqa: E402

RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def request(port, path, method="GET", headers=None):
    """One HTTP request on its own connection: (status, headers as a dict, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def read_server_frame(sock):
    """One server frame (unmasked, RFC 6455 §5.2): (opcode, payload)."""
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError("the stream ended inside a frame")
            data += chunk
        return data
    first, second = exactly(2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", exactly(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", exactly(8))[0]
    return first & 0x0F, exactly(length)


def metrics(port):
    """GET /metrics parsed: {'name{labels}': value}; checks the text format on the way."""
    status, headers, body = request(port, "/metrics")
    assert status == 200, status
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8", headers
    samples, typed = {}, set()
    for line in body.decode().splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in ("counter", "gauge"), line
            typed.add(name)
        elif line.startswith("# HELP "):
            continue
        else:
            # Prometheus text format 0.0.4: name, optional {label="value",...}, value.
            match = re.fullmatch(r'([a-z_]+)(\{[a-z_]+="[^"]*"\})? (\d+(\.\d+)?)', line)
            assert match, f"not a sample line: {line!r}"
            assert match.group(1) in typed, f"sample before its TYPE: {line!r}"
            samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


class StaticFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        root = cls.directory.name
        cls.site = os.path.join(root, "site")
        os.makedirs(os.path.join(cls.site, "docs"))
        files = {"app.js": b"console.log(1);\n", "style.css": b"body{}\n", "data.json": b"{}",
                 "logo.png": b"\x89PNG\r\n\x1a\n", "notes.unknownext": b"?",
                 "docs/index.html": b"<p>docs</p>\n", "space name.txt": b"spaced\n"}
        for name, content in files.items():
            with open(os.path.join(cls.site, name), "wb") as f:
                f.write(content)
        with open(os.path.join(root, "secret.txt"), "w") as f:
            f.write("outside\n")
        os.symlink(os.path.join(root, "secret.txt"), os.path.join(cls.site, "leak.txt"))
        os.symlink(os.path.join(cls.site, "app.js"), os.path.join(cls.site, "inside.js"))
        cls.server = Server("--static", cls.site)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()
        cls.directory.cleanup()

    def test_content_types_by_extension(self):
        expected = {"/app.js": "text/javascript; charset=utf-8",
                    "/style.css": "text/css; charset=utf-8", "/data.json": "application/json",
                    "/logo.png": "image/png", "/notes.unknownext": "application/octet-stream",
                    "/docs/index.html": "text/html; charset=utf-8"}
        for path, content_type in expected.items():
            status, headers, body = request(self.server.port, path)
            self.assertEqual((status, headers["content-type"]), (200, content_type), path)
            with open(os.path.join(self.site, path[1:]), "rb") as f:
                self.assertEqual(body, f.read(), path)
            self.assertEqual(headers["x-content-type-options"], "nosniff")

    def test_percent_encoded_names_and_a_symlink_inside(self):
        self.assertEqual(request(self.server.port, "/space%20name.txt")[2], b"spaced\n")
        self.assertEqual(request(self.server.port, "/inside.js")[2], b"console.log(1);\n")

    def test_head_has_the_headers_of_get_and_no_body(self):
        _, get_headers, body = request(self.server.port, "/app.js")
        status, headers, head_body = request(self.server.port, "/app.js", method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(head_body, b"")
        self.assertEqual(headers["content-length"], str(len(body)))
        self.assertEqual(headers["etag"], get_headers["etag"])

    def test_missing_file_and_other_methods(self):
        self.assertEqual(request(self.server.port, "/nope.txt")[0], 404)
        self.assertEqual(request(self.server.port, "/docs/nope/")[0], 404)
        self.assertEqual(request(self.server.port, "/app.js", method="POST")[0], 405)

    def test_no_way_out_of_the_directory(self):
        # Raw requests: http.client would not send these paths as they are.
        attempts = ["/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt",
                    "/%2E%2E%2Fsecret.txt", "/docs/..%2f..%2fsecret.txt", "/leak.txt",
                    "/app.js%00.png", "/%00", "/....//secret.txt", "//etc/passwd",
                    "/docs/%2e%2e/%2e%2e/secret.txt"]
        for path in attempts:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                response = b""
                while chunk := s.recv(65536):
                    response += chunk
            status = int(response.split(b" ", 2)[1])
            self.assertIn(status, (400, 403, 404), path)
            self.assertNotIn(b"outside", response, path)
            self.assertNotIn(b"root:", response, path)
        self.assertEqual(request(self.server.port, "/bad%zzescape")[0], 400)

    def test_directory_index_and_the_redirect_to_its_slash(self):
        status, headers, _ = request(self.server.port, "/docs")
        self.assertEqual((status, headers["location"]), (301, "/docs/"))
        status, headers, body = request(self.server.port, "/docs/")
        self.assertEqual((status, body), (200, b"<p>docs</p>\n"))

    def test_demo_page_stays_at_the_root_without_an_index_html(self):
        status, headers, body = request(self.server.port, "/")
        self.assertEqual(status, 200)
        self.assertIn(b"wscore demo", body)

    def test_etag_and_if_none_match_give_304(self):
        _, headers, body = request(self.server.port, "/style.css")
        etag = headers["etag"]
        self.assertRegex(etag, r'^"[^"]+"$')
        status, headers304, body304 = request(self.server.port, "/style.css",
                                              headers={"If-None-Match": etag})
        self.assertEqual((status, body304), (304, b""))
        self.assertEqual(headers304["etag"], etag)
        # RFC 9110 §13.1.2: a list, a weak form of the tag, and "*" all match.
        for header in (f'"other", {etag}', "W/" + etag, "*"):
            self.assertEqual(request(self.server.port, "/style.css",
                                     headers={"If-None-Match": header})[0], 304, header)
        self.assertEqual(request(self.server.port, "/style.css",
                                 headers={"If-None-Match": '"other"'})[0], 200)

    def test_last_modified_and_if_modified_since_give_304(self):
        _, headers, _ = request(self.server.port, "/data.json")
        modified = email.utils.parsedate_to_datetime(headers["last-modified"])
        mtime = os.stat(os.path.join(self.site, "data.json")).st_mtime
        self.assertEqual(int(modified.timestamp()), int(mtime))
        self.assertEqual(request(self.server.port, "/data.json",
                                 headers={"If-Modified-Since": headers["last-modified"]})[0], 304)
        earlier = email.utils.formatdate(mtime - 3600, usegmt=True)
        self.assertEqual(request(self.server.port, "/data.json",
                                 headers={"If-Modified-Since": earlier})[0], 200)
        self.assertEqual(request(self.server.port, "/data.json",
                                 headers={"If-Modified-Since": "yesterday"})[0], 200)

    def test_a_changed_file_gets_a_new_etag(self):
        path = os.path.join(self.site, "changing.txt")
        with open(path, "w") as f:
            f.write("one\n")
        first = request(self.server.port, "/changing.txt")[1]["etag"]
        with open(path, "w") as f:
            f.write("two, longer\n")
        status, headers, body = request(self.server.port, "/changing.txt",
                                        headers={"If-None-Match": first})
        self.assertEqual((status, body), (200, b"two, longer\n"))
        self.assertNotEqual(headers["etag"], first)

    def test_an_index_html_at_the_top_replaces_the_demo_page(self):
        with tempfile.TemporaryDirectory() as site:
            with open(os.path.join(site, "index.html"), "w") as f:
                f.write("<p>mine</p>\n")
            with Server("--static", site) as server:
                self.assertEqual(request(server.port, "/")[2], b"<p>mine</p>\n")
                # The server's own paths win over files of the same name.
                self.assertEqual(request(server.port, "/healthz")[0], 200)

    def test_a_static_directory_that_is_not_one_is_an_error(self):
        result = subprocess.run([server_test.WSCORE, "serve", "--plain", "--port", "0",
                                 "--static", "/nonexistent/dir"], capture_output=True, text=True,
                                timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, "wscore serve: --static /nonexistent/dir: not a directory\n")


class SubprotocolTest(unittest.TestCase):
    def test_chosen_in_our_order_from_the_clients_offer(self):
        with Server("--subprotocol", "chat.v2", "--subprotocol", "chat.v1") as server:
            async def chosen(offer):
                async with websockets.connect(server.url + "/", subprotocols=offer) as ws:
                    await ws.send("x")
                    await ws.recv()
                    return ws.subprotocol
            # RFC 6455 §4.2.2 item 5.4: one of the offered, ours first.
            self.assertEqual(run(chosen(["chat.v1"])), "chat.v1")
            self.assertEqual(run(chosen(["chat.v1", "chat.v2"])), "chat.v2")
            self.assertEqual(run(chosen(["x", "chat.v1"])), "chat.v1")
            self.assertIsNone(run(chosen(["x"])))
            self.assertIsNone(run(chosen(None)))

    def test_a_subprotocol_that_is_not_a_token_is_refused_at_once(self):
        result = subprocess.run([server_test.WSCORE, "serve", "--plain", "--port", "0",
                                 "--subprotocol", "bad proto"], capture_output=True, text=True,
                                timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.splitlines()), 1)
        self.assertIn("'bad proto' is not a token", result.stderr)


class HealthzTest(unittest.TestCase):
    def test_200_with_the_uptime(self):
        with Server() as server:
            status, headers, body = request(server.port, "/healthz")
            self.assertEqual(status, 200)
            self.assertEqual(headers["content-type"], "text/plain; charset=utf-8")
            self.assertEqual(headers["cache-control"], "no-store")
            first = float(re.search(r"^uptime_seconds (\d+\.\d+)$", body.decode(), re.M).group(1))
            self.assertTrue(body.startswith(b"ok\n"))
            time.sleep(0.2)
            second = float(re.search(r"uptime_seconds (\S+)", request(server.port, "/healthz")[2]
                                     .decode()).group(1))
            self.assertGreaterEqual(second - first, 0.2)
            self.assertEqual(request(server.port, "/healthz", method="HEAD")[2], b"")


class MetricsTest(unittest.TestCase):
    def test_counters_follow_the_traffic_across_event_loops(self):
        with Server("--threads", "2") as server:
            before = metrics(server.port)
            connections, messages = 6, 10

            async def traffic():
                sockets = [await websockets.connect(server.url + "/echo", compression=None)
                           for _ in range(connections)]
                during = metrics(server.port)
                for ws in sockets:
                    for i in range(messages):
                        await ws.send("m" * 100)
                        self.assertEqual(await ws.recv(), "m" * 100)
                for ws in sockets:
                    await ws.close(1000)
                return during
            during = run(traffic())
            self.assertEqual(during["wscore_connections_open"],
                             before["wscore_connections_open"] + connections)
            time.sleep(0.3)  # the closes reach the server's counters
            after = metrics(server.port)
            delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
            self.assertEqual(delta["wscore_messages_received_total"], connections * messages)
            self.assertEqual(delta["wscore_messages_sent_total"], connections * messages)
            # Each message is 6 bytes of header (masked) + 100 in, 2 + 100 out, plus handshakes.
            self.assertGreater(delta["wscore_bytes_received_total"], connections * messages * 106)
            self.assertGreater(delta["wscore_bytes_sent_total"], connections * messages * 102)
            self.assertEqual(delta["wscore_websocket_upgrades_total"], connections)
            self.assertEqual(delta['wscore_closes_total{code="1000"}'], connections)
            # Every /metrics request is one connection and one HTTP request (two were made).
            self.assertEqual(delta["wscore_connections_total"], connections + 2)
            self.assertEqual(after["wscore_connections_open"], 1)  # this request's
            self.assertGreater(after["wscore_uptime_seconds"], before["wscore_uptime_seconds"])

    def test_failed_handshakes_by_status_and_protocol_errors_by_code(self):
        with Server() as server:
            with socket.create_connection(("127.0.0.1", server.port)) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          b"Sec-WebSocket-Version: 8\r\n\r\n")
                self.assertIn(b" 426 ", s.recv(4096))
            s = server_test.upgraded_socket(server.port)
            s.sendall(bytes([0x81, 0x01]) + b"x")  # RFC 6455 §5.1: unmasked from a client
            self.assertEqual(s.recv(2)[0], 0x88)
            s.close()
            time.sleep(0.2)
            samples = metrics(server.port)
            self.assertEqual(samples['wscore_handshake_failures_total{status="426"}'], 1)
            self.assertEqual(samples['wscore_protocol_errors_total{code="1002"}'], 1)
            self.assertEqual(samples['wscore_closes_total{code="1002"}'], 1)

    def test_refused_sends_to_a_chat_member_that_does_not_read_are_backpressure(self):
        with Server("--max-outbound", str(64 * 1024)) as server:
            # A receive window the size of the kernel's largest: a tiny one would make reading what
            # was queued before the refusal a trickle of window probes.
            idle = server_test.upgraded_socket(server.port, receive_buffer=1 << 20, path="/chat")

            async def flood():
                async with websockets.connect(server.url + "/chat", compression=None,
                                              max_queue=None) as ws:
                    # More than the kernel's socket buffers can hold for the idle member.
                    try:
                        for _ in range(1000):
                            await ws.send(b"x" * 32768)
                    except websockets.exceptions.ConnectionClosedError as closed:
                        # The flooder is a member too: on a loaded machine it may fall behind
                        # reading its own relayed messages, and is then closed the same way.
                        self.assertEqual(closed.rcvd.code, 1008, closed)
            run(flood())
            time.sleep(0.3)
            self.assertGreaterEqual(metrics(server.port)["wscore_backpressure_events_total"], 1)
            # The member that did not read gets every relayed message queued before the refusal,
            # then a Close that says why (nothing dropped silently).
            idle.settimeout(10)
            opcode, payload = None, b""
            while opcode != 0x8:
                opcode, payload = read_server_frame(idle)
            self.assertEqual(payload, struct.pack("!H", 1008) + b"outbound buffer full")
            idle.close()


class AccessLogTest(unittest.TestCase):
    def scenario(self, server):
        async def talk():
            async with websockets.connect(server.url + "/chat", subprotocols=["chat.v1"]) as ws:
                await ws.send("hello")
                await ws.recv()
                await ws.close(4000, "bye now")
                return ws.local_address[1]
        port = run(talk())
        request(server.port, "/healthz")
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n")
            s.recv(4096)
        time.sleep(0.2)
        return port

    def test_one_text_line_per_connection(self):
        with Server("--access-log", "--subprotocol", "chat.v1") as server:
            port = self.scenario(server)
            _, err = server.stop()
        websocket = [line for line in err.splitlines() if " websocket " in line]
        self.assertEqual(len(websocket), 1, err)
        self.assertRegex(
            websocket[0],
            rf"^{RFC3339} 127\.0\.0\.1:{port} websocket id=\d+ path=/chat subprotocol=chat\.v1 "
            r'extensions="permessage-deflate[^"]*" duration_s=\d+\.\d{3} messages_in=1 '
            r'messages_out=1 bytes_in=\d+ bytes_out=\d+ close_code=4000 close_reason="bye now"$')
        self.assertRegex(err, rf"(?m)^{RFC3339} 127\.0\.0\.1:\d+ http id=\d+ method=GET "
                              r"target=/healthz status=200 body_bytes=\d+$")
        self.assertRegex(err, rf"(?m)^{RFC3339} 127\.0\.0\.1:\d+ handshake_failed id=\d+ "
                              r"status=400 reason=")

    def test_log_json_is_one_object_per_line(self):
        with Server("--log-json", "--subprotocol", "chat.v1") as server:
            port = self.scenario(server)
            _, err = server.stop()
        records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
        kinds = sorted(record["kind"] for record in records)
        self.assertEqual(kinds, ["handshake_failed", "http", "websocket"], err)
        websocket = next(record for record in records if record["kind"] == "websocket")
        self.assertRegex(websocket["time"], rf"^{RFC3339}$")
        self.assertEqual(websocket["peer"], f"127.0.0.1:{port}")
        self.assertEqual(websocket["path"], "/chat")
        self.assertEqual(websocket["subprotocol"], "chat.v1")
        self.assertTrue(websocket["extensions"].startswith("permessage-deflate"))
        self.assertEqual((websocket["messages_in"], websocket["messages_out"]), (1, 1))
        self.assertEqual((websocket["close_code"], websocket["close_reason"]), (4000, "bye now"))
        self.assertIsInstance(websocket["duration_s"], float)
        self.assertGreater(websocket["bytes_in"], 0)
        http = next(record for record in records if record["kind"] == "http")
        self.assertEqual((http["method"], http["target"], http["status"]), ("GET", "/healthz", 200))

    def test_no_access_log_without_the_option(self):
        with Server() as server:
            self.scenario(server)
            _, err = server.stop()
        self.assertNotIn("websocket id=", err)


class VerboseTest(unittest.TestCase):
    def test_lines_have_a_timestamp_and_the_peer_address(self):
        with Server("--verbose") as server:
            async def talk():
                async with websockets.connect(server.url + "/echo") as ws:
                    await ws.send("x")
                    await ws.recv()
                    return ws.local_address[1]
            port = run(talk())
            time.sleep(0.2)
            _, err = server.stop()
        self.assertRegex(err, rf"(?m)^{RFC3339} 127\.0\.0\.1:{port} open \d+ /echo "
                              r"permessage-deflate$")
        self.assertRegex(err, rf"(?m)^{RFC3339} 127\.0\.0\.1:{port} close \d+ 1000 $")


class ChatTest(unittest.TestCase):
    def test_names_presence_and_messages(self):
        with Server("--threads", "2") as server:
            async def scenario():
                alice = await websockets.connect(server.url + "/chat")
                await alice.send(json.dumps({"type": "join", "name": "alice"}))
                welcome = json.loads(await alice.recv())
                self.assertEqual((welcome["type"], welcome["name"], welcome["online"]),
                                 ("welcome", "alice", ["alice"]))
                self.assertRegex(welcome["time"], rf"^{RFC3339}$")
                self.assertEqual(json.loads(await alice.recv())["type"], "join")

                # A second "alice" gets a name of her own.
                other = await websockets.connect(server.url + "/chat")
                await other.send(json.dumps({"type": "join", "name": "  alice\n"}))
                self.assertEqual(json.loads(await other.recv())["name"], "alice-2")
                joined = json.loads(await alice.recv())
                self.assertEqual((joined["type"], joined["name"], joined["online"]),
                                 ("join", "alice-2", ["alice", "alice-2"]))
                await other.recv()  # its own join

                await other.send(json.dumps({"type": "message", "text": "hi é"}))
                for ws in (alice, other):
                    said = json.loads(await ws.recv())
                    self.assertEqual((said["type"], said["name"], said["text"]),
                                     ("message", "alice-2", "hi é"))
                await other.send(json.dumps({"type": "join", "name": "again"}))
                self.assertEqual(json.loads(await other.recv()),
                                 {"type": "error", "text": "already joined"})

                # Not the protocol: relayed as it came.
                await alice.send("plain text")
                self.assertEqual(await other.recv(), "plain text")
                self.assertEqual(await alice.recv(), "plain text")

                await other.close()
                left = json.loads(await alice.recv())
                self.assertEqual((left["type"], left["name"], left["online"]),
                                 ("leave", "alice-2", ["alice"]))
                await alice.close()
            run(scenario())

    def test_messages_before_joining_get_an_error(self):
        with Server() as server:
            async def scenario():
                async with websockets.connect(server.url + "/chat") as ws:
                    await ws.send(json.dumps({"type": "message", "text": "who am I"}))
                    self.assertEqual(json.loads(await ws.recv()),
                                     {"type": "error", "text": "join first"})
            run(scenario())


class InspectTest(unittest.TestCase):
    def exchange(self, server, payload, compression="deflate"):
        async def scenario():
            async with websockets.connect(server.url + "/inspect", compression=compression) as ws:
                await ws.send(payload)
                self.assertEqual(await ws.recv(), payload)
                return json.loads(await ws.recv()), ws
        return run(scenario())

    def test_compressed_both_ways_with_permessage_deflate(self):
        with Server() as server:
            report, _ = self.exchange(server, "a" * 1000)
        self.assertEqual(report["type"], "inspect")
        self.assertTrue(report["extensions"].startswith("permessage-deflate"))
        received, sent = report["received"], report["sent"]
        self.assertEqual((received["opcode"], received["fin"], received["rsv1"],
                          received["length"]), (1, True, True, 1000))
        self.assertEqual((sent["opcode"], sent["fin"], sent["rsv1"], sent["length"]),
                         (1, True, True, 1000))
        # 1000 repeated bytes deflate to a handful: far below the length on the wire.
        self.assertLess(received["wire_bytes"], 100)
        self.assertLess(sent["wire_bytes"], 100)

    def test_below_the_threshold_the_echo_goes_uncompressed(self):
        with Server() as server:
            report, _ = self.exchange(server, b"\x01\x02\x03")
        sent = report["sent"]
        self.assertEqual((sent["opcode"], sent["rsv1"], sent["length"], sent["wire_bytes"]),
                         (2, False, 3, 2 + 3))

    def test_without_deflate_the_wire_size_is_header_and_payload(self):
        with Server() as server:
            report, _ = self.exchange(server, "b" * 300, compression=None)
        self.assertEqual(report["extensions"], "")
        # RFC 6455 §5.2: 2 + 2 (16-bit length) + 4 (mask) from the client; no mask back.
        self.assertEqual((report["received"]["rsv1"], report["received"]["wire_bytes"]),
                         (False, 300 + 8))
        self.assertEqual((report["sent"]["rsv1"], report["sent"]["wire_bytes"]), (False, 300 + 4))


class VersionOnEverySubcommandTest(unittest.TestCase):
    def test_every_subcommand_prints_the_one_version(self):
        expected = subprocess.run([server_test.WSCORE, "--version"], capture_output=True,
                                  text=True, timeout=30).stdout
        self.assertRegex(expected, r"^wscore \d+\.\d+\.\d+\n$")
        for command in (["serve"], ["connect"], ["dump"], ["bench"], ["serve", "--plain"],
                        ["connect", "ws://127.0.0.1:9/", "--version"]):
            arguments = command if "--version" in command else command + ["--version"]
            result = subprocess.run([server_test.WSCORE, *arguments], capture_output=True,
                                    text=True, timeout=30)
            self.assertEqual((result.returncode, result.stdout, result.stderr),
                             (0, expected, ""), arguments)


if __name__ == "__main__":
    server_test.WSCORE = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
