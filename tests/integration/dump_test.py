#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`wscore dump`: decodes captured streams into one line per frame and reports protocol errors
with the close code the core would send.

usage: dump_test.py WSCORE_BINARY
"""
import subprocess
import sys
import unittest

WSCORE = None


def dump(data, *args, hex_input=False):
    return subprocess.run([WSCORE, "dump", *args] + (["--hex"] if hex_input else []),
                          input=data, capture_output=True, timeout=30)


class DumpTest(unittest.TestCase):
    def test_rfc6455_section_5_7_examples(self):
        # Masked "Hello" (from a client), then a masked close 1000.
        result = dump(b"81 85 37 fa 21 3d 7f 9f 4d 51 58  88 82 01 02 03 04 02 ea", hex_input=True)
        lines = result.stdout.decode().splitlines()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(lines[0], r'frame 0 +fin=1 rsv=000 text +mask=yes len=5 "Hello"')
        self.assertRegex(lines[1], r"frame 1 +fin=1 rsv=000 close +mask=yes len=2")
        self.assertIn("close code 1000", lines[2])

    def test_fragmented_unmasked_from_a_server(self):
        result = dump(bytes.fromhex("010348656c" "80026c6f"))
        lines = result.stdout.decode().splitlines()
        self.assertRegex(lines[0], r'fin=0 .* text +mask=no +len=3 "Hel"')
        self.assertRegex(lines[1], r'fin=1 .* cont +mask=no +len=2 "lo"')

    def test_handshake_head_is_shown_and_skipped(self):
        data = (b"GET /chat HTTP/1.1\r\nHost: x\r\n\r\n" +
                bytes.fromhex("818537fa213d7f9f4d5158"))
        lines = dump(data).stdout.decode().splitlines()
        self.assertEqual(lines[0], "http  GET /chat HTTP/1.1")
        self.assertIn('"Hello"', lines[1])

    def test_protocol_errors_are_reported_with_their_close_code(self):
        # An unmasked frame from a client (RFC 6455 §5.1): 1002.
        result = dump(bytes.fromhex("8105") + b"Hello", "--from", "client")
        self.assertEqual(result.returncode, 1)
        self.assertIn("error 1002", result.stdout.decode())
        # Invalid UTF-8 in text (§8.1): 1007.
        result = dump(bytes.fromhex("818200000000c0af"), "--from", "client")
        self.assertIn("error 1007", result.stdout.decode())

    def test_a_payload_cut_short_is_shown_as_truncated_and_ends(self):
        # A 5-byte binary frame with 2 payload bytes: FrameParser asks for more input, which
        # the capture does not have (this hung before FrameParser returned need_more).
        result = dump(b"82 05 01 02", "--from", "server", hex_input=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout.decode(), r"binary +mask=no +len=5 0102 \(truncated\)")

    def test_violations_are_named(self):
        # RFC 6455 §5.5: a Ping of 126 bytes breaks the control-frame rule in its header.
        result = dump(bytes.fromhex("897e007e") + b"x" * 126, "--from", "server")
        self.assertEqual(result.returncode, 1)
        self.assertIn("error 1002 control_frame_too_long", result.stdout.decode())

    def test_bad_hex_is_a_usage_error(self):
        result = dump(b"81 zz", hex_input=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("not a hex digit", result.stderr.decode())


if __name__ == "__main__":
    WSCORE = sys.argv[1]
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
