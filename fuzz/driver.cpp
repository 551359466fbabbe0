// SPDX-License-Identifier: MIT
// Fuzz target: the session driver (Driver) around one connection, server or client, on a fake
// clock, driven by an input-chosen interleaving of peer bytes, API calls, time steps, partial
// writes and the end of the stream.
//
// Input: [policy: 5 bytes] [options] [setup] [start time] [operations...]
//   policy  the handshake, idle, pong and close timeouts (timeouts: 0 ms to 60 s; the xor of
//           their high nibbles: progress_timeout) and max_outbound_buffer (buffer_limits: 0 B
//           to 16 MiB; bit 4: a refused send only refuses, close_when_send_refused off)
//   options bit 0: streaming delivery; 1: no auto-pong; bits 2-4: max_frame_size and 5-7:
//           max_message_size (limits)
//   setup   bit 0: our role (0 server, 1 client); bits 1-2: the peer's handshake: a valid one, one
//           that is refused (server: version 8, 426; client: a wrong Sec-WebSocket-Accept), a
//           plain HTTP request with plain_http (server) or request options the client refuses
//           at once (client), or garbage from the input; bit 3: receive_in_place() rather than
//           receive(); bit 4: the transport reads even while wants_read() says not to; bit 5:
//           a client without a RandomSource; bit 6: max_handshake_size 64; bit 7: subprotocols
//   start   the clock starts at start * 1000 ms
//   Each operation is a byte, `op % 16`, with its arguments in the bytes after it: 0 the next
//   piece of the peer's handshake; 1 a frame from the peer (peer_frame: any opcode, FIN, RSV1,
//   wrong masking, length form, payload); 2 raw bytes from the peer; 3 send(); 4
//   send_fragment(); 5 ping(); 6 close(); 7 shut_down(); 8 accept() (three ways, two of them
//   refused), reject() or respond(); 9 abort(); 10 advance() by some milliseconds; 11 advance()
//   to next_deadline() or 1 ms before it; 12 consume_output(n); 13 write_output() into a buffer
//   of n bytes; 14 receive_eof(); 15 write all the output. After the last one the transport
//   writes what is pending and the clock jumps from deadline to deadline: the peer is silent.
//   Every operation is followed by reading every event (the transport loop of driver.hpp).
//
// Invariants, after every operation:
//   - every API call returns what connection.hpp and driver.hpp promise, in the order they
//     document (outbound_buffer_full first for send()/send_fragment() over max_outbound_buffer);
//     an accepted one writes exactly its frame (or its HTTP response), a refused one nothing; an
//     answer the core refuses becomes a 500 response;
//   - time: next_deadline() is exactly what the policy sets for where the connection is
//     (expected_deadline: handshake_timeout from the start; idle_timeout from the opening, the
//     latest traffic or the end of a frame the peer had begun; progress_timeout from the last
//     bytes while the peer is in the middle of a frame or message; pong_timeout from the keep-alive
//     Ping; close_timeout from our Close or the end), and every deadline fires: an advance() at or
//     past it reports an event, changes the output or moves next_deadline(), so the connection is
//     not in its opening handshake past handshake_timeout, nor open past pong_timeout after a
//     keep-alive Ping without traffic, nor close_sent past close_timeout; a timeout ends the
//     connection only once it has run out; a keep-alive Ping is one empty Ping, written only by
//     advance() on an open connection quiet for idle_timeout (a client without a RandomSource
//     cannot send it and gives up close_timeout later);
//   - once closed or failed, the output only drains (what is pending is a suffix of what was);
//     should_close() holds as soon as the last byte is written (right after consume_output(),
//     as the transport asks; for a client after a clean close, once the peer closed TCP too,
//     RFC 6455 §7.1.1), before that only once close_timeout has run out, and at the latest
//     then; it holds exactly when next_deadline() is nullopt, never while open, and never goes
//     back;
//   - the data frames pending never exceed max_outbound_buffer by more than the last accepted
//     send's frame; reading (wants_read()) stops over the limit and resumes at half of it;
//     the output shrinks only when written, dropped by abort(), or when an automatic Pong
//     replaces the last unwritten one (RFC 6455 §5.5.3);
//   - events come in order: the handshake event first (RequestReceived or HttpRequestReceived
//     for a server, HandshakeCompleted for a client), the connection's events as EventChecker
//     checks them, and exactly one terminal event (CloseReceived, ProtocolError,
//     ConnectionLost, HandshakeFailed) once closed or failed — none when the application itself
//     answered with reject(), respond() or a refused accept() — and nothing after it.
//   wants_read() is false as soon as any call has put the output over max_outbound_buffer.
// At the end, the bytes the transport wrote are parsed (the HTTP head, then frames with a
// FrameParser in the peer's role): every frame is valid for our role (masked by a client only);
// the data frames are the accepted sends, in order; the Pings are the accepted ping()s and the
// keep-alive Pings, in order; at most one Close, last, carrying our close() code and reason, or
// the code of the ProtocolError (close_code_for(violation)), or the echo of the peer's Close,
// and no Close otherwise (RFC 6455 §5.5.1, §7.1.7); a server's head is a 101 when it accepted,
// the HTTP status of its HandshakeFailed, or the status it answered with. Output that abort()
// dropped may leave the last frame cut.
// The input's setup bytes and the frames it makes: driver_input.hpp; the model of deadlines and
// backpressure: driver_model.hpp; the events: driver_events.hpp; the API calls:
// driver_api.hpp; the final wire check: driver_wire.hpp.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "driver_api.hpp"
#include "driver_input.hpp"
#include "driver_model.hpp"
#include "driver_wire.hpp"
#include "fuzz_support.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {
namespace {

class DriverRun : DriverApplication {
 public:
  explicit DriverRun(InputReader& input) : DriverApplication(input) {}

  void run() {
    Driver driver = make_driver(setup_, input_, handshake_);
    driver_ = &driver;
    record_.request.assign(driver.pending_output().begin(), driver.pending_output().end());
    appended(0, Segment::other);
    drain();
    observe_state();
    check_state_invariants();
    while (!input_.empty())
      step(input_.byte());
    finish();
  }

 private:
  // --- one operation ----------------------------------------------------------------------------

  void step(std::uint8_t op) {
    Driver& driver = *driver_;
    ++operation_;
    Before before{driver.connection().state(), driver.pending_output().size(), {},
                  driver.next_deadline(),      driver.should_close(),          events_};
    if (is_over(before.state)) {
      before.pending_bytes.assign(driver.pending_output().begin(), driver.pending_output().end());
    }
    bool advanced = false;
    bool consumed = false;
    switch (op % 16) {
      case 0: {
        const std::size_t count = input_.byte();
        const std::size_t take = count == 0 ? handshake_.size() - handshake_at_
                                            : std::min(count, handshake_.size() - handshake_at_);
        const Bytes piece(handshake_.begin() + static_cast<std::ptrdiff_t>(handshake_at_),
                          handshake_.begin() + static_cast<std::ptrdiff_t>(handshake_at_ + take));
        handshake_at_ += take;
        deliver(piece);
        break;
      }
      case 1:
        deliver(peer_frame(input_, setup_.role == Role::server ? Role::client : Role::server,
                           key_counter_));
        break;
      case 2:
        deliver(input_.take_bytes(input_.byte()));
        break;
      case 3:
        send(false);
        break;
      case 4:
        send(true);
        break;
      case 5:
        ping();
        break;
      case 6:
        close();
        break;
      case 7:
        shut_down();
        break;
      case 8:
        answer();
        break;
      case 9:
        abort();
        break;
      case 10: {
        const std::uint8_t amount = input_.byte();
        advance(now_ + Milliseconds((amount & 0x80) ? (amount & 0x7F) * 100 : amount));
        advanced = true;
        break;
      }
      case 11: {
        const std::uint8_t early = input_.byte() & 1;
        const std::optional<Milliseconds> deadline = driver.next_deadline();
        advance(deadline && *deadline - Milliseconds(early) > now_ ? *deadline - Milliseconds(early)
                                                                   : now_);
        advanced = true;
        break;
      }
      case 12:
        consume(input_.byte());
        consumed = true;
        break;
      case 13:
        write_into_buffer(input_.byte());
        consumed = true;
        break;
      case 14:
        driver.receive_eof(now_);
        eof_ = true;
        drain();
        break;
      default:
        consume(driver.pending_output().size());
        consumed = true;
        break;
    }
    drain();  // the transport reads every event after each step
    after(before, advanced, consumed);
  }

  // --- the transport ----------------------------------------------------------------------------

  // The peer's bytes wait in the socket while the transport does not read.
  void deliver(const Bytes& more) {
    Driver& driver = *driver_;
    unread_.insert(unread_.end(), more.begin(), more.end());
    if (!setup_.ignore_wants_read && !driver.wants_read()) return;
    Bytes bytes;
    bytes.swap(unread_);
    if (!bytes.empty()) input_at_ = now_;
    if (setup_.in_place) {
      driver.receive_in_place(MutableByteView(bytes), now_);
    } else {
      driver.receive(bytes, now_);
    }
    drain();
    // The driver copied what it still needs: its views of our buffer must be dead.
    std::fill(bytes.begin(), bytes.end(), std::byte{0xEE});
  }

  void consume(std::size_t count) {
    Driver& driver = *driver_;
    const ByteView pending = driver.pending_output();
    const std::size_t taken = std::min(count, pending.size());
    wire_.insert(wire_.end(), pending.begin(),
                 pending.begin() + static_cast<std::ptrdiff_t>(taken));
    driver.consume_output(count);
    if (peer_took_our_bytes(taken)) note_alive();
    check(driver.pending_output().size() == pending.size() - taken, "consume_output() takes n");
    pop_segments(taken);
    check_after_write();
    drain();
  }

  void write_into_buffer(std::size_t size) {
    Driver& driver = *driver_;
    const Bytes expected(driver.pending_output().begin(), driver.pending_output().end());
    Bytes buffer(size, std::byte{0x5A});
    const std::size_t written = driver.write_output(buffer);
    if (peer_took_our_bytes(written)) note_alive();
    check(written == std::min(size, expected.size()), "write_output() fills what fits");
    check(std::equal(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(written),
                     expected.begin()),
          "write_output() copies the pending output");
    check(driver.pending_output().size() == expected.size() - written,
          "write_output() consumes what it copied");
    wire_.insert(wire_.end(), buffer.begin(),
                 buffer.begin() + static_cast<std::ptrdiff_t>(written));
    pop_segments(written);
    check_after_write();
    drain();
  }

  void advance(Milliseconds to) {
    Driver& driver = *driver_;
    const std::size_t pending = driver.pending_output().size();
    const ConnectionState state = driver.connection().state();
    now_ = to;
    // RFC 6455 §5.5.2 keep-alive: an open connection quiet for idle_timeout gets a Ping; one in
    // the middle of a frame or message, a Close 1008 progress_timeout after its last bytes.
    const bool waiting_idle = state == ConnectionState::open && !keepalive_at_ && !refused_ping_at_;
    const bool progress_due =
        waiting_idle && awaiting_rest_ && now_ >= *input_at_ + setup_.policy.progress_timeout;
    const bool idle_due =
        waiting_idle && !progress_due && now_ >= quiet_since() + setup_.policy.idle_timeout;
    driver.advance(now_);
    const bool pinged = !progress_due && driver.pending_output().size() > pending;
    if (progress_due) {
      const ConnectionState now_state = driver.connection().state();
      check(now_state == ConnectionState::close_sent || now_state == ConnectionState::failed,
            "a frame stalled for progress_timeout closes the connection");
      if (now_state == ConnectionState::close_sent) {
        const ByteView grown = driver.pending_output().subspan(pending);
        const Bytes reason = to_bytes("no progress on a frame");
        Bytes close_payload{std::byte{0x03}, std::byte{0xF0}};  // 1008
        close_payload.insert(close_payload.end(), reason.begin(), reason.end());
        check(parse_frames(setup_.role, grown, false) ==
                  std::vector<WireFrame>{{0x8, true, close_payload}},
              "advance() writes one Close 1008 for a stalled frame");
        record_.our_close = {close_code::policy_violation, reason};
        appended(pending, Segment::other);
      }
    }
    if (pinged) {
      // The only thing advance() writes.
      const ByteView grown = driver.pending_output().subspan(pending);
      check(parse_frames(setup_.role, grown, false) == std::vector<WireFrame>{{0x9, true, {}}},
            "advance() writes one empty keep-alive Ping");
      check(idle_due, "a keep-alive Ping only on an open connection idle for idle_timeout");
      keepalive_at_ = now_;
      record_.pings_sent.push_back({});
      appended(pending, Segment::other);
    }
    const bool still_open = driver.connection().state() == ConnectionState::open;
    const bool ping_refused = idle_due && !pinged && still_open;
    if (ping_refused) {
      check(!setup_.has_random, "a quiet open connection sends a keep-alive Ping at idle_timeout");
      refused_ping_at_ = now_;  // a client without a RandomSource cannot send it
      closing_since_ = now_;    // and waits close_timeout, on to the end if it comes first
    }
    const std::size_t terminal_before = terminal_events_;
    drain();
    if (terminal_events_ != terminal_before && !is_over(state)) {
      // Time ended the connection: only a deadline that had come may (no early timeout).
      const auto due = [this](std::optional<Milliseconds> since, Milliseconds timeout) {
        return since && now_ >= *since + timeout;
      };
      check(is_opening(state)
                ? due(created_, setup_.policy.handshake_timeout)
                : due(keepalive_at_, setup_.policy.pong_timeout) ||
                      due(refused_ping_at_, setup_.policy.close_timeout) || progress_due ||
                      due(closing_since_, setup_.policy.close_timeout),
            "a timeout ends the connection only once it has run out (traffic restarts them)");
    }
    observe_state();
    check_time_invariants(pinged, ping_refused, progress_due);
  }

  // --- the end ----------------------------------------------------------------------------------

  void finish() {
    Driver& driver = *driver_;
    // The peer goes silent; the transport writes everything and waits for each deadline. Input
    // held back by backpressure is still parsed as the output drains: a round that reports an
    // event is not a silent one (the held input is finite, so this ends).
    for (int silent_rounds = 0; silent_rounds < 8;) {
      const std::size_t events_before = events_;
      ++operation_;
      Before before{driver.connection().state(), driver.pending_output().size(), {},
                    driver.next_deadline(),      driver.should_close(),          events_};
      if (is_over(before.state)) {
        before.pending_bytes.assign(driver.pending_output().begin(), driver.pending_output().end());
      }
      consume(driver.pending_output().size());
      after(before, false, true);
      const std::optional<Milliseconds> deadline = driver.next_deadline();
      if (!deadline) break;
      ++operation_;
      before = {driver.connection().state(),
                driver.pending_output().size(),
                {},
                deadline,
                driver.should_close(),
                events_};
      if (is_over(before.state)) {
        before.pending_bytes.assign(driver.pending_output().begin(), driver.pending_output().end());
      }
      advance(std::max(now_, *deadline));
      after(before, true, false);
      if (events_ == events_before) ++silent_rounds;
    }
    check(driver.should_close(), "a connection whose peer is silent ends, deadline by deadline");
    check_wire(setup_.role, ByteView(wire_), record_);
  }

  // The peer's side of the transport.
  Bytes handshake_;  // the peer's handshake, delivered in pieces
  std::size_t handshake_at_ = 0;
  std::uint8_t key_counter_ = 0;
  Bytes unread_;  // the peer's bytes the transport has not read yet
  Bytes wire_;    // what the transport wrote
};

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wscore::fuzz::InputReader input(data, size);
  wscore::fuzz::DriverRun run(input);
  run.run();
  return 0;
}
