#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seeds of corpus/<target>/, one small file per case, named for what it is.

Each target's input format is described at the top of fuzz/<target>.cpp (frame_target.hpp for
frame_server and frame_client). Running this again rewrites the seeds it knows and leaves every
other file alone (for example inputs merged in by `tools/fuzz --merge`).

    fuzz/make_seeds.py [CORPUS_DIR]    (default: corpus/ next to fuzz/)
"""
import os
import struct
import sys
import zlib

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus")

RFC_KEY = b"dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3
RFC_ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
RFC_MASK = bytes([0x37, 0xFA, 0x21, 0x3D])  # RFC 6455 section 5.7


def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)


def frame(first, payload, mask=None, form=None):
    """One frame (RFC 6455 section 5.2) with the shortest length form, or the given one (7, 16
    or 64 bits)."""
    length = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    if form is None:
        form = 7 if length < 126 else 16 if length <= 0xFFFF else 64
    if form == 7:
        head = bytes([first, mask_bit | length])
    elif form == 16:
        head = bytes([first, mask_bit | 126]) + struct.pack(">H", length)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack(">Q", length)
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


# --- frame_server / frame_client: [options] [piece seed] [behaviour] [more] [frames...] -------

def frame_seeds():
    # RFC 7692 section 7.2.3.1: "Hello" compressed, one frame with RSV1 set.
    deflated_hello = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
    # RFC 7692 section 7.2.3.2: the same, split in two frames; RSV1 on the first only.
    deflated_part_1 = bytes([0xF2, 0x48, 0xCD])
    deflated_part_2 = bytes([0xC9, 0xC9, 0x07, 0x00])
    # 100,000 zeros compressed (raw DEFLATE, sync flush, the final 00 00 ff ff removed).
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated_zeros = (compressor.compress(bytes(100000)) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]
    cases = {
        # behaviour bits 0-2: RSV bits an extension claims (RSV1 = 4).
        "rfc7692_7_2_3_1_deflated_hello_rsv1": (0, 0, 0x04, [(0xC1, deflated_hello)]),
        "rfc7692_7_2_3_2_deflated_hello_two_frames": (
            0, 0, 0x04, [(0x41, deflated_part_1), (0x80, deflated_part_2)]),
        "rfc7692_rsv1_on_continuation_refused": (
            0, 0, 0x04, [(0x41, deflated_part_1), (0xC0, deflated_part_2)]),
        "rfc7692_rsv1_on_ping_refused": (0, 0, 0x04, [(0xC9, b"")]),
        "rsv2_rsv3_claimed": (0, 0, 0x03, [(0xB2, b"\x01\x02"), (0x81, b"ok")]),
        "end_of_stream_mid_frame": (0, 0, 0x10, [(0x82, b"abcdef")], 3),
        "end_of_stream_after_messages": (0, 0, 0x10, [(0x81, b"one"), (0x82, b"two")]),
        "drain_and_release_between_pings": (
            0, 3, 0x60, [(0x89, b"a"), (0x89, b"b"), (0x81, b"x"), (0x89, b"c")]),
        "send_between_pieces_then_close": (
            0, 2, 0x80, [(0x81, b"Hello"), (0x89, b"p"), (0x88, b"\x03\xe8bye")]),
        "copying_receive_one_byte_pieces": (0, 1, 0x08, [(0x01, b"Hel"), (0x80, b"lo")]),
        "streaming_limit_125_fragments": (
            0x80 | (2 << 2) | (4 << 5) | 1, 5, 0, [(0x02, b"x" * 125), (0x80, b"y" * 125)]),
        "whole_message_limit_1000_exceeded": (
            0x80 | (5 << 2) | (4 << 5), 0, 0, [(0x02, b"x" * 600), (0x80, b"y" * 600)]),
        "length_64bit_form_for_small_payload": (0, 0, 0, []),  # raw bytes below
        "close_code_4999_private": (0, 0, 0, [(0x88, b"\x13\x87")]),
        "close_code_5000_invalid": (0, 0, 0, [(0x88, b"\x13\x88")]),
        "pong_unsolicited": (0, 0, 0, [(0x8A, b"unsolicited")]),
        "auto_pong_off_ping": (2, 0, 0, [(0x89, b"no answer")]),
        "text_64_bytes_with_4byte_tail": (0, 0, 0, [(0x81, b"a" * 60 + "\U0001F600".encode())]),
        "text_cut_inside_code_point_across_frames": (
            1, 0, 0, [(0x01, b"a" * 70 + b"\xF0\x9F"), (0x80, b"\x98\x80")]),
        "text_ends_inside_code_point": (0, 0, 0, [(0x01, b"ok\xC3"), (0x80, b"")]),
        "streaming_small_whole_frames": (1, 0, 0, [(0x81, b"Hello"), (0x82, b"\x00\xFF")]),
        "continuation_exceeds_max_message_size": (
            0x80 | (4 << 2) | (4 << 5), 0, 0, [(0x02, b"x" * 600), (0x80, b"y" * 600)]),
        # more behaviour (bits 8-15) bit 0: receive twice before reading the events.
        "batched_receives_copying": (0, 3, 0x108, [(0x81, b"Hello"), (0x89, b"p"), (0x82, b"z")]),
        "batched_receives_zero_copy": (0, 2, 0x100, [(0x01, b"Hel"), (0x80, b"lo")]),
        # more bit 1: we close first (1000 "bye"), then read.
        "close_first_then_peer_close": (0, 0, 0x200, [(0x81, b"late"), (0x88, b"\x03\xe8")]),
        "close_first_ping_not_answered": (0, 4, 0x200, [(0x89, b"p"), (0x88, b"")]),
        "close_first_then_protocol_error": (0, 0, 0x200, [(0x83, b"")]),
        "close_first_then_end_of_stream": (0, 0, 0x210, [(0x82, b"x")]),
        # more bit 2: permessage-deflate in force (RSV1 is its own); bit 3: no context takeover.
        "deflate_rfc7692_7_2_3_1_hello": (0, 0, 0x400, [(0xC1, deflated_hello)]),
        "deflate_rfc7692_7_2_3_1_two_frames_streaming": (
            1, 3, 0x400, [(0x41, deflated_part_1), (0x89, b"p"), (0x80, deflated_part_2)]),
        "deflate_rfc7692_7_2_3_2_shared_window": (
            0, 1, 0x400, [(0xC1, deflated_hello), (0xC1, bytes([0xF2, 0x00, 0x11, 0x00, 0x00]))]),
        "deflate_no_context_takeover_back_reference_1007": (
            0, 0, 0xC00, [(0xC1, deflated_hello), (0xC1, bytes([0xF2, 0x00, 0x11, 0x00, 0x00]))]),
        "deflate_zeros_past_limit_1000": (0x98, 7, 0x400, [(0xC2, deflated_zeros)]),
        "deflate_zeros_streaming_end_of_stream": (0x01, 0, 0x410, [(0x42, deflated_zeros[:9])]),
    }
    for role, mask in (("frame_server", RFC_MASK), ("frame_client", None)):
        for name, case in cases.items():
            options, seed, behaviour, frames = case[:4]
            body = b"".join(frame(first, payload, mask) for first, payload in frames)
            if len(case) > 4:
                body = body[: -case[4]]  # cut the last frame short
            if name == "length_64bit_form_for_small_payload":
                mask_bit = 0x80 if mask else 0
                body = bytes([0x82, mask_bit | 127]) + struct.pack(">Q", 3)
                body += (mask or b"") + bytes(
                    b ^ (mask[i % 4] if mask else 0) for i, b in enumerate(b"abc"))
            write(role, name, bytes([options, seed, behaviour & 0xFF, behaviour >> 8]) + body)


# --- handshake_request: [piece seed] [max head / 32] [behaviour] [later] [request...] --------

def request(target=b"/chat", version=b"HTTP/1.1", method=b"GET", headers=None, extra=b""):
    if headers is None:
        headers = [
            b"Host: server.example.com",
            b"Upgrade: websocket",
            b"Connection: Upgrade",
            b"Sec-WebSocket-Key: " + RFC_KEY,
            b"Origin: http://example.com",
            b"Sec-WebSocket-Protocol: chat, superchat",
            b"Sec-WebSocket-Version: 13",
        ]
    return method + b" " + target + b" " + version + b"\r\n" + b"\r\n".join(headers) + \
        b"\r\n\r\n" + extra


def base_headers(**replace):
    headers = {
        "host": b"Host: server.example.com",
        "upgrade": b"Upgrade: websocket",
        "connection": b"Connection: Upgrade",
        "key": b"Sec-WebSocket-Key: " + RFC_KEY,
        "version": b"Sec-WebSocket-Version: 13",
    }
    headers.update(replace)
    return [value for value in headers.values() if value is not None]


def handshake_request_seeds():
    cases = {
        # behaviour: bit 0 reject; bits 1-2 server preferences; bit 3 copying receive;
        # bit 4 name the subprotocol; bit 5 extra header, bit 6 invalid; bit 7 echo extensions.
        "accept_preferring_superchat": (0, 0xFF, 0x04, request()),
        "accept_naming_subprotocol_extra_header": (7, 0xFF, 0x30, request()),
        "accept_injected_header_refused": (0, 0xFF, 0x60, request()),
        "reject_with_status_400": (125, 0xFF, 0x01, request()),
        "reject_status_below_100": (10, 0xFF, 0x01, request()),
        "reject_status_past_599": (200, 0xFF, 0x21, request()),
        "echo_rfc7692_offers": (0, 0xFF, 0x80, request(headers=base_headers(
            ext=b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, "
                b"permessage-deflate; server_max_window_bits=\"10\""))),
        "no_subprotocol_named": (0, 0xFF, 0x10, request(headers=base_headers())),
        "query_target_and_frames_after_head": (3, 0xFF, 0x08, request(
            target=b"/chat?room=1&x=%20", extra=frame(0x81, b"Hi", RFC_MASK) +
            frame(0x88, b"\x03\xe8", RFC_MASK))),
        "http_1_0_is_505": (0, 0xFF, 0, request(version=b"HTTP/1.0")),
        "http_2_0_is_505": (0, 0xFF, 0, request(version=b"HTTP/2.0")),
        "version_8_is_426": (0, 0xFF, 0, request(headers=base_headers(
            version=b"Sec-WebSocket-Version: 8"))),
        "missing_host": (0, 0xFF, 0, request(headers=base_headers(host=None))),
        "two_hosts": (0, 0xFF, 0, request(headers=base_headers(
            host=b"Host: a.example\r\nHost: b.example"))),
        "transfer_encoding_refused": (0, 0xFF, 0, request(headers=base_headers(
            te=b"Transfer-Encoding: chunked"))),
        "content_length_zero_accepted": (0, 0xFF, 0, request(headers=base_headers(
            cl=b"Content-Length: 0"))),
        "content_length_five_refused": (0, 0xFF, 0, request(headers=base_headers(
            cl=b"Content-Length: 5"))),
        "absolute_form_target": (0, 0xFF, 0, request(target=b"http://server.example.com/chat")),
        "upgrade_list_and_connection_list": (0, 0xFF, 0, request(headers=base_headers(
            upgrade=b"Upgrade: h2c, WebSocket", connection=b"Connection: keep-alive, upgrade"))),
        "missing_upgrade": (0, 0xFF, 0, request(headers=base_headers(upgrade=None))),
        "missing_connection_upgrade": (0, 0xFF, 0, request(headers=base_headers(
            connection=b"Connection: keep-alive"))),
        "two_keys": (0, 0xFF, 0, request(headers=base_headers(
            key=b"Sec-WebSocket-Key: " + RFC_KEY + b"\r\nSec-WebSocket-Key: " + RFC_KEY))),
        "key_not_base64": (0, 0xFF, 0, request(headers=base_headers(
            key=b"Sec-WebSocket-Key: not base64 at all!!!!"))),
        "two_origins": (0, 0xFF, 0, request(headers=base_headers(
            origin=b"Origin: http://a.example\r\nOrigin: http://b.example"))),
        "subprotocol_not_a_token": (0, 0xFF, 0, request(headers=base_headers(
            protocol=b"Sec-WebSocket-Protocol: chat, s p"))),
        "subprotocol_repeated": (0, 0xFF, 0, request(headers=base_headers(
            protocol=b"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat"))),
        "extensions_malformed": (0, 0xFF, 0, request(headers=base_headers(
            ext=b"Sec-WebSocket-Extensions: permessage-deflate;;"))),
        "header_without_colon": (0, 0xFF, 0, request(headers=base_headers(bad=b"NoColon"))),
        "space_before_colon": (0, 0xFF, 0, request(headers=base_headers(bad=b"Host : x"))),
        "control_character_in_value": (0, 0xFF, 0, request(headers=base_headers(
            bad=b"X-Bad: a\x01b"))),
        "nul_in_head": (0, 0xFF, 0, request(headers=base_headers(bad=b"X-Bad: a\x00b"))),
        "bare_cr": (0, 0xFF, 0, b"GET /chat HTTP/1.1\r\nHost: x\rUpgrade: websocket\r\n\r\n"),
        "request_line_one_space": (0, 0xFF, 0, b"GET /chat\r\n\r\n"),
        "lowercase_get_is_405": (0, 0xFF, 0, request(method=b"get")),
        "head_split_one_byte_pieces": (1, 0xFF, 0, request()),
        "answer_later_keeps_frames_after_head": (0, 0xFF, 0x100, request(
            extra=frame(0x81, b"Hello", RFC_MASK))),
        "answer_later_zero_copy_pieces": (5, 0xFF, 0x190, request(
            extra=frame(0x89, b"p", RFC_MASK))),
        "reject_status_without_phrase_420": (130, 0xFF, 0x01, request()),
        "method_not_a_token": (0, 0xFF, 0, request(method=b"G(T")),
        "version_not_http": (0, 0xFF, 0, request(version=b"HTTX/1.1")),
        "target_percent_encoded": (0, 0xFF, 0, request(target=b"/a%2Fb?q=%7e")),
        "target_percent_cut": (0, 0xFF, 0, request(target=b"/a%2")),
        "target_percent_not_hex": (0, 0xFF, 0, request(target=b"/a%zz")),
        "target_bad_character": (0, 0xFF, 0, request(target=b"/a\"b")),
        "host_with_port_and_spaces": (0, 0xFF, 0, request(headers=base_headers(
            host=b"Host:   [::1]:8080   "))),
        "host_percent_encoded": (0, 0xFF, 0, request(headers=base_headers(
            host=b"Host: ex%41mple.com"))),
        "host_invalid_character": (0, 0xFF, 0, request(headers=base_headers(
            host=b"Host: a/b"))),
        "empty_header_value": (0, 0xFF, 0, request(headers=base_headers(empty=b"X-Empty:"))),
        "empty_header_name": (0, 0xFF, 0, request(headers=base_headers(bad=b": value"))),
        "whitespace_before_first_header": (0, 0xFF, 0, b"GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
        "smallest_head_limit_431": (0, 0, 0, request()),
    }
    for name, (seed, max_head, behaviour, data) in cases.items():
        later = behaviour >> 8  # bit 0: answer after next_event() ran dry
        write("handshake_request", name, bytes([seed, max_head, behaviour & 0xFF, later]) + data)


# --- handshake_response: [piece seed] [offers] [behaviour] [response...] -------------------

def response(status=b"101 Switching Protocols", version=b"HTTP/1.1", headers=None, extra=b""):
    if headers is None:
        headers = [b"Upgrade: websocket", b"Connection: Upgrade",
                   b"Sec-WebSocket-Accept: " + RFC_ACCEPT]
    return version + b" " + status + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + extra


def response_headers(**replace):
    headers = {
        "upgrade": b"Upgrade: websocket",
        "connection": b"Connection: Upgrade",
        "accept": b"Sec-WebSocket-Accept: " + RFC_ACCEPT,
    }
    headers.update(replace)
    return [value for value in headers.values() if value is not None]


def handshake_response_seeds():
    cases = {
        # offers: bit 0 chat, 1 superchat, 2 permessage-deflate, 3 x-fuzz; behaviour bit 0 copy.
        "frames_after_head": (0, 0, 0, response(extra=frame(0x81, b"Hello") + frame(0x89, b""))),
        "frames_after_head_one_byte_pieces": (1, 0, 1, response(extra=frame(0x82, b"\x00\x01"))),
        "two_extensions_accepted": (0, 0x0C, 0, response(headers=response_headers(
            ext=b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, "
                b"x-fuzz"))),
        "extensions_header_twice": (0, 0x0C, 0, response(headers=response_headers(
            ext=b"Sec-WebSocket-Extensions: x-fuzz\r\nSec-WebSocket-Extensions: x-fuzz"))),
        "subprotocol_twice": (0, 0x03, 0, response(headers=response_headers(
            p=b"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat"))),
        "subprotocol_list_refused": (0, 0x03, 0, response(headers=response_headers(
            p=b"Sec-WebSocket-Protocol: chat, superchat"))),
        "subprotocol_case_differs": (0, 0x03, 0, response(headers=response_headers(
            p=b"Sec-WebSocket-Protocol: Chat"))),
        "http_1_0_101": (0, 0, 0, response(version=b"HTTP/1.0")),
        "upgrade_h2c": (0, 0, 0, response(headers=response_headers(upgrade=b"Upgrade: h2c"))),
        "upgrade_websocket_and_more": (0, 0, 0, response(headers=response_headers(
            upgrade=b"Upgrade: websocket, h2c"))),
        "missing_connection": (0, 0, 0, response(headers=response_headers(connection=None))),
        "missing_accept": (0, 0, 0, response(headers=response_headers(accept=None))),
        "accept_twice": (0, 0, 0, response(headers=response_headers(
            accept=b"Sec-WebSocket-Accept: " + RFC_ACCEPT + b"\r\nSec-WebSocket-Accept: " +
            RFC_ACCEPT))),
        "redirect_302": (0, 0, 0, response(status=b"302 Found", headers=[
            b"Location: wss://elsewhere.example/chat", b"Content-Length: 0"])),
        "status_200_with_body": (0, 0, 0, response(status=b"200 OK", headers=[
            b"Content-Length: 5"], extra=b"hello")),
        "status_line_no_reason": (0, 0, 0, b"HTTP/1.1 101 \r\n" + b"\r\n".join(
            response_headers()) + b"\r\n\r\n"),
        "status_line_malformed": (0, 0, 0, b"HTTP/1.1 1O1 Switching\r\n\r\n"),
        "status_999": (0, 0, 0, b"HTTP/1.1 999 Nine\r\n\r\n"),
        "lf_only": (0, 0, 0, b"HTTP/1.1 101 Switching Protocols\n\n"),
        "obs_fold_in_response": (0, 0, 0, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                                          b"websocket\r\n folded\r\n\r\n"),
        "http_2_0_status_line": (0, 0, 0, response(version=b"HTTP/2.0")),
        "extensions_malformed": (0, 0x04, 0, response(headers=response_headers(
            ext=b"Sec-WebSocket-Extensions: permessage-deflate; ="))),
        "client_options_injection_refused": (0, 0, 0x02, response()),
        "client_extra_header": (0, 0x05, 0x04, response()),
    }
    for name, (seed, offers, behaviour, data) in cases.items():
        write("handshake_response", name, bytes([seed, offers, behaviour]) + data)


# --- roundtrip: [config] [piece seed] [operations...] ---------------------------------------

def op(kind, modulo, required=0, forbidden=0):
    """The smallest operation byte with value % modulo == kind, `required` bits set and
    `forbidden` bits clear."""
    for value in range(256):
        if value % modulo == kind and value & required == required and value & forbidden == 0:
            return value
    raise ValueError((kind, required, forbidden))


def roundtrip_seeds():
    text, raw, large = 0x10, 0x20, 0x40
    message = lambda flags, payload, forbid=0: bytes(
        [op(0, 9, flags, (text | raw | large | 0x80) & ~flags)]) + (
        struct.pack(">H", len(payload)) if flags & large else bytes([len(payload)])) + payload
    transfer = bytes([op(6, 9)])
    cases = {
        "server_sends_rfc6455_hello": (0, 0, message(text | raw, b"Hello") + transfer),
        "client_sends_rfc6455_hello_masked": (1, 0, message(text | raw, b"Hello") + transfer),
        "client_binary_255_and_16bit_length": (1, 0, message(0, bytes(range(255))) +
                                               message(large, b"\xAB" * 300) + transfer),
        "text_of_every_length_fragmented": (0, 3, bytes([op(1, 9, text, large)]) + bytes(
            [64]) + bytes(range(64)) + bytes([4, 7, 13, 1])),
        "ping_between_fragments_client": (1 | 2, 2, bytes([op(5, 9, text, large)]) + bytes(
            [20]) + bytes(range(20)) + bytes([3, 5, 5, 4]) + b"ping" + bytes([2])),
        "controls_and_streaming_receiver": (2, 1, bytes([op(2, 9), 5]) + b"ping1" + bytes(
            [op(3, 9), 0]) + bytes([op(2, 9), 5]) + b"ping2" + transfer),
        "no_auto_pong": (8, 0, bytes([op(2, 9), 1]) + b"p"),
        "zero_copy_client_text": (1, 0, bytes([op(4, 9, text, large), 12]) + bytes(range(12))),
        "zero_copy_server_binary_large": (0, 0, bytes([op(4, 9, large, text)]) + struct.pack(
            ">H", 300) + bytes(300)),
        "invalid_raw_text_refused": (0, 0, message(text | raw, b"\xC0\xAF")),
        "misuse_calls_refused": (1, 0, bytes([op(7, 9), 10]) + bytes(140)),
        "frame_header_roundtrip_64bit": (0, 0, bytes([op(8, 9), 0x82, 1]) + RFC_MASK + bytes(
            [8]) + struct.pack(">Q", 1 << 40)),
        "copying_receiver_one_byte_pieces": (4, 1, message(text | raw, b"abc") + transfer),
        "empty_messages": (0, 0, message(0, b"") + message(text | raw, b"")),
    }
    # config bit 4: permessage-deflate, set up by one more byte (window, context takeover,
    # level, threshold 0, memory level); bit 7 of a whole binary message: Compression::never.
    never, deflate = 0x80, 0x10
    chat = b"hello world, hello deflate; " * 9
    deflate_cases = {
        "deflate_window_8_server_text_and_binary": (0, 0, 0x00, message(text | raw, chat) +
                                                    message(large, bytes(300)) + transfer),
        "deflate_client_no_context_takeover_threshold_0": (
            1 | 2, 2, 0x40 | 0x08 | 0x07,
            message(0, b"") + message(text | raw, b"short") + message(0, bytes(range(200))) +
            message(never, chat) + transfer),
        "deflate_level_0_stored_blocks": (0, 3, 0x20 | 0x05, message(text | raw, chat) + transfer),
        "deflate_fragmented_with_ping_window_12": (
            1 | 2, 1, 0x04, bytes([op(5, 9, text, large)]) + bytes([200]) + bytes(range(200)) +
            bytes([3, 50, 70]) + bytes([4]) + b"ping" + transfer),
        "deflate_fragmented_never_compressed": (
            0, 0, 0x07, bytes([op(1, 9, 0x20, text | large)]) + bytes([40]) + bytes(40) +
            bytes([2, 20]) + transfer),
        "deflate_context_takeover_repeats_shrink": (
            4, 0, 0x80 | 0x17, message(text | raw, chat) * 3 + transfer),
    }
    for name, (config, seed, ops) in cases.items():
        write("roundtrip", name, bytes([config, seed]) + ops)
    for name, (config, seed, deflate_bits, ops) in deflate_cases.items():
        write("roundtrip", name, bytes([config | deflate, seed, deflate_bits]) + ops)


# --- connection_api: [config] [piece seed] [subprotocols] [operations...] -------------------

def api(side, action):
    """side 0 server, 1 client; action 0-10 as in connection_api.cpp."""
    return bytes([(action << 1) | side])


def connection_api_seeds():
    server, client = 0, 1
    send, fragment, ping, pong, close, close_nc, zero_copy, transfer, release, misplaced, take = \
        range(11)
    text_flags = 0x01
    cases = {
        "echo_then_server_closes": (0, 0, 0x05, api(client, transfer) + b"\x00" +
                                    api(server, transfer) + b"\x00" + api(client, send) +
                                    bytes([text_flags, 5]) + b"Hello" + api(client, transfer) +
                                    b"\x00" + api(server, send) + bytes([text_flags, 5]) +
                                    b"Hello" + api(server, close) + bytes([0, 3]) + b"bye" +
                                    b"\x03"),
        "send_before_handshake_refused": (0, 0, 0, api(client, send) + bytes([0, 1]) + b"x" +
                                          api(server, ping) + bytes([0])),
        "simultaneous_close": (0, 0, 0, api(client, transfer) + b"\x00" + api(server, transfer) +
                               b"\x00" + api(server, close) + bytes([1, 0]) + b"\x00" +
                               api(client, close) + bytes([2, 0]) + b"\x00"),
        "close_without_code": (0, 0, 0, api(client, transfer) + b"\x00" + api(server, transfer) +
                               b"\x00" + api(client, close_nc)),
        "rejected_handshake": (0x40, 0, 0x01, api(client, transfer) + b"\x00" + api(
            server, transfer) + b"\x00" + api(client, send) + bytes([0, 0])),
        "named_subprotocol_streaming_both": (0x83, 2, 0x0E, api(client, transfer) + b"\x00" +
                                             api(server, transfer) + b"\x00"),
        "fragments_interleaved_with_pings": (0x01, 5, 0, api(client, transfer) + b"\x00" + api(
            server, transfer) + b"\x00" + api(server, fragment) + bytes([text_flags, 6]) +
            bytes(range(6)) + api(server, ping) + bytes([2]) + b"pp" + api(server, transfer) +
            bytes([3]) + api(server, fragment) + bytes([text_flags | 4 | 8, 6]) +
            bytes(range(6))),
        "zero_copy_and_partial_output": (0x30, 7, 0, api(client, transfer) + b"\x00" + api(
            server, transfer) + b"\x00" + api(client, zero_copy) + bytes([0, 40]) + bytes(40) +
            api(client, take) + bytes([3]) + api(client, pong) + bytes([1]) + b"q" +
            api(client, transfer) + bytes([9]) + api(client, release)),
        "misplaced_accept_and_reject": (0, 0, 0, api(server, misplaced) + api(client, misplaced) +
                                        api(client, transfer) + b"\x00" + api(server, misplaced)),
        "invalid_close_codes_and_reasons": (0, 0, 0, api(client, transfer) + b"\x00" + api(
            server, transfer) + b"\x00" + api(client, close) + bytes([0x80 | 18, 2]) +
            b"\xC3\x28" + api(client, close) + bytes([20, 0]) + b"\x00" + api(
            client, close) + bytes([0x80, 130]) + b"r" * 130),
        "auto_pong_off_both": (0x0C, 0, 0, api(client, transfer) + b"\x00" + api(
            server, transfer) + b"\x00" + api(client, ping) + bytes([3]) + b"abc"),
    }
    for name, (config, seed, subprotocols, ops) in cases.items():
        write("connection_api", name, bytes([config, seed, subprotocols]) + ops)

    # subprotocols bits 5/6: the server/client enables permessage-deflate; bit 7: their option
    # bytes follow (window, no context takeover, asked of the peer, the peer's window, threshold).
    server_deflate, client_deflate, deflate_bytes = 0x20, 0x40, 0x80
    handshake = api(client, transfer) + b"\x00" + api(server, transfer) + b"\x00"
    chat = b"the same words again and again " * 8
    large_text = bytes([text_flags | 2 | 4]) + struct.pack(">H", len(chat) * 4) + chat * 4
    deflate_cases = {
        "deflate_both_defaults_echo": (
            0, 0, server_deflate | client_deflate, b"",
            handshake + api(client, send) + bytes([text_flags | 2, len(chat)]) + chat +
            api(client, transfer) + b"\x00" + api(server, send) + large_text +
            api(server, transfer) + b"\x00"),
        "deflate_only_the_server_wants_it": (
            0, 0, server_deflate, b"",
            handshake + api(client, send) + bytes([text_flags | 2, len(chat)]) + chat),
        "deflate_only_the_client_wants_it": (
            0, 0, client_deflate, b"",
            handshake + api(server, send) + bytes([text_flags | 2, len(chat)]) + chat),
        "deflate_window_8_no_context_takeover_threshold_0": (
            0x03, 3, server_deflate | client_deflate | deflate_bytes, bytes([0x88, 0x70]),
            handshake + api(client, send) + bytes([0, 0]) + api(server, send) + large_text +
            api(server, fragment) + bytes([text_flags | 2, 40]) + chat[:40] +
            api(server, transfer) + bytes([7]) + api(server, fragment) +
            bytes([text_flags | 2 | 4, 20]) + chat[:20] + api(client, release)),
        "deflate_peer_window_unlimited_zero_copy": (
            0x30, 0, server_deflate | client_deflate | deflate_bytes, bytes([0x27, 0x2F]),
            handshake + api(client, zero_copy) + bytes([0, 200]) + bytes(200) +
            api(server, send) + bytes([0, 200]) + bytes(200) + api(server, ping) + b"\x01p"),
    }
    for name, (config, seed, subprotocols, deflate, ops) in deflate_cases.items():
        write("connection_api", name, bytes([config, seed, subprotocols]) + deflate + ops)


# --- utf8_differential: [layout] [piece seed] [bytes...] --------------------------------------

def utf8_seeds():
    cases = {
        "ascii": (0, 0, b"Hello, world"),
        "two_three_four_byte": (0, 3, "é€😀".encode()),
        "largest_code_point_u10ffff": (0, 0, b"\xF4\x8F\xBF\xBF"),
        "last_before_surrogates_ud7ff": (0, 0, b"\xED\x9F\xBF"),
        "first_after_surrogates_ue000": (0, 0, b"\xEE\x80\x80"),
        "noncharacter_uffff_is_valid": (0, 0, b"\xEF\xBF\xBF"),
        "overlong_2_byte_c0_af": (0, 0, b"\xC0\xAF"),
        "overlong_3_byte_e0_80_af": (0, 0, b"\xE0\x80\xAF"),
        "overlong_4_byte_f0_80_80_af": (0, 0, b"\xF0\x80\x80\xAF"),
        "surrogate_ud800": (0, 0, b"\xED\xA0\x80"),
        "above_u10ffff_f4_90": (0, 1, b"\xF4\x90\x80\x80"),
        "f5_never_valid": (0, 0, b"\xF5\x80\x80\x80"),
        "lone_continuation": (0, 0, b"a\x80b"),
        "cut_at_end_4_byte": (0, 0, b"abc\xF0\x9F\x98"),
        "too_many_continuations": (0, 0, b"\xC3\xA9\xA9"),
        "error_after_ascii_run_block_63": (0x40 | 0, 0, b"\xED\xA0\x80"),
        "error_after_ascii_run_block_127": (0x40 | 0x3F, 0, b"\xE0\x80\xAF"),
        "repeated_mixed_300_bytes": (0x80 | 5, 7, "aé€😀".encode() * 4),
        "cut_between_ascii_runs": (0xC0 | 1, 64, b"\xF0\x9F\x98\x80\xF0\x9F"),
        "rfc3629_example_korean": (0, 2, "한국어".encode()),
        "rfc3629_example_japanese": (0, 0, "日本語".encode()),
        "ascii_blocks_after_cut_sequence": (0, 9, "é".encode() + b"a" * 62 + b"\xE2\x82" +
                                            b"b" * 300),
        "ascii_blocks_after_valid_text": (0, 0, "€".encode() * 30 + b"b" * 300),
    }
    for name, (layout, seed, data) in cases.items():
        write("utf8_differential", name, bytes([layout, seed]) + data)


# --- unmask_differential: [key] [offset] [src align] [dst align] [split] [repeat] [payload] ---

def unmask_seeds():
    cases = {
        "rfc6455_5_7_masked_hello": (RFC_MASK, 0, 0, 0, 0, 0, b"Hello"),
        "empty_payload": (RFC_MASK, 0, 0, 0, 0, 0, b""),
        "size_63_offset_3": (b"\x01\x02\x03\x04", 3, 1, 2, 10, 0, bytes(range(63))),
        "size_64_aligned": (b"\xFF\x00\xFF\x00", 0, 0, 0, 32, 0, bytes(range(64))),
        "size_65_unaligned": (b"\xAA\xBB\xCC\xDD", 1, 63, 17, 5, 0, bytes(range(65))),
        "size_257_for_avx512_loop": (RFC_MASK, 2, 7, 33, 200, 0, bytes(range(256)) + b"!"),
        "repeat_8_times_odd_alignment": (b"\x10\x20\x30\x40", 5, 31, 9, 77, 7, bytes(range(97))),
        "zero_key": (b"\x00\x00\x00\x00", 0, 3, 3, 1, 2, b"unchanged"),
    }
    for name, (key, offset, source, destination, split, repeat, payload) in cases.items():
        write("unmask_differential", name,
              key + bytes([offset, source, destination, split, repeat]) + payload)


# --- extension_header: [choice] [header value...] ---------------------------------------------

def extension_seeds():
    cases = {
        "rfc7692_permessage_deflate": (1, b"permessage-deflate"),
        "rfc7692_client_max_window_bits": (1, b"permessage-deflate; client_max_window_bits"),
        "rfc7692_two_offers": (2, b"permessage-deflate; client_max_window_bits; "
                                  b"server_max_window_bits=10, permessage-deflate; "
                                  b"client_max_window_bits"),
        "rfc7692_no_context_takeover": (1, b"permessage-deflate; server_no_context_takeover; "
                                           b"client_no_context_takeover"),
        "quoted_token_value": (1, b"permessage-deflate; server_max_window_bits=\"10\""),
        "quoted_pair_value": (1, b"x; a=\"\\t\\o\\k\""),
        "quoted_value_not_a_token": (0, b"x; a=\"1 2\""),
        "unterminated_quote": (0, b"x; a=\"10"),
        "empty_quoted_value": (0, b"x; a=\"\""),
        "empty_list_elements": (0, b" , ,permessage-deflate,, x-other ,"),
        "empty_value": (0, b""),
        "missing_parameter_name": (0, b"permessage-deflate;"),
        "missing_parameter_value": (0, b"permessage-deflate; a="),
        "value_without_parameter": (0, b"permessage-deflate=1"),
        "tabs_around_separators": (3, b"a\t;\tb\t=\tc\t,\td"),
        "server_names_its_own": (0x11, b"permessage-deflate"),
        "server_own_was_offered": (0x10, b"x-server-choice; level=9"),
        "control_character": (0, b"a\x01b"),
        "non_ascii": (0, "ä".encode()),
        # permessage-deflate negotiation (RFC 7692 section 7.1), options from the choice byte.
        "deflate_answer_window_larger_than_asked": (
            0x60, b"permessage-deflate; server_max_window_bits=15"),
        "deflate_answer_named_twice": (0, b"permessage-deflate, permessage-deflate"),
        "deflate_no_context_takeover_asked_not_granted": (0x10, b"permessage-deflate"),
        "deflate_second_offer_accepted": (
            0x27, b"permessage-deflate; x=1, permessage-deflate; client_max_window_bits=9"),
        "deflate_window_value_with_leading_zero": (0, b"permessage-deflate; server_max_window_bits=08"),
        "deflate_response_client_window_without_value": (0, b"permessage-deflate; client_max_window_bits"),
        "deflate_options_window_16": (0x87, b"permessage-deflate"),
        "deflate_options_peer_window_7": (0x9F, b"permessage-deflate"),
        "deflate_caller_names_it_odd_length": (0x03, b"permessage-deflate; a"),
        "deflate_no_context_takeover_twice": (
            0, b"permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
        "deflate_no_context_takeover_with_a_value": (0, b"permessage-deflate; client_no_context_takeover=1"),
        "deflate_offer_without_client_window_answered_with_one": (
            0, b"permessage-deflate, permessage-deflate; client_max_window_bits=9"),
        "deflate_client_window_answer_larger_than_offered": (
            0, b"permessage-deflate; client_max_window_bits=9, permessage-deflate; client_max_window_bits=12"),
    }
    for name, (choice, value) in cases.items():
        write("extension_header", name, bytes([choice]) + value)


# --- inflate: [config] [behaviour] [limit] [piece seed] [compressor] [operations...] ---------

def inflate_seeds():
    window_15 = 7 << 3
    client, streaming, no_takeover, end_of_stream = 0x01, 0x02, 0x04, 0x80

    def raw(text, *payloads):
        """Operation 1: a message of these payloads, one frame each, marked compressed."""
        flags = (1 if text else 0) | ((len(payloads) - 1) << 1)
        return bytes([1, flags]) + b"".join(bytes([len(p)]) + p for p in payloads)

    def generated(flags, size, content=b"", tail=b"", unfinished=False):
        """Operation 0 (6: its last frame never comes): a message from the peer's compressor."""
        size_bytes = struct.pack(">H", size) if flags & 0x40 else bytes([size])
        return bytes([6 if unfinished else 0, flags]) + size_bytes + content + tail

    def plain(flags, payload):
        return bytes([2, flags, len(payload)]) + payload

    text, kind_run, kind_pattern, kind_far = 0x01, 0x02, 0x04, 0x06
    fragmented, ping_inside, corrupt, large, empty_last = 0x08, 0x10, 0x20, 0x40, 0x80
    # RFC 7692 section 7.2.3: the examples, as a peer sends them.
    hello = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])  # 7.2.3.1
    second_hello = bytes([0xF2, 0x00, 0x11, 0x00, 0x00])  # 7.2.3.2, refers back 5 octets
    stored_hello = bytes([0x00, 0x05, 0x00, 0xFA, 0xFF]) + b"Hello\x00"  # 7.2.3.3
    bfinal_hello = bytes([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00])  # 7.2.3.4
    two_blocks = bytes([0xF2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                        0xCA, 0xC9, 0xC9, 0x07, 0x00])  # 7.2.3.5
    cases = {
        # config, behaviour, limit, piece seed, compressor, operations
        "rfc7692_7_2_3_1_hello_client": (client | window_15, 0, 127, 0, 0, raw(True, hello)),
        "rfc7692_7_2_3_1_hello_server_streaming": (
            streaming | window_15, 0, 127, 1, 0, raw(True, hello)),
        "rfc7692_7_2_3_1_hello_in_two_fragments": (
            client | window_15, 0, 127, 0, 0, raw(True, hello[:3], hello[3:])),
        "rfc7692_7_2_3_2_second_hello_uses_the_window": (
            client | window_15, 0, 127, 2, 0, raw(True, hello) + raw(True, second_hello)),
        "rfc7692_7_2_3_2_without_takeover_1007": (
            client | no_takeover | window_15, 0, 127, 0, 0,
            raw(True, hello) + raw(True, second_hello)),
        "rfc7692_7_2_3_3_stored_block": (window_15, 0, 127, 0, 0, raw(True, stored_hello)),
        "rfc7692_7_2_3_4_bfinal_then_window_kept": (
            client | streaming | window_15, 0, 127, 3, 0,
            raw(True, bfinal_hello) + raw(True, second_hello)),
        "rfc7692_7_2_3_5_two_blocks": (client | window_15, 0, 127, 1, 0, raw(True, two_blocks)),
        "rfc7692_7_2_3_6_empty_messages": (
            client | window_15, 0, 127, 0, 0,
            raw(True, b"\x00") + raw(False, b"\x02\x00") + raw(True, b"")),
        "invalid_utf8_after_inflating": (
            client | window_15, 0, 127, 0, 0,
            raw(True, bytes([0x00, 0x02, 0x00, 0xFD, 0xFF, 0xC3, 0x28]))),
        "reserved_block_type_1007": (client | streaming, 0, 127, 0, 0, raw(False, b"\x07\x00")),
        "bomb_of_one_byte_limit_100_whole": (
            client, 0, 100, 0, 0x30, generated(kind_run | large, 1024, b"a")),
        "bomb_of_one_byte_limit_100_streaming": (
            streaming, 0, 100, 7, 0x30, generated(kind_run | large, 1024, b"\x00")),
        "message_of_exactly_the_limit": (
            client, 0, 64, 0, 0x30, generated(kind_run, 1, b"x")),
        "message_one_byte_past_the_limit": (
            client | streaming, 0, 64, 0, 0x30,
            generated(kind_run, 1, b"x") + generated(0, 65, bytes(65))),
        "text_pattern_fragmented_with_ping": (
            client | streaming | (3 << 3), 0x01, 200, 5, 0x4B,
            generated(text | kind_pattern | fragmented | ping_inside, 40, bytes([3]) + b"ab\xc3\xa9",
                      bytes([2]) + struct.pack(">HH", 10, 100))),
        "window_8_agreed_kept_by_compressor": (
            client, 0x01, 127 + 128, 9, 0x48,
            generated(kind_far, 20, bytes([200]) + bytes(range(200)))),
        "window_8_agreed_compressor_uses_15": (
            window_15 & 0, 0, 127 + 128, 0, 0x4F,
            generated(kind_far, 20, bytes([100]) + bytes(range(100)))),
        "context_takeover_three_messages_window_10": (
            client | (2 << 3), 0x04, 127 + 8, 11, 0x2A,
            generated(text, 30, bytes(range(30))) * 3),
        "compressor_keeps_no_context": (
            (4 << 3), 0, 127 + 4, 0, 0x80 | 0x2C,
            generated(0, 50, bytes(range(50))) + generated(0, 50, bytes(range(50)))),
        "corrupted_compressed_byte": (
            client | window_15, 0, 127 + 16, 0, 0x30,
            generated(corrupt | kind_pattern, 100, bytes([3]) + b"xyz", struct.pack(">H", 3) + b"\x10")),
        "bfinal_bit_set_on_first_block": (
            client | window_15, 0, 127 + 16, 0, 0x30,
            generated(corrupt | text, 20, bytes(range(20)), struct.pack(">H", 0) + b"\x01")),
        "empty_last_fragment": (
            client | streaming | window_15, 0, 127, 0, 0x30,
            generated(fragmented | empty_last, 10, bytes(range(10)), bytes([1]) + struct.pack(">H", 4))),
        "unfinished_then_end_of_stream": (
            client | streaming | end_of_stream | window_15, 0x01, 127, 2, 0x30,
            generated(fragmented, 30, bytes(range(30)), bytes([2]) + struct.pack(">H", 10),
                      unfinished=True)),
        "plain_and_compressed_mixed_with_controls": (
            client | (5 << 3), 0x02, 127, 0, 0x38,
            plain(text, b"plain") + bytes([3, 4]) + b"ping" + raw(True, hello) +
            bytes([4, 1]) + b"q" + plain(4, b"two frames") + raw(False, stored_hello)),
        "fresh_compressor_after_raw_message": (
            client | window_15, 0, 127, 0, 0x30,
            generated(0, 40, bytes(40)) + raw(False, b"\x02\x00") + bytes([7]) +
            generated(0, 40, bytes(40))),
        "close_after_message": (
            window_15, 0, 127, 0, 0x30, raw(True, hello) + bytes([5]) + raw(True, hello)),
        "text_ends_inside_a_code_point": (
            client | window_15, 0, 127, 0, 0,
            raw(True, bytes([0x00, 0x03, 0x00, 0xFC, 0xFF]) + b"ok\xc3")),
        "text_ends_inside_a_code_point_streaming": (
            streaming | window_15, 0, 127, 0, 0,
            raw(True, bytes([0x00, 0x03, 0x00, 0xFC, 0xFF]) + b"ok\xc3")),
        "rfc7692_7_2_3_4_bfinal_at_the_end_of_the_payload": (
            client | window_15, 0, 127, 0, 0, raw(True, bfinal_hello[:-1]) * 2),
        "large_limit_output_in_16k_steps": (
            client | streaming | window_15, 0, 255, 0, 0x30,
            generated(kind_run | large, 700, b"z") + generated(kind_pattern | large, 3000,
                                                               bytes([2]) + b"abc")),
        "invalid_text_inside_the_limit_before_it": (
            window_15, 0, 10, 1, 0,
            raw(True, bytes([0x00, 0x17, 0x00, 0xE8, 0xFF]) + b"ab\xff" + b"c" * 20)),
    }
    for name, (config, behaviour, limit, seed, compressor, ops) in cases.items():
        write("inflate", name, bytes([config, behaviour, limit, seed, compressor]) + ops)


# --- frame_differential: [config] [our piece seed] [wslay piece seed] [bytes...] -------------

def frame_differential_seeds():
    server, client = 0, 1  # config bit 0: our role
    copy = 0x10  # config bit 4: parse_copying, its buffer size from bits 5-7

    def copy_size(index):
        return copy | (index << 5)

    cases = {
        # RFC 6455 section 5.7 examples.
        "rfc6455_5_7_unmasked_hello_client": (client, 0, 0, frame(0x81, b"Hello")),
        "rfc6455_5_7_masked_hello_server": (server, 0, 0, frame(0x81, b"Hello", RFC_MASK)),
        "rfc6455_5_7_fragmented_hello": (client, 0, 0, frame(0x01, b"Hel") + frame(0x80, b"lo")),
        "rfc6455_5_7_ping_and_pong_masked": (
            server, 0, 0, frame(0x89, b"Hello", RFC_MASK) + frame(0x8A, b"Hello", RFC_MASK)),
        "rfc6455_5_7_binary_256_16bit_length": (client, 0, 0, frame(0x82, bytes(range(256)))),
        "rfc6455_5_7_binary_65536_64bit_length": (client, 7, 9, frame(0x82, b"\x5a" * 65536)),
        "every_split_one_byte_pieces_both": (
            server, 1, 1, frame(0x81, b"Hello", RFC_MASK) + frame(0x82, b"x" * 300, RFC_MASK)
            + frame(0x88, b"\x03\xe8", RFC_MASK)),
        "ours_whole_wslay_one_byte": (client, 0, 1, frame(0x82, b"abc") + frame(0x89, b"")),
        "ours_one_byte_wslay_whole": (client, 1, 0, frame(0x82, b"abc") + frame(0x89, b"")),
        "copying_into_one_byte_buffer": (
            server | copy_size(0), 3, 5, frame(0x82, b"masked payload", RFC_MASK)),
        "copying_into_7_byte_buffer": (client | copy_size(3), 2, 0, frame(0x81, b"x" * 200)),
        "empty_frames_back_to_back": (
            client, 0, 0,
            frame(0x81, b"") + frame(0x82, b"") + frame(0x89, b"") + frame(0x80, b"")),
        # Both refuse.
        "length_64bit_high_bit_set": (client, 0, 0, bytes([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 5])),
        "ping_126_bytes_control_too_long": (client, 0, 0, frame(0x89, b"p" * 126)),
        "ping_without_fin_fragmented_control": (client, 0, 0, frame(0x09, b"p")),
        "close_without_fin_masked_two_bytes_only": (server, 1, 1, bytes([0x08, 0x80])),
        # We refuse, wslay's frame layer reads on (its event layer checks these).
        "reserved_opcode_3": (client, 0, 0, frame(0x83, b"r") + frame(0x81, b"after")),
        "reserved_control_opcode_0xb_with_fin": (client, 0, 0, frame(0x8B, b"r")),
        "reserved_control_opcode_0xb_without_fin": (client, 0, 0, frame(0x0B, b"r")),
        "rsv1_without_extension": (client, 0, 0, frame(0xC1, b"rsv1")),
        "rsv1_claimed_by_extension": (client | (4 << 1), 0, 0, frame(0xC1, b"rsv1")),
        "rsv1_on_continuation_with_extension": (
            client | (4 << 1), 0, 0, frame(0x41, b"a") + frame(0xC0, b"b")),
        "rsv2_rsv3_claimed": (client | (3 << 1), 0, 0, frame(0xB2, b"\x01\x02")),
        "unmasked_frame_from_client": (server, 0, 0, frame(0x81, b"plain") + frame(0x81, b"x")),
        "masked_frame_from_server": (client, 0, 0, frame(0x81, b"masked", RFC_MASK)),
        "unmasked_header_then_end_of_input": (server, 0, 0, bytes([0x82, 0x05])),
        # wslay refuses, we accept: lengths not in the minimal form (RFC 6455 5.2).
        "length_16bit_form_for_5_bytes": (client, 0, 0, frame(0x82, b"12345", form=16)),
        "length_64bit_form_for_5_bytes": (client, 0, 0, frame(0x82, b"12345", form=64)),
        "length_64bit_form_for_300_bytes": (client, 0, 0, frame(0x82, b"y" * 300, form=64)),
        "ping_with_16bit_length_of_4": (server, 0, 0, frame(0x89, b"ping", RFC_MASK, form=16)),
        "non_minimal_length_then_valid_frame": (
            client, 0, 0, frame(0x81, b"hi") + frame(0x82, b"12", form=16) + frame(0x81, b"z")),
        # Input ends inside a frame.
        "end_inside_header": (client, 0, 0, bytes([0x82, 126, 0x01])),
        "end_inside_masking_key": (server, 0, 0, bytes([0x81, 0x85, 0x37, 0xFA])),
        "end_inside_payload": (server, 2, 3, frame(0x82, b"0123456789", RFC_MASK)[:10]),
    }
    for name, (config, ours, wslay, data) in cases.items():
        write("frame_differential", name, bytes([config, ours, wslay]) + data)


# --- driver: [policy: 5 bytes] [options] [setup] [start time] [operations...] -----------------

def driver_seeds():
    # timeouts index: 0 0ms 1 1ms 2 2ms 3 3ms 4 5ms 5 10ms 6 20ms 7 50ms 8 100ms 9 200ms
    #                 10 500ms 11 1s 12 2s 13 5s 14 10s 15 60s
    # buffer limits index: 0 0 1 1 2 2 3 10 4 64 5 100 6 128 7 200 8 256 9 500 10 1000 11 4096
    #                      12 65536 13 1MiB 14 16KiB 15 16MiB
    def policy(handshake=13, idle=14, pong=13, close=13, buffer=15):
        return bytes([handshake, idle, pong, close, buffer])

    server, client = 0, 1  # setup bit 0; bits 1-2: the peer's handshake
    refused, plain_or_bad_options, garbage_handshake = 2, 4, 6
    in_place, ignore_wants_read, no_random, small_head, subprotocols = 8, 16, 32, 64, 128
    streaming, no_auto_pong = 1, 2  # options bits 0 and 1
    op_text, op_binary, op_continuation, op_ping, op_pong, op_close = range(6)

    def handshake(count=0):
        """Operation 0: the next `count` bytes of the peer's handshake (0: all the rest)."""
        return bytes([0, count])

    def peer(opcode_index, payload=b"", kind=0, fin=True, rsv1=False, wrong_mask=False, form=0):
        """Operation 1: a frame from the peer (kind 3: `payload` * 64 bytes of 'x')."""
        shape = opcode_index | (0 if fin else 8) | (16 if rsv1 else 0) | (
            32 if wrong_mask else 0) | (form << 6)
        length = len(payload) if kind != 3 else payload
        body = payload if kind in (0, 1, 2) else b""
        return bytes([1, shape, length, kind]) + body

    def peer_close(code_index=0, reason=b""):
        """A Close from the peer with a code from close_codes (index 0 is 1000)."""
        return bytes([1, op_close, len(reason), 2 | (code_index << 2)]) + reason

    def raw(data):
        return bytes([2, len(data)]) + data

    def send(data, text=True, kind=0, last=True):
        """Operation 3 (kind 2: `data` * 64 bytes of 'y')."""
        how = (1 if text else 0) | (2 if last else 0) | (kind << 2)
        return bytes([3, how, len(data) if kind != 2 else data]) + (
            data if kind in (0, 1) else b"")

    def fragment(data, text=True, last=False, kind=0):
        return bytes([4]) + send(data, text, kind, last)[1:]

    def ping(data=b""):
        return bytes([5, 0, len(data)]) + data

    def close(code_index=0, reason_length=3):
        return bytes([6, code_index, reason_length])

    shut_down = bytes([7])

    def accept(how=0):
        return bytes([8, how])

    def reject(status_index=1):
        return bytes([8, 4, status_index])

    respond = bytes([8, 5])
    abort = bytes([9])

    def advance(ms):
        return bytes([10, ms])

    def to_deadline(early=0):
        return bytes([11, early])

    def consume(count):
        return bytes([12, count])

    def write_output(size):
        return bytes([13, size])

    eof = bytes([14])
    write_all = bytes([15])

    def run(pol, options, setup, start, *ops, garbage=None):
        data = pol + bytes([options, setup, start])
        if garbage is not None:
            data += bytes([len(garbage)]) + garbage
        return data + b"".join(ops)

    open_server = (handshake(), accept(), write_all)
    open_client = (write_all, handshake(), write_all)
    cases = {
        "server_accept_echo_then_peer_close_1000": run(
            policy(), 0, server, 0, *open_server, peer(op_text, b"hello", kind=1),
            send(b"hello", kind=1), write_all, peer_close(0, b"bye"), write_all),
        "server_handshake_in_pieces_then_frames_in_same_read": run(
            policy(), 0, server | in_place, 3, handshake(10), handshake(40), handshake(),
            accept(), peer(op_binary, b"abc"), write_all),
        "server_handshake_timeout_no_request": run(policy(handshake=8), 0, server, 1, advance(99),
                                                    advance(1), write_all),
        "server_handshake_timeout_awaiting_accept": run(
            policy(handshake=7), 0, server, 0, handshake(), to_deadline(1), to_deadline(0)),
        "server_keepalive_ping_then_pong_timeout_1006": run(
            policy(idle=8, pong=7), 0, server, 0, *open_server, to_deadline(), write_all,
            to_deadline(1), to_deadline()),
        "server_keepalive_ping_answered_by_pong": run(
            policy(idle=8, pong=7), 0, server, 0, *open_server, to_deadline(), write_all,
            advance(20), peer(op_pong), to_deadline(), write_all, to_deadline(), to_deadline()),
        "server_traffic_resets_idle_timer": run(
            policy(idle=8, pong=7), 0, server, 0, *open_server, advance(90), peer(op_text, b"x"),
            advance(90), peer(op_ping, b"p"), advance(90), write_all),
        "server_version_8_refused_426": run(policy(), 0, server | refused, 0, handshake(),
                                             write_all),
        "server_plain_http_respond_404": run(policy(), 0, server | plain_or_bad_options, 0,
                                              handshake(), respond, write_all),
        "server_plain_http_accept_is_wrong_state": run(
            policy(), 0, server | plain_or_bad_options, 0, handshake(), accept(), respond),
        "server_reject_403": run(policy(), 0, server, 0, handshake(), reject(1), write_all),
        "server_reject_status_99_written_as_500": run(policy(), 0, server, 0, handshake(),
                                                       reject(4), write_all),
        "server_accept_subprotocol_not_offered_500": run(
            policy(), 0, server | subprotocols, 0, handshake(), accept(2), write_all),
        "server_accept_injected_header_500": run(policy(), 0, server, 0, handshake(), accept(3),
                                                  write_all),
        "server_accept_offered_subprotocol": run(policy(), 0, server | subprotocols, 0,
                                                  handshake(), accept(1), write_all),
        "server_respond_without_plain_http_500": run(policy(), 0, server, 0, handshake(),
                                                      respond, write_all),
        "server_request_over_max_handshake_size_431": run(
            policy(), 0, server | small_head, 0, handshake(), write_all),
        "server_garbage_request_400": run(policy(), 0, server | garbage_handshake, 0, handshake(),
                                           write_all, garbage=b"GET / HTTP/1.1\r\n\x00\r\n\r\n"),
        "server_backpressure_100_bytes_refuses_sends": run(
            policy(buffer=5), 0, server, 0, *open_server, send(2, kind=2),
            send(b"a", kind=0), peer(op_ping, b"p"), consume(50), send(b"b"), write_all,
            send(b"c"), write_all),
        "server_backpressure_zero_limit_pauses_reading": run(
            policy(buffer=0), 0, server, 0, *open_server, send(b"x"), peer(op_text, b"queued"),
            write_all, peer(op_text, b"y"), write_all),
        "server_limit_10_one_byte_over_then_exactly_at": run(
            policy(buffer=3), 0, server, 0, *open_server, send(b"123456789", text=False),
            fragment(b"a"), send(b"b"), consume(1), fragment(b"a"), write_all,
            send(b"123456789", text=False), consume(1), fragment(b"c", last=True), write_all),
        "server_unmasked_frame_1002": run(policy(), 0, server, 0, *open_server,
                                           peer(op_text, b"plain", wrong_mask=True), write_all),
        "server_invalid_utf8_1007": run(policy(), 0, server, 0, *open_server,
                                         peer(op_text, b"\xff\xfe"), write_all),
        "server_frame_over_limit_1009": run(policy(), 2 << 2, server, 0, *open_server,
                                             peer(op_binary, 2, kind=3), write_all),
        "server_length_high_bit_1002": run(policy(), 0, server, 0, *open_server,
                                            peer(op_binary, b"x", form=3), write_all),
        "server_close_code_1005_echo_without_code": run(
            policy(), 0, server, 0, *open_server, peer(op_close, b""), write_all),
        "server_close_first_then_close_timeout_1006": run(
            policy(close=7), 0, server, 0, *open_server, close(7, 10), write_all, to_deadline(1),
            to_deadline()),
        "server_close_first_then_peer_close": run(
            policy(), 0, server, 0, *open_server, close(0, 0), consume(2), peer_close(1),
            write_all),
        "server_close_invalid_code_and_long_reason_refused": run(
            policy(), 0, server, 0, *open_server, close(10, 3), close(0, 124), close(0, 0x81)
            + b"\xff", close(12, 0), write_all),
        "server_eof_while_open_1006": run(policy(), 0, server, 0, *open_server, eof, write_all),
        "server_eof_during_handshake": run(policy(), 0, server, 0, handshake(20), eof),
        "server_eof_while_awaiting_accept_then_accept": run(
            policy(), 0, server, 0, handshake(), eof, accept(), write_all),
        "server_shut_down_open_1001": run(policy(), 0, server, 0, *open_server, shut_down,
                                           write_all, peer_close(1), write_all),
        "server_shut_down_during_handshake": run(policy(), 0, server, 0, handshake(5),
                                                  shut_down, shut_down),
        "server_abort_open_drops_output": run(policy(), 0, server, 0, handshake(), accept(),
                                               consume(10), send(b"lost"), abort, abort),
        "server_partial_writes": run(policy(), 0, server, 0, handshake(), accept(), consume(3),
                                      write_output(7), send(b"hello world"), write_output(1),
                                      consume(0), write_output(200), write_all),
        "server_fragments_both_ways_streaming": run(
            policy(), streaming, server, 0, *open_server, fragment(b"Hel"), ping(b"mid"),
            fragment(b"lo", last=True), peer(op_text, b"Hel", fin=False), peer(op_ping, b"p"),
            peer(op_continuation, b"lo"), write_all),
        "server_fragment_invalid_utf8_then_message_in_progress": run(
            policy(), 0, server, 0, *open_server, fragment(b"\xe2\x82"), send(b"x"),
            fragment(b"\xac", last=True), fragment(b"\xff"), write_all),
        "server_ping_flood_no_drain": run(
            policy(buffer=4), 0, server, 0, *open_server,
            *[peer(op_ping, bytes([i])) for i in range(20)], write_all),
        "server_ping_flood_auto_pong_off": run(
            policy(), no_auto_pong, server, 0, *open_server, peer(op_ping, b"a"),
            peer(op_ping, b"b"), write_all),
        "server_ping_api_125_and_126": run(policy(), 0, server, 0, *open_server,
                                            bytes([5, 2, 2]), bytes([5, 0, 126]) + b"z" * 126,
                                            write_all),
        "server_reads_past_wants_read": run(
            policy(buffer=0), 0, server | ignore_wants_read, 0, *open_server, send(b"x"),
            peer(op_ping, b"1"), peer(op_ping, b"2"), write_all),
        "server_zero_timeouts": run(policy(0, 0, 0, 0), 0, server, 0, handshake(), advance(0),
                                     accept(), advance(0), advance(0), advance(0), write_all),
        "server_zero_idle_and_pong_after_open": run(
            policy(13, 0, 0, 0), 0, server, 0, *open_server, to_deadline(), to_deadline(),
            write_all),
        "client_open_send_close_and_server_closes_tcp": run(
            policy(), 0, client, 0, *open_client, send(b"hi", kind=1), close(0, 2), write_all,
            peer_close(0), eof),
        "client_clean_close_then_close_timeout": run(
            policy(close=7), 0, client, 0, *open_client, peer_close(0, b"bye"), write_all,
            to_deadline(1), to_deadline()),
        "client_request_written_in_pieces": run(
            policy(), 0, client, 2, consume(5), write_output(30), consume(255), handshake(7),
            handshake(), write_all),
        "client_response_before_request_written": run(policy(), 0, client, 0, handshake(),
                                                       send(b"early"), write_all),
        "client_wrong_accept_key": run(policy(), 0, client | refused, 0, *open_client),
        "client_refuses_its_own_options": run(policy(), 0, client | plain_or_bad_options, 0,
                                               write_all, send(b"x"), advance(1)),
        "client_garbage_response": run(policy(), 0, client | garbage_handshake, 0, *open_client,
                                        garbage=b"HTTP/1.1 200 OK\r\n\r\n"),
        "client_subprotocol_chat": run(policy(), 0, client | subprotocols, 0, *open_client,
                                        send(b"x")),
        "client_without_random_source_idle_gives_up": run(
            policy(idle=8, close=7), 0, client | no_random, 0, *open_client, send(b"refused"),
            ping(), close(), shut_down, to_deadline(), to_deadline(), write_all),
        "client_masked_frame_from_server_1002": run(
            policy(), 0, client, 0, *open_client, peer(op_text, b"m", wrong_mask=True), write_all),
        "client_handshake_timeout_drops_request": run(policy(handshake=5), 0, client, 0,
                                                       consume(10), advance(10)),
        "client_eof_after_handshake": run(policy(), 0, client | in_place, 0, *open_client,
                                           peer(op_text, b"x"), eof, write_all),
        "client_raw_bytes_after_open": run(policy(), 0, client, 0, *open_client,
                                            raw(b"\x81\x02hi\x89\x00\x8a\x01x"), write_all),
    }
    # Found by libFuzzer and kept byte for byte: a client without a RandomSource, refused its
    # keep-alive Ping, fails while it waits close_timeout.
    cases["client_without_random_source_fails_while_waiting_after_refused_ping"] = bytes.fromhex(
        "0d08ffffff1021000f00000f03030010080092050002000000000003000000ffff080045ffffffff"
        "ff3035357f31ffffff056c00ff0d0e0d0d4f00010d0d050000000000080008000f030b0203000000"
        "080008060f030b000f00000f0307017a0002fa026869004b6225001061000000000000080008000f"
        "030b02030000000800080000000000fefd00080045ff060f0308000f030bff020300000008000806"
        "0f030b000f00000f03030e06000000fe020f010500030efd0ffc0f")
    for name, data in cases.items():
        write("driver", name, data)


if __name__ == "__main__":
    frame_seeds()
    handshake_request_seeds()
    handshake_response_seeds()
    roundtrip_seeds()
    connection_api_seeds()
    utf8_seeds()
    unmask_seeds()
    extension_seeds()
    inflate_seeds()
    frame_differential_seeds()
    driver_seeds()
