// SPDX-License-Identifier: MIT
// The body of frame_server and frame_client: arbitrary bytes into an open connection.
//
// Input: [options] [piece seed] [behaviour] [more behaviour] [bytes from the peer...]
//   options    delivery mode, auto-pong, max_frame_size and max_message_size (options_from)
//   piece seed how the bytes are cut into receive() calls (piece_sizes)
//   behaviour  bits 0-2: RSV bits an extension claims; 3: copying receive(); 4: end of stream
//              after the bytes; 5: drain part of the output after each piece; 6:
//              release_idle_buffers() after each piece; 7: send a message after each piece
//   more       bit 0: receive() twice before reading the events (batching); bit 1: we send a
//              Close (1000) before reading, so the bytes arrive while we wait for the peer's
//              Close (RFC 6455 §7.1.2); bit 2: permessage-deflate in force (RFC 7692: RSV1 marks
//              a compressed message); bit 3: the peer keeps no context between messages
//
// With permessage-deflate the peer's window is 15: with a smaller one, whether zlib refuses a
// distance past it depends on how the bytes arrive (see reference_inflate.hpp), and the inflate
// target covers windows 8-15 with that in mind.
//
// The same bytes run three times:
//   A  whole, in one receive(): the reference trace and output;
//   B  in pieces, with the behaviours: the same trace as A (and the same output unless B drains
//      or sends), whatever the split, the delivery path and the buffer management;
//   C  in pieces, recording nothing: the connection's memory stays proportional to the bytes
//      received, never to a length a header claims, both as memory_usage() reports it and as
//      the heap measures it (in builds with AddressSanitizer); with permessage-deflate, plus
//      what those bytes can inflate to (at most 1032 times as much, RFC 1951), up to the limit,
//      and zlib's window and state.
// Invariants on A: no event after a fatal error or the peer's Close; limits and UTF-8 kept
// (EventChecker); the output re-parses cleanly in the opposite role (check_wire), carries the
// Close that the trace calls for with its code, and a Pong for each Ping but at most 16 (RFC
// 6455 §5.5.3); the state and transport action match how the stream ended.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "wire_checks.hpp"
#include "wscore/connection.hpp"

namespace wscore::fuzz {

inline ConnectionOptions options_from(std::uint8_t flags) {
  ConnectionOptions options;
  options.delivery = (flags & 1) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
  options.auto_pong = (flags & 2) == 0;
  static constexpr std::uint64_t limits[] = {0, 1, 125, 126, 1000, 65536, 1 << 20};
  options.max_frame_size = limits[(flags >> 2) % 7];
  options.max_message_size = limits[(flags >> 5) % 7];
  if ((flags & 0x80) == 0) {
    options.max_frame_size = ConnectionOptions::default_limit;
    options.max_message_size = ConnectionOptions::default_limit;
  }
  return options;
}

struct FrameBehaviour {
  std::uint8_t rsv_bits = 0;
  bool copying_receive = false;
  bool end_of_stream = false;
  bool drain_output = false;
  bool release_buffers = false;
  bool send_messages = false;
  bool batch_receives = false;
  bool close_first = false;
  bool deflate = false;
  bool peer_no_context_takeover = false;

  FrameBehaviour(std::uint8_t bits, std::uint8_t more_bits)
      : rsv_bits(bits & 7),
        copying_receive((bits & 0x08) != 0),
        end_of_stream((bits & 0x10) != 0),
        drain_output((bits & 0x20) != 0),
        release_buffers((bits & 0x40) != 0),
        send_messages((bits & 0x80) != 0),
        batch_receives((more_bits & 0x01) != 0),
        close_first((more_bits & 0x02) != 0),
        deflate((more_bits & 0x04) != 0),
        peer_no_context_takeover((more_bits & 0x08) != 0) {}

  // The RSV bits the connection lets through: the claimed ones, and RSV1 for permessage-deflate.
  std::uint8_t allowed_rsv() const { return deflate ? rsv_bits | rsv_bit::rsv1 : rsv_bits; }
  EventChecker checker(const ConnectionOptions& options, bool record = true) const {
    EventChecker checker(options, allowed_rsv(), record);
    checker.set_deflate(deflate);
    return checker;
  }
};

inline Connection open_connection(Role role, const ConnectionOptions& options,
                                  const FrameBehaviour& behaviour) {
  // The client's masking keys come from a counter: any key must work.
  Connection connection =
      Connection::open(role, options, [counter = std::uint8_t{0}](MutableByteView out) mutable {
        for (auto& b : out)
          b = std::byte{counter++};
      });
  if (behaviour.deflate) {
    // As a handshake would agree it; the peer's direction is the one that matters here.
    DeflateAgreement agreement;
    agreement.client_no_context_takeover = behaviour.peer_no_context_takeover;
    agreement.server_no_context_takeover = behaviour.peer_no_context_takeover;
    check(connection.enable_deflate(agreement) == ApiError::none, "enable_deflate() when open");
  }
  connection.set_extension_rsv_bits(behaviour.rsv_bits);
  if (behaviour.close_first) {
    check(connection.close(close_code::normal, "bye") == ApiError::none, "close() while open");
    check(connection.state() == ConnectionState::close_sent, "close() starts closing (7.1.2)");
  }
  return connection;
}

inline void drain_events(Connection& connection, EventChecker& checker) {
  while (auto event = connection.next_event())
    checker.on_event(*event);
}

// How the connection's state must look after its events.
inline void check_final_state(const Connection& connection, const EventChecker& checker,
                              bool closed_first) {
  if (!checker.finished()) {
    check(
        connection.state() == (closed_first ? ConnectionState::close_sent : ConnectionState::open),
        "open (or closing, after our Close) until something ends it");
    check(connection.transport_action() == TransportAction::keep_open, "keep open until then");
    return;
  }
  const auto& last = checker.trace().back();
  // A Close ends the close handshake cleanly; an error or a lost stream fails the connection.
  check(connection.state() ==
            (checker.close_received() ? ConnectionState::closed : ConnectionState::failed),
        "closed after the peer's Close, failed after an error or the end of the stream");
  const bool clean_client_close =
      last.kind == TraceEntry::Kind::close && connection.role() == Role::client;
  check(connection.transport_action() == (clean_client_close ? TransportAction::await_peer_close
                                                             : TransportAction::close_when_flushed),
        "transport action follows RFC 6455 7.1.1");
}

// Run A: the whole input at once. Returns the trace; checks the output.
inline std::vector<TraceEntry> run_whole(Role role, const ConnectionOptions& options,
                                         const FrameBehaviour& behaviour, ByteView bytes) {
  Connection connection = open_connection(role, options, behaviour);
  EventChecker checker = behaviour.checker(options);
  connection.receive(bytes);
  if (behaviour.end_of_stream) connection.receive_eof();
  drain_events(connection, checker);
  check_final_state(connection, checker, behaviour.close_first);
  const auto& trace = checker.trace();

  const WireSummary wire = check_wire(role, connection.pending_output(), options.delivery);
  std::vector<TraceEntry> pongs;
  for (const auto& entry : wire.entries) {
    check(entry.kind == TraceEntry::Kind::pong || entry.kind == TraceEntry::Kind::close,
          "without sends, the output is pongs and a close");
    if (entry.kind == TraceEntry::Kind::pong) pongs.push_back(entry);
  }
  // RFC 6455 §5.5.2: a Pong for each Ping, in order; §5.5.3: with the output unwritten, a flood
  // is answered with the first 15 and the latest. Once our Close is out, pings are not answered.
  std::vector<const TraceEntry*> pings;
  for (const auto& entry : trace) {
    if (entry.kind == TraceEntry::Kind::ping) pings.push_back(&entry);
  }
  if (options.auto_pong && !behaviour.close_first) {
    pings = answered_pings(std::move(pings));
    check(pongs.size() == pings.size(), "a Pong for each Ping, at most 16 unwritten");
    for (std::size_t i = 0; i < pongs.size(); ++i) {
      check(pongs[i].data == pings[i]->data, "each Pong carries its Ping's payload, in order");
    }
  } else {
    check(pongs.empty(), "no Pong without auto_pong, or after our Close");
  }
  // RFC 6455 §7.1.7 and §5.5.1: a failure sends its code; a Close is echoed with its code; a
  // connection that sent its Close sends no other.
  const bool closes = checker.finished() && (trace.back().kind == TraceEntry::Kind::close ||
                                             trace.back().kind == TraceEntry::Kind::protocol_error);
  if (behaviour.close_first) {
    check(wire.close_code == close_code::normal, "our Close is the only one");
  } else if (closes) {
    check(wire.close_code == trace.back().code, "the Close sent carries the code of the event");
  } else {
    check(!wire.close_code, "no Close sent without a reason");
  }

  // Sending works exactly while the connection is open.
  const ApiError sent = connection.send_text("after");
  check((sent == ApiError::none) == (!checker.finished() && !behaviour.close_first),
        "sends succeed exactly while open");
  return trace;
}

// Run B: the input in pieces, with the behaviours; the trace must equal run A's.
inline void run_in_pieces(Role role, const ConnectionOptions& options,
                          const FrameBehaviour& behaviour, std::uint8_t seed, ByteView bytes,
                          const std::vector<TraceEntry>& expected) {
  // (Assigned over another connection, so that moving one in is exercised too.)
  Connection connection = open_connection(role, options, behaviour);
  connection = open_connection(role, options, behaviour);
  EventChecker checker = behaviour.checker(options);
  std::vector<std::vector<std::byte>> held;  // our buffers the connection may still view
  std::vector<std::byte> written;            // output drained so far
  std::vector<TraceEntry> sent;              // messages we sent successfully
  connection.receive(ByteView{});            // nothing to read: a no-op
  connection.receive_in_place(MutableByteView{});
  const std::vector<std::size_t> pieces = piece_sizes(bytes.size(), seed);
  std::size_t at = 0;
  for (std::size_t index = 0; index < pieces.size(); ++index) {
    const ByteView input = bytes.subspan(at, pieces[index]);
    at += pieces[index];
    if (behaviour.copying_receive) {
      connection.receive(input);
    } else {
      held.emplace_back(input.begin(), input.end());
      connection.receive_in_place(MutableByteView(held.back()));
    }
    // Batching: a second receive() before the events of the first are read.
    if (behaviour.batch_receives && index % 2 == 0 && index + 1 < pieces.size()) continue;
    drain_events(connection, checker);
    check(!connection.next_event(), "no event appears once next_event() has said none");
    // The connection copied what it still needs: its views of our buffers must be dead.
    for (auto& buffer : held)
      std::fill(buffer.begin(), buffer.end(), std::byte{0xEE});
    held.clear();
    if (behaviour.drain_output) {
      const ByteView pending = connection.pending_output();
      const std::size_t part = pending.size() / 2 + 1;
      const ByteView taken = pending.first(std::min(part, pending.size()));
      written.insert(written.end(), taken.begin(), taken.end());
      connection.consume_output(part);
    }
    if (behaviour.release_buffers) connection.release_idle_buffers();
    if (behaviour.send_messages) {
      std::string text = std::to_string(at);  // (not "m" + ...: g++ 12 -Wrestrict misfires)
      text.insert(text.begin(), 'm');
      if (connection.send_text(text) == ApiError::none) {
        sent.push_back({TraceEntry::Kind::message, MessageType::text, 0, 0,
                        std::vector<std::byte>(as_bytes(text).begin(), as_bytes(text).end())});
      }
    }
  }
  if (behaviour.end_of_stream) {
    connection.receive_eof();
    drain_events(connection, checker);
  }
  check(checker.trace() == expected, "same events whatever the split and buffer handling");
  check_final_state(connection, checker, behaviour.close_first);

  const ByteView pending = connection.pending_output();
  written.insert(written.end(), pending.begin(), pending.end());
  const WireSummary wire = check_wire(role, written, options.delivery);
  std::vector<TraceEntry> messages;
  for (const auto& entry : wire.entries) {
    if (entry.kind == TraceEntry::Kind::message) messages.push_back(entry);
  }
  check(messages == sent, "every message sent is on the wire, in order");
}

// With permessage-deflate, what `received` bytes may add to the connection's memory: a message
// buffer growing geometrically to what they inflate to (DEFLATE codes 258 bytes in as little as
// 2 bits, RFC 1951 §3.2.5), but never past one byte over max_message_size; two 16 KiB streaming
// buffers; zlib's 32 KiB window and its state.
inline std::size_t inflate_allowance(const ConnectionOptions& options,
                                     const FrameBehaviour& behaviour, std::size_t received) {
  if (!behaviour.deflate) return 0;
  const std::uint64_t inflated = std::min<std::uint64_t>(
      2 * (std::uint64_t{1032} * received + 4096), options.max_message_size + 1);
  return static_cast<std::size_t>(inflated) + 2 * 16 * 1024 + (32 + 16) * 1024;
}

// Run C: the input in pieces, recording nothing, measuring the heap.
inline void run_measuring_memory(Role role, const ConnectionOptions& options,
                                 const FrameBehaviour& behaviour, std::uint8_t seed,
                                 ByteView bytes) {
  const std::vector<std::size_t> pieces = piece_sizes(bytes.size(), seed);
  std::vector<std::byte> scratch(bytes.size());
  Connection connection = open_connection(role, options, behaviour);
  EventChecker checker = behaviour.checker(options, /*record=*/false);
  const std::optional<std::size_t> baseline = heap_in_use();
  const std::size_t reported_baseline = connection.memory_usage();
  std::size_t at = 0;
  for (const std::size_t piece : pieces) {
    std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at),
              bytes.begin() + static_cast<std::ptrdiff_t>(at + piece), scratch.begin());
    connection.receive_in_place(MutableByteView(scratch).first(piece));
    at += piece;
    drain_events(connection, checker);
    // Gathered input, a message buffer that grows geometrically and pongs and closes in the
    // output are each bounded by the bytes received so far; 16 KiB is room for fixed costs.
    const std::size_t bound = 4 * at + 16 * 1024 + inflate_allowance(options, behaviour, at);
    check(connection.memory_usage() - reported_baseline <= bound,
          "memory_usage() grows with the bytes received, not with lengths claimed");
    if (baseline) {
      const std::size_t now = *heap_in_use();
      check(now <= *baseline || now - *baseline <= bound,
            "the heap grows with the bytes received, not with lengths claimed");
    }
  }
  connection.release_idle_buffers();
  check(connection.memory_usage() <= reported_baseline + 2 * at + 16 * 1024 + sizeof(Connection) +
                                         inflate_allowance(options, behaviour, at),
        "release_idle_buffers() keeps at most the message in progress");
}

inline int run_frame_target(Role role, const std::uint8_t* data, std::size_t size) {
  InputReader input(data, size);
  const ConnectionOptions options = options_from(input.byte());
  const std::uint8_t seed = input.byte();
  const std::uint8_t behaviour_bits = input.byte();
  const FrameBehaviour behaviour(behaviour_bits, input.byte());
  const ByteView bytes = as_byte_view(input.rest());

  const std::vector<TraceEntry> expected = run_whole(role, options, behaviour, bytes);
  run_in_pieces(role, options, behaviour, seed, bytes, expected);
  run_measuring_memory(role, options, behaviour, seed, bytes);
  return 0;
}

}  // namespace wscore::fuzz
