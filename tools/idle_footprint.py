#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measures the server's resident memory per idle upgraded connection.

usage: tools/idle_footprint.py [--connections N] [--tls [--tls-backend mbedtls|openssl]]
                               [--io epoll|uring] [WSCORE_BINARY]

Starts `wscore serve` (one event loop) on a free loopback port, opens N WebSocket connections
with raw sockets (completing the upgrade, then staying idle), and reports the growth of the
server's VmRSS divided by N. Kernel socket memory is not in RSS and not counted.
"""
import argparse
import json
import os
import resource
import selectors
import socket
import ssl
import subprocess
import tempfile
import time

REQUEST = (b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--tls-backend", default="mbedtls", help="mbedtls or openssl (with --tls)")
    parser.add_argument("--io", default="epoll", help="the server's event loops: epoll or uring")
    parser.add_argument("--json", help="add the figure to this JSON file (an object by kind)")
    parser.add_argument("binary", nargs="?", default="build/release/bin/wscore")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tempfile.TemporaryDirectory()
    command = [args.binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "1",
               "--idle-timeout", "3600", "--max-connections", str(args.connections + 10),
               "--io", args.io]
    command += ["--tls-backend", args.tls_backend] if args.tls else ["--plain"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, XDG_DATA_HOME=data.name), text=True)
    server.stdout.readline()
    context = None
    if args.tls:
        context = ssl.create_default_context(cafile=os.path.join(data.name, "wscore", "cert.pem"))
    time.sleep(0.5)
    before = rss_kib(server.pid)

    sockets = []
    for i in range(args.connections):
        raw = socket.create_connection(("127.0.0.1", port))
        s = context.wrap_socket(raw, server_hostname="localhost") if context else raw
        s.sendall(REQUEST)
        response = b""
        while b"\r\n\r\n" not in response:
            response += s.recv(4096)
        if not response.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("upgrade refused: " + response.decode(errors="replace"))
        sockets.append(s)
    time.sleep(1.0)
    after = rss_kib(server.pid)
    per_connection = (after - before) * 1024 / args.connections
    kind = f"wss ({args.tls_backend})" if args.tls else "ws"
    print(f"{args.connections} idle {kind} connections: server RSS "
          f"{before} KiB -> {after} KiB, {per_connection:.0f} bytes per connection")
    if args.json:
        figures = {}
        if os.path.exists(args.json):
            with open(args.json) as existing:
                figures = json.load(existing)
        figures[f"{kind} --io {args.io}"] = {"connections": args.connections,
                                             "rss_before_kib": before, "rss_after_kib": after,
                                             "bytes_per_connection": round(per_connection)}
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    for s in sockets:
        s.close()
    server.terminate()
    server.wait()


if __name__ == "__main__":
    main()
