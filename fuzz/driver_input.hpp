// SPDX-License-Identifier: MIT
// The driver target's input decoded: the policy, options and setup bytes at its start, the
// tables they index, the driver they build with the peer's handshake, and the frames and
// payloads the operations read. See driver.cpp for the input format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "text_from_bytes.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {

using Bytes = std::vector<std::byte>;
using namespace std::chrono_literals;

inline constexpr Milliseconds timeouts[] = {0ms,   1ms,   2ms,   3ms,    5ms,    10ms,   20ms, 50ms,
                                            100ms, 200ms, 500ms, 1000ms, 2000ms, 5000ms, 10s,  60s};
inline constexpr std::size_t buffer_limits[] = {
    0, 1, 2, 10, 64, 100, 128, 200, 256, 500, 1000, 4096, 65536, 1 << 20, 16 << 10, 16 << 20};
inline constexpr std::uint32_t ping_rates[] = {1000, 0, 1, 2, 3, 10, 100, 1000};
inline constexpr std::uint64_t limits[] = {0,    1,     125,     126,
                                           1000, 65536, 1 << 20, ConnectionOptions::default_limit};
inline constexpr std::uint16_t close_codes[] = {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000,
                                                4999, 1004, 1005, 1006, 1015, 999,  2999, 5000};
inline constexpr int reject_statuses[] = {400, 403, 404, 503, 99, 600};
inline constexpr const char* nonce_text = "0123456789abcdef";  // 16 bytes (RFC 6455 §4.1)
inline constexpr std::string_view client_subprotocols[] = {"chat", "superchat"};

inline Bytes to_bytes(std::string_view text) {
  const ByteView view = as_bytes(text);
  return {view.begin(), view.end()};
}

inline HandshakeNonce fixed_nonce() {
  HandshakeNonce nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<std::byte>(nonce_text[i]);
  return nonce;
}

// A frame from the peer: [shape] [length] [payload kind] [payload...]
//   shape bits 0-2: text, binary, continuation, ping, pong, close, reserved 0x3, reserved 0xB;
//   3: FIN clear; 4: RSV1; 5: masked wrongly for the peer's role; bits 6-7: the length in its
//   minimal form, the 16-bit form, the 64-bit form, or the 64-bit form with its high bit set.
//   payload kind bits 0-1: `length` input bytes, text from them, a Close body (a code from
//   close_codes by bits 2-5, then the bytes as its reason), or `length` * 64 bytes of 'x'.
inline Bytes peer_frame(InputReader& input, Role peer, std::uint8_t& key_counter) {
  static constexpr std::uint8_t opcodes[] = {0x1, 0x2, 0x0, 0x9, 0xA, 0x8, 0x3, 0xB};
  const std::uint8_t shape = input.byte();
  const std::size_t length = input.byte();
  const std::uint8_t kind = input.byte();
  Bytes payload;
  switch (kind & 3) {
    case 0:
      payload = input.take_bytes(length);
      break;
    case 1:
      payload = text_from_bytes(as_byte_view(input.take(length)));
      break;
    case 2: {
      const std::uint16_t code = close_codes[(kind >> 2) % 16];
      payload = {std::byte(code >> 8), std::byte(code & 0xFF)};
      const Bytes reason = input.take_bytes(length);
      payload.insert(payload.end(), reason.begin(), reason.end());
      break;
    }
    default:
      payload.assign(length * 64, std::byte{'x'});
      break;
  }
  const bool masked = (peer == Role::client) != ((shape & 0x20) != 0);
  Bytes frame{
      std::byte(((shape & 0x08) ? 0 : 0x80) | ((shape & 0x10) ? 0x40 : 0) | opcodes[shape & 7])};
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  const std::uint64_t size = payload.size();
  const int form = shape >> 6;
  if (form == 0 && size < 126) {
    frame.push_back(std::byte(mask_bit | size));
  } else if (form <= 1 && size <= 0xFFFF) {
    frame.push_back(std::byte(mask_bit | 126));
    frame.push_back(std::byte(size >> 8));
    frame.push_back(std::byte(size & 0xFF));
  } else {
    frame.push_back(std::byte(mask_bit | 127));
    const std::uint64_t length_field = form == 3 ? size | (std::uint64_t{1} << 63) : size;
    for (int shift = 56; shift >= 0; shift -= 8)
      frame.push_back(std::byte((length_field >> shift) & 0xFF));
  }
  std::byte key[4] = {};
  if (masked) {
    for (auto& b : key)
      b = std::byte{key_counter++};
    frame.insert(frame.end(), key, key + 4);
  }
  for (std::size_t i = 0; i < payload.size(); ++i)
    frame.push_back(payload[i] ^ (masked ? key[i % 4] : std::byte{0}));
  return frame;
}

// A payload for send(), send_fragment() and ping(): [kind] [length] [bytes...]; kind bits 0-1:
// `length` raw input bytes (maybe not UTF-8), text from them, `length` * 64 bytes of 'y', none.
inline Bytes api_payload(InputReader& input, std::uint8_t kind) {
  const std::size_t length = input.byte();
  switch (kind & 3) {
    case 0:
      return input.take_bytes(length);
    case 1:
      return text_from_bytes(as_byte_view(input.take(length)));
    case 2:
      return Bytes(length * 64, std::byte{'y'});
    default:
      return {};
  }
}

// The run's configuration: [policy: 5 bytes] [options] [setup] [start time].
struct DriverSetup {
  DriverPolicy policy;
  ConnectionOptions options;
  Role role = Role::server;
  int handshake_kind = 0;
  bool in_place = false;
  bool ignore_wants_read = false;
  bool has_random = true;
  bool subprotocols = false;
  Milliseconds start{0};

  explicit DriverSetup(InputReader& input) {
    // The high nibble of the first four timeout bytes chooses progress_timeout.
    std::uint8_t progress_choice = 0;
    for (auto& timeout : {&policy.handshake_timeout, &policy.idle_timeout, &policy.pong_timeout,
                          &policy.close_timeout}) {
      const std::uint8_t choice = input.byte();
      *timeout = timeouts[choice % 16];
      progress_choice ^= static_cast<std::uint8_t>(choice >> 4);
    }
    policy.progress_timeout = timeouts[progress_choice % 16];
    const std::uint8_t buffer_bits = input.byte();
    policy.max_outbound_buffer = buffer_limits[buffer_bits % 16];
    policy.close_when_send_refused = (buffer_bits & 0x10) == 0;
    policy.max_pings_per_second = ping_rates[buffer_bits >> 5];
    const std::uint8_t option_bits = input.byte();
    options.delivery = (option_bits & 1) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    options.auto_pong = (option_bits & 2) == 0;
    options.max_frame_size = limits[(option_bits >> 2) & 7];
    options.max_message_size = limits[option_bits >> 5];
    const std::uint8_t setup = input.byte();
    role = (setup & 1) ? Role::client : Role::server;
    handshake_kind = (setup >> 1) & 3;
    in_place = (setup & 0x08) != 0;
    ignore_wants_read = (setup & 0x10) != 0;
    has_random = role == Role::server || (setup & 0x20) == 0;
    if (setup & 0x40) options.max_handshake_size = 64;
    subprotocols = (setup & 0x80) != 0;
    start = Milliseconds(input.byte() * 1000);
  }
};

// --- the peer's handshake ---------------------------------------------------------------------

inline Bytes garbage_handshake(InputReader& input) {
  return input.take_bytes(input.byte());
}

// What the client sends (server role).
inline Bytes peer_request(const DriverSetup& setup, InputReader& input) {
  std::string request;
  switch (setup.handshake_kind) {
    case 0: {
      ClientRequestOptions options;
      options.host = "example.com";
      options.target = "/chat";
      if (setup.subprotocols) options.subprotocols = client_subprotocols;
      (void)write_client_request(request, options, fixed_nonce());
      break;
    }
    case 1:  // RFC 6455 §4.2.2 item 4: an unsupported version is answered with 426
      request =
          "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 8\r\n\r\n";
      break;
    case 2:
      request = "GET /page HTTP/1.1\r\nHost: example.com\r\n\r\n";
      break;
    default:
      return garbage_handshake(input);
  }
  return to_bytes(request);
}

// What the server answers (client role).
inline Bytes peer_response(const DriverSetup& setup, const ClientHandshake& handshake,
                           InputReader& input) {
  std::string response;
  std::string request;
  const std::string key = write_client_request(request, handshake.request, handshake.nonce);
  switch (setup.handshake_kind) {
    case 0:
      write_accept_response(response, key,
                            AcceptResponse{setup.subprotocols ? "chat" : "", "", {}});
      break;
    case 1:  // RFC 6455 §4.1: a Sec-WebSocket-Accept for another key fails the connection
      write_accept_response(response, "dGhlIHNhbXBsZSBub25jZQ==", AcceptResponse{});
      break;
    case 2:
      break;  // the client refuses its own options: nothing is sent, nothing answered
    default:
      return garbage_handshake(input);
  }
  return to_bytes(response);
}

// The driver under test, as the setup says (the server's options completed), and the peer's
// handshake it is to be given in pieces.
inline Driver make_driver(DriverSetup& setup, InputReader& input, Bytes& peer_handshake) {
  if (setup.role == Role::server) {
    if (setup.subprotocols) setup.options.subprotocols = {"superchat"};
    setup.options.plain_http = setup.handshake_kind == 2;
    peer_handshake = peer_request(setup, input);
    return Driver::server(setup.options, setup.policy, setup.start);
  }
  ClientHandshake handshake{};
  handshake.request.host = setup.handshake_kind == 2 ? "bad\r\nhost" : "example.com";
  handshake.request.target = "/chat";
  if (setup.subprotocols) handshake.request.subprotocols = client_subprotocols;
  handshake.nonce = fixed_nonce();
  peer_handshake = peer_response(setup, handshake, input);
  RandomSource random;
  if (setup.has_random) {
    random = [counter = std::uint8_t{0}](MutableByteView out) mutable {
      for (auto& b : out)
        b = std::byte{counter++};
    };
  }
  Driver driver =
      Driver::client(handshake, setup.options, std::move(random), setup.policy, setup.start);
  if (setup.handshake_kind == 2) {
    check(driver.connection().state() == ConnectionState::failed && driver.pending_output().empty(),
          "request options that would inject lines queue nothing and fail at once");
  }
  return driver;
}

}  // namespace wscore::fuzz
