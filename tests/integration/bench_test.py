#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of `wscore bench`'s options against `wscore serve --plain`: the JSON
report, messages in flight, the open-loop rate, latency units, and a failed connection.

usage: bench_test.py WSCORE_BINARY [TestCase[.test_method] ...]
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_test  # noqa: E402  (its Server: `wscore serve` on a free port)
from echo_server import EchoServerTestCase  # noqa: E402
from server_test import free_port  # noqa: E402

WSCORE = None  # set from argv

UNIT = r"(?:ns|µs|ms|s)"


def bench(url, *args):
    """Runs `wscore bench URL --duration 1 ARGS` with --json; (result, the JSON or None)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "bench.json")
        result = subprocess.run([WSCORE, "bench", url, "--duration", "1", "--json", path, *args],
                                capture_output=True, text=True, timeout=60)
        with open(path) as written:
            figures = json.load(written) if os.path.getsize(path) else None
    return result, figures


class BenchOptionsTest(EchoServerTestCase):
    def check_latency_line(self, stdout):
        """Each latency is printed in the unit that fits: under 1000 of it, and ns/µs/ms/s."""
        line = re.search(r"(?m)^latency .*$", stdout).group(0)
        figures = re.findall(rf"(p50|p90|p99|p99\.9|max) ([\d.]+) ({UNIT})\b", line)
        self.assertEqual([name for name, _, _ in figures], ["p50", "p90", "p99", "p99.9", "max"],
                         line)
        for _, value, unit in figures:
            self.assertLess(float(value), 1000, line)

    def test_json_has_every_figure_and_every_echo_is_verified(self):
        result, figures = bench(self.url, "--connections", "3", "--size", "300")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for field in ("url", "connections", "in_flight", "size", "type", "deflate", "rate",
                      "seconds", "sent", "verified", "behind_schedule", "messages_per_second",
                      "bytes_each_way", "bytes_per_second_each_way", "latency_ns", "latency_from",
                      "connections_opened", "connections_closed_cleanly", "failures",
                      "first_failure"):
            self.assertIn(field, figures)
        self.assertEqual(set(figures["latency_ns"]),
                         {"min", "mean", "p50", "p90", "p99", "p99.9", "max"})
        self.assertGreater(figures["sent"], 0)
        self.assertEqual(figures["verified"], figures["sent"])
        self.assertEqual(figures["bytes_each_way"], figures["verified"] * 300)
        self.assertEqual((figures["connections"], figures["connections_opened"],
                          figures["connections_closed_cleanly"], figures["failures"]),
                         (3, 3, 3, 0))
        latency = figures["latency_ns"]
        self.assertLessEqual(latency["min"], latency["p50"])
        self.assertLessEqual(latency["p50"], latency["p99"])
        self.assertLessEqual(latency["p99"], latency["max"])
        # The table says the same, and how many echoes were verified.
        verified = re.search(r"(?m)^messages +(\d+) echoed and verified byte for byte "
                             r"\(of (\d+) sent\)", result.stdout)
        self.assertEqual(int(verified.group(1)), figures["verified"])
        self.assertEqual(int(verified.group(2)), figures["sent"])
        self.check_latency_line(result.stdout)

    def test_in_flight_keeps_k_messages_outstanding(self):
        result, figures = bench(self.url, "--connections", "2", "--in-flight", "16")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("2 connections, 16 in flight each", result.stdout)
        self.assertEqual(figures["in_flight"], 16)
        self.assertEqual(figures["verified"], figures["sent"])
        self.assertGreater(figures["sent"], 32)

    def test_rate_sends_on_the_schedule_and_times_from_it(self):
        result, figures = bench(self.url, "--connections", "2", "--rate", "400")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # 1 s at 400/s: the messages due in that second, all sent (none behind on loopback).
        self.assertGreaterEqual(figures["sent"], 390)
        self.assertLessEqual(figures["sent"], 401)
        self.assertEqual(figures["verified"], figures["sent"])
        self.assertEqual(figures["latency_from"], "schedule")
        self.assertEqual(figures["rate"], 400)
        self.assertIn("400 msg/s scheduled", result.stdout)
        self.assertRegex(result.stdout, r"(?m)^schedule +\d+ messages due but not sent in time")
        self.check_latency_line(result.stdout)

    def test_rate_beyond_what_is_echoed_shows_the_backlog(self):
        # One message in flight on one connection cannot keep up with a million a second: the
        # messages fall behind the schedule and their latency counts the wait (no coordinated
        # omission), so the worst is a large part of the second.
        result, figures = bench(self.url, "--connections", "1", "--rate", "1000000")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertGreater(figures["behind_schedule"], 0)
        self.assertGreater(figures["latency_ns"]["max"], 100_000_000)
        self.assertRegex(result.stdout, rf"max [\d.]+ (ms|s) ")

    def test_bad_values_are_usage_errors(self):
        for args in (["--in-flight", "0"], ["--rate", "fast"], ["--json", "/nonexistent/x.json"]):
            with self.subTest(args=args):
                result = subprocess.run([WSCORE, "bench", self.url, *args], capture_output=True,
                                        text=True, timeout=30)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stdout, "")
                self.assertIn(args[0], result.stderr)


class FailedConnectionTest(unittest.TestCase):
    def test_a_refused_port_is_reported_before_any_table(self):
        result, figures = bench(f"ws://127.0.0.1:{free_port()}/", "--connections", "4")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")  # no table of zeros
        self.assertIn("0 of 4 connections opened", result.stderr)
        self.assertIn("refused", result.stderr)
        self.assertIn("refused", figures["error"])


if __name__ == "__main__":
    WSCORE = os.path.abspath(sys.argv[1])
    server_test.WSCORE = WSCORE
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
