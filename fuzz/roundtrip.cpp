// SPDX-License-Identifier: MIT
// Fuzz target: what one role encodes, the other decodes unchanged.
//
// Input: [config] [piece seed] [deflate] [operations...]
//   config bit 0: the sender is the client (else the server); bit 1: the receiver streams;
//   bit 2: the receiver copies its input; bit 3: the receiver does not answer pings; bit 4:
//   permessage-deflate in force on both sides, set up by the deflate byte (present only then):
//   bits 0-2 the sender's window, 8 + value; bit 3 the sender keeps no context between
//   messages; bits 4-5 its level (1, 6, 9 or 0); bit 6 every message compressed (threshold 0);
//   bit 7 zlib memory level 1.
//   Each operation is a byte whose value modulo 9 picks: a whole message, a fragmented message
//   with input-chosen fragment sizes, a ping, a pong, a zero-copy message (encode_message_head),
//   a fragmented message with a ping between its fragments, a transfer to the receiver in
//   pieces, a misuse of the sending API, or a frame header encoded and decoded on its own.
//   Payloads come from the input; text is made valid UTF-8 (text_from_bytes) or, when the
//   operation says so, left raw. With permessage-deflate, binary messages sent whole with
//   operation bit 7 set go with Compression::never, and fragmented ones with bit 5.
//
// Invariants: every call that should succeed does, and every refused call (invalid UTF-8,
// oversized control payload, invalid close code) writes nothing; the receiver reports exactly
// the messages, pings and pongs sent, in order, at every transfer; the closing handshake ends
// with both sides closed, the code and reason delivered, and the latest ping answered; a frame
// header survives encode and decode, and a cut one asks for more bytes. With permessage-deflate,
// a message arrives with RSV1 exactly when the Compression rules (connection.hpp) say it is
// compressed (a whole message without context takeover may also go as is, RSV1 clear, when it
// does not shrink), and messages never compressed arrive without it.
#include <array>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "text_from_bytes.hpp"
#include "wscore/connection.hpp"
#include "wscore/frame_header.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore::fuzz {
namespace {

using Bytes = std::vector<std::byte>;

// An expected message's RSV bits when either is right: RSV1 or none.
constexpr std::uint8_t rsv1_or_none = 0xFF;

bool same_trace(const std::vector<TraceEntry>& trace, const std::vector<TraceEntry>& expected) {
  return std::equal(trace.begin(), trace.end(), expected.begin(), expected.end(),
                    [](const TraceEntry& seen, TraceEntry wanted) {
                      if (wanted.rsv == rsv1_or_none && (seen.rsv & ~rsv_bit::rsv1) == 0) {
                        wanted.rsv = seen.rsv;
                      }
                      return seen == wanted;
                    });
}

class RoundTrip {
 public:
  RoundTrip(std::uint8_t config, std::uint8_t seed, std::optional<std::uint8_t> deflate_bits)
      : sender_role_((config & 1) ? Role::client : Role::server),
        receiver_role_((config & 1) ? Role::server : Role::client),
        receiver_options_(make_receiver_options(config)),
        copying_receive_((config & 4) != 0),
        seed_(seed),
        deflate_bits_(deflate_bits),
        sender_(Connection::open(sender_role_, sender_options(deflate_bits), counter_random())),
        receiver_(Connection::open(receiver_role_, receiver_options_, counter_random())),
        receiver_events_(receiver_options_, deflate_bits ? rsv_bit::rsv1 : 0) {
    receiver_events_.set_deflate(deflate_bits.has_value());
    if (!deflate_bits) return;
    // As a handshake would agree it: the sender's direction from the input, the other at 15.
    DeflateAgreement agreement;
    const auto window = static_cast<std::uint8_t>(min_window_bits + (*deflate_bits & 7));
    const bool no_context_takeover = (*deflate_bits & 8) != 0;
    if (sender_role_ == Role::server) {
      agreement.server_max_window_bits = window;
      agreement.server_no_context_takeover = no_context_takeover;
    } else {
      agreement.client_max_window_bits = window;
      agreement.client_no_context_takeover = no_context_takeover;
    }
    check(sender_.enable_deflate(agreement) == ApiError::none &&
              receiver_.enable_deflate(agreement) == ApiError::none,
          "enable_deflate() on open connections");
    check(sender_.enable_deflate(agreement) == ApiError::extension_conflict,
          "permessage-deflate is put in force once");
  }

  void run(InputReader& input) {
    while (!input.empty()) {
      const std::uint8_t op = input.byte();
      switch (op % 9) {
        case 0:
          send_message(input, op);
          break;
        case 1:
          send_fragmented(input, op, false);
          break;
        case 2:
          send_control(input, Opcode::ping);
          break;
        case 3:
          send_control(input, Opcode::pong);
          break;
        case 4:
          send_zero_copy(input, op);
          break;
        case 5:
          send_fragmented(input, op, true);
          break;
        case 6:
          transfer();
          break;
        case 7:
          misuse(input, op);
          break;
        default:
          header_round_trip(input);
          break;
      }
    }
    close_handshake();
  }

 private:
  static ConnectionOptions make_receiver_options(std::uint8_t config) {
    ConnectionOptions options;
    options.delivery = (config & 2) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    options.auto_pong = (config & 8) == 0;
    return options;
  }

  static ConnectionOptions sender_options(std::optional<std::uint8_t> deflate_bits) {
    ConnectionOptions options;
    if (!deflate_bits) return options;
    static constexpr std::uint8_t levels[] = {1, 6, 9, 0};
    options.deflate.window_bits = static_cast<std::uint8_t>(min_window_bits + (*deflate_bits & 7));
    options.deflate.no_context_takeover = (*deflate_bits & 8) != 0;
    options.deflate.compression_level = levels[(*deflate_bits >> 4) & 3];
    if (*deflate_bits & 0x40) options.deflate.compression_threshold = 0;
    if (*deflate_bits & 0x80) options.deflate.memory_level = 1;
    return options;
  }

  // RFC 7692 §6: the RSV bits a message arrives with, by the Compression rules (connection.hpp).
  // `whole`: sent in one call.
  std::uint8_t expected_rsv(std::size_t size, Compression compression, bool whole) const {
    const DeflateOptions& deflate = sender_.options().deflate;
    if (!deflate_bits_ || compression == Compression::never) return 0;
    if (!whole) return rsv_bit::rsv1;
    if (size < deflate.compression_threshold) return 0;
    // Without context takeover, a message that does not shrink may go as is.
    return deflate.no_context_takeover ? rsv1_or_none : rsv_bit::rsv1;
  }

  static RandomSource counter_random() {
    return [counter = std::uint8_t{0}](MutableByteView out) mutable {
      for (auto& b : out)
        b = std::byte{counter += 77};
    };
  }

  // A payload of up to 255 bytes (or 65535 when `large`), as text or raw.
  static Bytes payload(InputReader& input, bool large, bool make_text) {
    const std::size_t size = large ? input.u16() : input.byte();
    const Bytes raw = input.take_bytes(size);
    return make_text ? text_from_bytes(raw) : raw;
  }

  void expect(TraceEntry::Kind kind, MessageType type, const Bytes& data, std::uint8_t rsv = 0) {
    expected_.push_back({kind, type, rsv, 0, data});
  }

  void check_nothing_written(std::size_t before, const char* what) {
    check(sender_.pending_output().size() == before, what);
  }

  void send_message(InputReader& input, std::uint8_t op) {
    const auto type = (op & 0x10) ? MessageType::text : MessageType::binary;
    const bool raw = (op & 0x20) != 0;
    const Bytes data = payload(input, (op & 0x40) != 0, type == MessageType::text && !raw);
    const bool valid = type == MessageType::binary || ReferenceUtf8::is_valid(data);
    const std::size_t before = sender_.pending_output().size();
    const Compression compression =
        type == MessageType::binary && (op & 0x80) ? Compression::never : Compression::automatic;
    const ApiError result = type == MessageType::text && (op & 0x80)
                                ? sender_.send_text(as_text(data))
                                : sender_.send(type, data, compression);
    if (!valid) {
      check(result == ApiError::invalid_utf8, "invalid text is refused");
      check_nothing_written(before, "refused text writes nothing");
      return;
    }
    check(result == ApiError::none, "a valid message is sent");
    expect(TraceEntry::Kind::message, type, data, expected_rsv(data.size(), compression, true));
  }

  // A message cut into input-chosen pieces (which may split code points), optionally with a
  // ping between the first and second piece (RFC 6455 §5.4: control frames may be injected).
  void send_fragmented(InputReader& input, std::uint8_t op, bool ping_inside) {
    const auto type = (op & 0x10) ? MessageType::text : MessageType::binary;
    const Bytes data = payload(input, (op & 0x40) != 0, type == MessageType::text);
    const std::size_t fragments = 1 + input.byte() % 6;
    const Compression compression = (op & 0x20) ? Compression::never : Compression::automatic;
    std::size_t at = 0;
    for (std::size_t i = 0; i < fragments; ++i) {
      const bool last = i + 1 == fragments;
      const std::size_t size =
          last ? data.size() - at : std::min<std::size_t>(input.byte(), data.size() - at);
      const ByteView piece = ByteView(data).subspan(at, size);
      at += size;
      check(sender_.send_fragment(type, piece, last, compression) == ApiError::none,
            "valid fragments are sent");
      if (last) {
        expect(TraceEntry::Kind::message, type, data,
               expected_rsv(data.size(), compression, fragments == 1));
      }
      if (!last) {
        const std::size_t before = sender_.pending_output().size();
        FrameHead head;
        check(sender_.send_binary({}) == ApiError::message_in_progress &&
                  sender_.encode_message_head(MessageType::binary, {}, head) ==
                      ApiError::message_in_progress,
              "no new message while a fragmented one is unfinished (RFC 6455 5.4)");
        check_nothing_written(before, "refused calls write nothing");
      }
      if (i == 0 && ping_inside) {
        const Bytes ping_data = input.take_bytes(input.byte() % 126);
        check(sender_.ping(ping_data) == ApiError::none, "a ping between fragments is sent");
        expect(TraceEntry::Kind::ping, {}, ping_data);
        pings_.push_back(ping_data);
      }
    }
  }

  void send_control(InputReader& input, Opcode opcode) {
    const Bytes data = input.take_bytes(input.byte() % 126);
    const ApiError result = opcode == Opcode::ping ? sender_.ping(data) : sender_.pong(data);
    check(result == ApiError::none, "a control frame of at most 125 bytes is sent");
    expect(opcode == Opcode::ping ? TraceEntry::Kind::ping : TraceEntry::Kind::pong, {}, data);
    if (opcode == Opcode::ping) pings_.push_back(data);
  }

  // The zero-copy path: the caller writes the pending output, the head, then the payload,
  // masked with the head's key in the client role.
  void send_zero_copy(InputReader& input, std::uint8_t op) {
    const auto type = (op & 0x10) ? MessageType::text : MessageType::binary;
    const Bytes data = payload(input, (op & 0x40) != 0, type == MessageType::text);
    FrameHead head;
    check(sender_.encode_message_head(type, data, head) == ApiError::none,
          "encode_message_head works for a valid message");
    check(head.masked == (sender_role_ == Role::client), "the client masks (RFC 6455 5.3)");
    take_pending_output();
    wire_.insert(wire_.end(), head.view().begin(), head.view().end());
    Bytes body = data;
    if (head.masked) apply_mask(body, head.mask_key);
    wire_.insert(wire_.end(), body.begin(), body.end());
    expect(TraceEntry::Kind::message, type, data);
  }

  void misuse(InputReader& input, std::uint8_t op) {
    const std::size_t before = sender_.pending_output().size();
    const Bytes big = input.take_bytes(126 + input.byte() % 64);
    if (big.size() > max_control_payload_size) {
      check(sender_.ping(big) == ApiError::control_payload_too_large &&
                sender_.pong(big) == ApiError::control_payload_too_large,
            "control payloads over 125 bytes are refused (RFC 6455 5.5)");
    }
    static constexpr std::uint16_t never_sent[] = {0,    999,  1004, 1005, 1006,
                                                   1015, 1016, 2999, 5000};
    const std::uint16_t code = never_sent[op % std::size(never_sent)];
    check(sender_.close(code) == ApiError::invalid_close_code, "codes never sent are refused");
    check(sender_.close(close_code::normal, std::string(124, 'r')) ==
              ApiError::control_payload_too_large,
          "close reasons over 123 bytes are refused");
    check(sender_.close(close_code::normal, "\xC0\xAF") == ApiError::invalid_utf8,
          "close reasons that are not UTF-8 are refused");
    check(sender_.send_text("\xED\xA0\x80") == ApiError::invalid_utf8,
          "surrogates are not text (RFC 3629)");
    check(sender_.send_fragment(MessageType::text, as_bytes("\xF4\x90"), false) ==
              ApiError::invalid_utf8,
          "text is refused at the first impossible byte");
    check_nothing_written(before, "refused calls write nothing");

    // A client without a random source cannot send, but still answers: a Pong with a zero key.
    Connection keyless = Connection::open(Role::client);
    check(keyless.send_text("x") == ApiError::no_random_source &&
              keyless.ping() == ApiError::no_random_source && keyless.pending_output().empty(),
          "a client needs a random source to send (RFC 6455 5.3)");
    const Bytes ping_frame{std::byte{0x89}, std::byte{0x01}, std::byte{'p'}};
    keyless.receive(ByteView(ping_frame));
    const auto event = keyless.next_event();
    check(event && std::holds_alternative<PingReceived>(*event), "the ping arrives");
    const ByteView pong = keyless.pending_output();
    check(pong.size() == 7 && pong[0] == std::byte{0x8A} && pong[1] == std::byte{0x81} &&
              pong[2] == std::byte{0} && pong[5] == std::byte{0} && pong[6] == std::byte{'p'},
          "the automatic Pong goes out masked with a zero key");
  }

  void header_round_trip(InputReader& input) {
    FrameHeader header;
    const std::uint8_t bits = input.byte();
    header.fin = (bits & 0x80) != 0;
    header.rsv = (bits >> 4) & 7;
    header.opcode = bits & 0x0F;
    header.masked = input.boolean();
    for (auto& b : header.mask_key)
      b = std::byte{input.byte()};
    std::uint64_t length = 0;
    const std::size_t length_bytes = input.byte() % 9;
    for (std::size_t i = 0; i < length_bytes; ++i)
      length = (length << 8) | input.byte();
    header.payload_length = length & 0x7FFF'FFFF'FFFF'FFFF;
    std::array<std::byte, max_frame_header_size> encoded{};
    const std::size_t size = encode_frame_header(header, encoded);
    FrameHeader decoded;
    const FrameHeaderDecode result = decode_frame_header(ByteView(encoded).first(size), decoded);
    check(result.status == FrameHeaderStatus::complete && result.header_size == size,
          "an encoded header decodes whole");
    check(decoded.fin == header.fin && decoded.rsv == header.rsv &&
              decoded.opcode == header.opcode && decoded.masked == header.masked &&
              decoded.payload_length == header.payload_length &&
              (!header.masked || decoded.mask_key == header.mask_key),
          "a frame header survives encode and decode");
    const std::size_t expected_size = 2 +
                                      (header.payload_length < 126       ? 0
                                       : header.payload_length <= 0xFFFF ? 2
                                                                         : 8) +
                                      (header.masked ? 4 : 0);
    check(size == expected_size, "the shortest length form (RFC 6455 5.2)");
    for (std::size_t cut = 0; cut < size; ++cut) {
      FrameHeader partial;
      check(decode_frame_header(ByteView(encoded).first(cut), partial).status ==
                FrameHeaderStatus::need_more,
            "a cut header asks for more");
    }
  }

  void take_pending_output() {
    const ByteView pending = sender_.pending_output();
    wire_.insert(wire_.end(), pending.begin(), pending.end());
    sender_.consume_output(pending.size());
  }

  // Moves everything the sender wrote to the receiver, in the seed's pieces.
  void transfer() {
    take_pending_output();
    std::size_t at = 0;
    Bytes scratch;
    for (const std::size_t piece : piece_sizes(wire_.size(), seed_)) {
      const ByteView bytes = ByteView(wire_).subspan(at, piece);
      at += piece;
      if (copying_receive_) {
        receiver_.receive(bytes);
      } else {
        scratch.assign(bytes.begin(), bytes.end());
        receiver_.receive_in_place(MutableByteView(scratch));
      }
      while (auto event = receiver_.next_event())
        receiver_events_.on_event(*event);
      std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});
    }
    wire_.clear();
    check(same_trace(receiver_events_.trace(), expected_),
          "the receiver sees exactly what was sent");
  }

  void close_handshake() {
    static constexpr std::uint16_t codes[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                              1010, 1011, 1012, 1013, 1014, 3000, 4999};
    const std::uint16_t code = codes[seed_ % std::size(codes)];
    const std::string reason = seed_ & 1 ? "" : "bye \xE2\x9C\x93";
    if (sender_.close(code, reason) != ApiError::none) violated("close() works while open");
    check(sender_.state() == ConnectionState::close_sent, "close() starts the closing handshake");
    check(sender_.send_text("late") == ApiError::wrong_state, "nothing is sent after close()");
    expected_.push_back({TraceEntry::Kind::close,
                         {},
                         0,
                         code,
                         Bytes(as_bytes(reason).begin(), as_bytes(reason).end())});
    transfer();
    check(receiver_.state() == ConnectionState::closed, "the receiver closes on the Close");

    // The receiver's answers, never drained until now: a Pong for each ping, but for a flood the
    // first 15 and the latest (RFC 6455 §5.5.3), then the echoed Close.
    EventChecker sender_events({}, 0);
    sender_.receive(receiver_.pending_output());
    while (auto event = sender_.next_event())
      sender_events.on_event(*event);
    std::vector<TraceEntry> answers;
    if (receiver_options_.auto_pong) {
      for (const Bytes& ping : answered_pings(pings_))
        answers.push_back({TraceEntry::Kind::pong, {}, 0, 0, ping});
    }
    answers.push_back({TraceEntry::Kind::close, {}, 0, code, {}});
    check(sender_events.trace() == answers, "every ping is answered, the Close echoed");
    check(sender_.state() == ConnectionState::closed, "the closing handshake completes");
    check(sender_.transport_action() == (sender_role_ == Role::client
                                             ? TransportAction::await_peer_close
                                             : TransportAction::close_when_flushed),
          "the server closes the TCP connection first (RFC 6455 7.1.1)");
  }

  Role sender_role_;
  Role receiver_role_;
  ConnectionOptions receiver_options_;
  bool copying_receive_;
  std::uint8_t seed_;
  std::optional<std::uint8_t> deflate_bits_;
  Connection sender_;
  Connection receiver_;
  EventChecker receiver_events_;
  Bytes wire_;  // written by the sender, not yet delivered
  std::vector<TraceEntry> expected_;
  std::vector<Bytes> pings_;  // sent, in order
};

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wscore::fuzz::InputReader input(data, size);
  const std::uint8_t config = input.byte();
  const std::uint8_t seed = input.byte();
  std::optional<std::uint8_t> deflate_bits;
  if (config & 0x10) deflate_bits = input.byte();
  wscore::fuzz::RoundTrip round_trip(config, seed, deflate_bits);
  round_trip.run(input);
  return 0;
}
