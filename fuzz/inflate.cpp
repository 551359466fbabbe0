// SPDX-License-Identifier: MIT
// Fuzz target: compressed messages (RFC 7692) into a connection that negotiated
// permessage-deflate, under a small max_message_size.
//
// Input: [config] [behaviour] [limit] [piece seed] [compressor] [operations...]
//   config bit 0: client role (the peer is a server and does not mask), else server; bit 1: the
//     first run streams (the second takes the other delivery mode); bit 2: the peer's compressor
//     keeps no context (client/server_no_context_takeover agreed: our window is emptied after
//     every message); bits 3-5: the peer's window, 8 + value (8-15); bit 6: the first run
//     copies its input; bit 7: end of stream after the bytes.
//   behaviour bit 0: release_idle_buffers() after each piece; bit 1: no automatic Pong; bit 2:
//     two receive() calls before reading the events.
//   limit: max_message_size, the value itself under 128, else (value - 127) * 512.
//   compressor: the peer's compressor for generated messages: bits 0-2 its window, 8 + value
//     (more than agreed breaks the agreement); bits 3-6 its level (value % 10); bit 7 it keeps
//     no context even where the agreement allows it.
//   Each operation is a byte whose value modulo 8 picks: a message compressed by the peer's
//   compressor (whole or in fragments, a Ping between them, its bytes possibly corrupted); a
//   message of raw bytes marked compressed; an uncompressed message; a Ping; a Pong; a Close
//   (the last operation); a compressed message whose last frame never comes (the last
//   operation); a fresh compressor (a peer may always start afresh).
//
// inflate_input.hpp turns the input into frames. The expected events (inflate_expected.hpp)
// come from a deflate decoder written here (reference_inflate.hpp) fed the same frames. Every frame
// is well formed, so only the compressed data and the limits decide. When the output of a message
// passes the limit, the first violation in the order of the message's bytes decides the code:
// invalid UTF-8 within the limit 1007, else passing the limit 1009, else invalid DEFLATE data 1007
// (RFC 7692 §8, RFC 6455 §7.4.1, §8.1).
//
// The bytes run twice, in pieces in one delivery mode (with the behaviours) and whole in the
// other. Invariants: the events match the expected ones (streamed pieces joined) whatever the
// split and the mode; a message, or the pieces of one, never passes max_message_size; no event
// after a fatal error (EventChecker); the connection's memory (memory_usage(), and the heap
// with AddressSanitizer) stays within the limit plus the agreed window and fixed buffers, never
// what the data inflates to; the output re-parses cleanly and closes with the code of the
// error; and a message from a compressor that keeps the agreement decodes to what it compressed.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "inflate_expected.hpp"
#include "inflate_input.hpp"
#include "wire_checks.hpp"
#include "wscore/connection.hpp"

namespace wscore::fuzz {
namespace {

// --- the runs ---------------------------------------------------------------------------------

Connection open_deflating(const Config& config, DeliveryMode delivery) {
  Connection connection =
      Connection::open(config.role, config.options(delivery),
                       [counter = std::uint8_t{0}](MutableByteView out) mutable {
                         for (auto& b : out)
                           b = std::byte{counter++};
                       });
  // A window outside 8-15 is refused, and changes nothing (RFC 7692 §7.1.2).
  DeflateAgreement out_of_range = config.agreement();
  out_of_range.server_max_window_bits =
      config.window_bits == min_window_bits ? min_window_bits - 1 : max_window_bits + 1;
  check(connection.enable_deflate(out_of_range) == ApiError::invalid_deflate_options &&
            !connection.deflate_agreement(),
        "enable_deflate() refuses a window outside 8-15");
  check(connection.enable_deflate(config.agreement()) == ApiError::none,
        "enable_deflate() on a fresh open connection");
  check(connection.deflate_agreement() == config.agreement(), "the agreement is in force");
  return connection;
}

// Options out of range (here memory level 0) are refused too.
void check_invalid_options(const Config& config) {
  ConnectionOptions invalid = config.options(DeliveryMode::whole_messages);
  invalid.deflate.memory_level = 0;
  check(Connection::open(config.role, invalid).enable_deflate(config.agreement()) ==
            ApiError::invalid_deflate_options,
        "enable_deflate() refuses options out of range");
}

// Once the bytes are in: a second enable_deflate() is refused, for the state or as a conflict.
void check_enable_again(const Config& config, Connection& connection,
                        const std::vector<Expected>& expected) {
  const bool in_message = !expected.empty() && expected.back().unfinished;
  const ApiError again = connection.enable_deflate(config.agreement());
  check(again == (connection.state() != ConnectionState::open || in_message
                      ? ApiError::wrong_state
                      : ApiError::extension_conflict),
        "enable_deflate() while in force: wrong state when closed or inside a message, else a "
        "conflict");
}

// What the connection holds may grow with the bytes received, the limit and the agreed window,
// never with what the data inflates to: the input gathered, the message (at most one byte past
// the limit), two 16 KiB streaming buffers, zlib's window and state, and room for fixed costs.
std::size_t memory_bound(const Config& config, std::size_t received) {
  return 4 * received + static_cast<std::size_t>(config.limit) + 1 +
         (std::size_t{1} << config.window_bits) + 64 * 1024;
}

void check_events_done(Connection& connection, EventChecker& checker, Matcher& matcher) {
  while (auto event = connection.next_event()) {
    checker.on_event(*event);
    matcher.on_event(*event);
  }
}

// The output: Pongs and at most the Close that ends the events, with their code.
void check_output(const Config& config, Connection& connection, const Matcher& matcher,
                  const EventChecker& checker, DeliveryMode delivery) {
  const WireSummary wire = check_wire(config.role, connection.pending_output(), delivery);
  for (const auto& entry : wire.entries) {
    check(entry.kind == TraceEntry::Kind::pong || entry.kind == TraceEntry::Kind::close,
          "the output is Pongs and a Close");
    check(entry.kind != TraceEntry::Kind::pong || config.auto_pong, "Pongs only with auto_pong");
  }
  if (matcher.last_error()) {
    check(wire.close_code == matcher.last_error(), "a failure sends its code (RFC 6455 7.1.7)");
  } else if (matcher.peer_closed()) {
    check(wire.close_code == close_code::normal, "the peer's Close is echoed (RFC 6455 5.5.1)");
  } else {
    check(!wire.close_code, "no Close without a reason");
  }
  check(connection.state() == (!checker.finished()        ? ConnectionState::open
                               : checker.close_received() ? ConnectionState::closed
                                                          : ConnectionState::failed),
        "open until something ends it");
}

// Run 1: in pieces, in the first delivery mode, with the behaviours, measuring memory.
void run_in_pieces(const Config& config, const Bytes& wire, const std::vector<Expected>& expected) {
  const DeliveryMode delivery = config.first_delivery;
  Connection connection = open_deflating(config, delivery);
  EventChecker checker(connection.options(), rsv_bit::rsv1, /*record=*/false);
  checker.set_deflate(true);
  Matcher matcher(expected);
  Bytes scratch(wire.size());
  const std::vector<std::size_t> pieces = piece_sizes(wire.size(), config.seed);
  const std::size_t reported_baseline = connection.memory_usage();
  const std::optional<std::size_t> heap_baseline = heap_in_use();
  std::size_t at = 0;
  for (std::size_t index = 0; index < pieces.size(); ++index) {
    const ByteView input = ByteView(wire).subspan(at, pieces[index]);
    if (config.copying_receive) {
      connection.receive(input);
    } else {
      std::copy(input.begin(), input.end(), scratch.begin() + static_cast<std::ptrdiff_t>(at));
      connection.receive_in_place(MutableByteView(scratch).subspan(at, pieces[index]));
    }
    at += pieces[index];
    if (config.batch_receives && index % 2 == 0 && index + 1 < pieces.size()) continue;
    check_events_done(connection, checker, matcher);
    if (config.release_buffers) connection.release_idle_buffers();
    const std::size_t bound = memory_bound(config, at);
    check(connection.memory_usage() - reported_baseline <= bound,
          "memory_usage() stays within the limit, the window and the bytes received");
    if (heap_baseline) {
      const std::size_t now = *heap_in_use();
      check(now <= *heap_baseline || now - *heap_baseline <= bound,
            "the heap stays within the limit, the window and the bytes received");
    }
  }
  if (config.end_of_stream) connection.receive_eof();
  check_events_done(connection, checker, matcher);
  matcher.finish();
  check_output(config, connection, matcher, checker, delivery);
}

// Run 2: whole, in the other delivery mode.
void run_whole(const Config& config, const Bytes& wire, const std::vector<Expected>& expected) {
  const DeliveryMode delivery = config.first_delivery == DeliveryMode::streaming
                                    ? DeliveryMode::whole_messages
                                    : DeliveryMode::streaming;
  Connection connection = open_deflating(config, delivery);
  EventChecker checker(connection.options(), rsv_bit::rsv1, /*record=*/false);
  checker.set_deflate(true);
  Matcher matcher(expected);
  connection.receive(ByteView(wire));
  if (config.end_of_stream) connection.receive_eof();
  check_events_done(connection, checker, matcher);
  matcher.finish();
  check_output(config, connection, matcher, checker, delivery);
  check(connection.memory_usage() <= sizeof(Connection) + memory_bound(config, wire.size()),
        "memory_usage() stays within the limit, the window and the bytes received");
  check_enable_again(config, connection, expected);
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore::fuzz;
  InputReader input(data, size);
  const Config config(input);
  Generator generator(config, input.byte());
  generator.run(input);
  const Bytes wire = wire_of(generator.frames(), config.role);
  const std::vector<Expected> expected = Model(config, generator).run();
  run_in_pieces(config, wire, expected);
  run_whole(config, wire, expected);
  check_invalid_options(config);
  return 0;
}
