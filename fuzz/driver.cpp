// Fuzz target: the session driver (Driver) around one connection, server or client, on a fake
// clock, driven by an input-chosen interleaving of peer bytes, API calls, time steps, partial
// writes and the end of the stream.
//
// Input: [policy: 5 bytes] [options] [setup] [start time] [operations...]
//   policy  the handshake, idle, pong and close timeouts (timeouts: 0 ms to 60 s) and
//           max_outbound_buffer (buffer_limits: 0 B to 16 MiB)
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
//     (expected_deadline: handshake_timeout from the start; idle_timeout from the opening or the
//     latest traffic; pong_timeout from the keep-alive Ping; close_timeout from our Close or
//     the end), and every deadline fires: an advance() at or past it reports an event, changes
//     the output or moves next_deadline(), so the connection is not in its opening handshake
//     past handshake_timeout, nor open past pong_timeout after a keep-alive Ping without
//     traffic, nor close_sent past close_timeout; a timeout ends the connection only once it
//     has run out; a keep-alive Ping is one empty Ping, written only by advance() on an open
//     connection quiet for idle_timeout (a client without a RandomSource cannot send it and
//     gives up close_timeout later);
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
#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event_checker.hpp"
#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "text_from_bytes.hpp"
#include "wscore/driver.hpp"

namespace wscore::fuzz {
namespace {

using Bytes = std::vector<std::byte>;
using namespace std::chrono_literals;

constexpr Milliseconds timeouts[] = {0ms,   1ms,   2ms,   3ms,    5ms,    10ms,   20ms, 50ms,
                                     100ms, 200ms, 500ms, 1000ms, 2000ms, 5000ms, 10s,  60s};
constexpr std::size_t buffer_limits[] = {0,   1,   2,    10,   64,    100,     128,      200,
                                         256, 500, 1000, 4096, 65536, 1 << 20, 16 << 10, 16 << 20};
constexpr std::uint64_t limits[] = {0,    1,     125,     126,
                                    1000, 65536, 1 << 20, ConnectionOptions::default_limit};
constexpr std::uint16_t close_codes[] = {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000,
                                         4999, 1004, 1005, 1006, 1015, 999,  2999, 5000};
constexpr int reject_statuses[] = {400, 403, 404, 503, 99, 600};
constexpr const char* nonce_text = "0123456789abcdef";  // 16 bytes (RFC 6455 §4.1)
constexpr std::string_view client_subprotocols[] = {"chat", "superchat"};

bool is_terminal(const Event& event) {
  return std::holds_alternative<CloseReceived>(event) ||
         std::holds_alternative<ProtocolError>(event) ||
         std::holds_alternative<ConnectionLost>(event) ||
         std::holds_alternative<HandshakeFailed>(event);
}

bool is_over(ConnectionState state) {
  return state == ConnectionState::closed || state == ConnectionState::failed;
}

bool is_opening(ConnectionState state) {
  return state == ConnectionState::handshake || state == ConnectionState::awaiting_accept;
}

Bytes to_bytes(std::string_view text) {
  const ByteView view = as_bytes(text);
  return {view.begin(), view.end()};
}

bool starts_with(ByteView bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), bytes.begin(),
                    [](char c, std::byte b) { return static_cast<std::byte>(c) == b; });
}

std::string status_line(int status) {
  return "HTTP/1.1 " + std::to_string(status < 100 || status > 599 ? 500 : status) + " ";
}

// The size of a frame with `payload_size` bytes in the minimal length form (RFC 6455 §5.2).
std::size_t frame_size(std::size_t payload_size, bool masked) {
  const std::size_t length_size = payload_size < 126 ? 0 : payload_size <= 0xFFFF ? 2 : 8;
  return 2 + length_size + (masked ? 4 : 0) + payload_size;
}

HandshakeNonce fixed_nonce() {
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
Bytes peer_frame(InputReader& input, Role peer, std::uint8_t& key_counter) {
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
Bytes api_payload(InputReader& input, std::uint8_t kind) {
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

struct WireFrame {
  std::uint8_t opcode;
  bool fin;
  Bytes payload;
  friend bool operator==(const WireFrame&, const WireFrame&) = default;
};

// The frames in `bytes`, written by `sender`, read with a FrameParser in the peer's role: each
// valid for that role (RFC 6455 §5.1-§5.5). The last may be cut only if `may_be_cut`.
std::vector<WireFrame> parse_frames(Role sender, ByteView bytes, bool may_be_cut) {
  FrameParser parser(sender == Role::server ? Role::client : Role::server);
  std::vector<WireFrame> frames;
  Bytes scratch(bytes.begin(), bytes.end());
  MutableByteView input(scratch);
  bool in_frame = false;
  for (;;) {
    const FrameParser::Step step = parser.parse(input);
    input = input.subspan(step.bytes_consumed);
    check(step.status != FrameParser::Status::violation, "we write only valid frames");
    if (step.status == FrameParser::Status::need_more) break;
    if (step.status == FrameParser::Status::header) {
      frames.push_back({parser.header().opcode, parser.header().fin, {}});
      in_frame = true;
      continue;
    }
    frames.back().payload.insert(frames.back().payload.end(), step.payload.begin(),
                                 step.payload.end());
    if (step.frame_finished) in_frame = false;
  }
  const bool cut = in_frame || !parser.at_frame_start();
  check(!cut || may_be_cut, "we write whole frames unless the transport gave up");
  if (cut && in_frame) frames.pop_back();
  return frames;
}

class DriverRun {
 public:
  explicit DriverRun(InputReader& input) : input_(input) {
    for (auto& timeout : {&policy_.handshake_timeout, &policy_.idle_timeout, &policy_.pong_timeout,
                          &policy_.close_timeout}) {
      *timeout = timeouts[input.byte() % 16];
    }
    policy_.max_outbound_buffer = buffer_limits[input.byte() % 16];
    const std::uint8_t option_bits = input.byte();
    options_.delivery = (option_bits & 1) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    options_.auto_pong = (option_bits & 2) == 0;
    options_.max_frame_size = limits[(option_bits >> 2) & 7];
    options_.max_message_size = limits[option_bits >> 5];
    const std::uint8_t setup = input.byte();
    role_ = (setup & 1) ? Role::client : Role::server;
    handshake_kind_ = (setup >> 1) & 3;
    in_place_ = (setup & 0x08) != 0;
    ignore_wants_read_ = (setup & 0x10) != 0;
    has_random_ = role_ == Role::server || (setup & 0x20) == 0;
    if (setup & 0x40) options_.max_handshake_size = 64;
    subprotocols_ = (setup & 0x80) != 0;
    now_ = Milliseconds(input.byte() * 1000);
    created_ = now_;
  }

  void run() {
    Driver driver = make_driver();
    driver_ = &driver;
    request_.assign(driver.pending_output().begin(), driver.pending_output().end());
    appended(0, Segment::other);
    drain();
    observe_state();
    check_state_invariants();
    while (!input_.empty())
      step(input_.byte());
    finish();
  }

 private:
  enum class Segment : std::uint8_t { data, other };

  Driver make_driver() {
    if (role_ == Role::server) {
      if (subprotocols_) options_.subprotocols = {"superchat"};
      options_.plain_http = handshake_kind_ == 2;
      make_request();
      return Driver::server(options_, policy_, now_);
    }
    ClientHandshake handshake{};
    handshake.request.host = handshake_kind_ == 2 ? "bad\r\nhost" : "example.com";
    handshake.request.target = "/chat";
    if (subprotocols_) handshake.request.subprotocols = client_subprotocols;
    handshake.nonce = fixed_nonce();
    make_response(handshake);
    RandomSource random;
    if (has_random_) {
      random = [counter = std::uint8_t{0}](MutableByteView out) mutable {
        for (auto& b : out)
          b = std::byte{counter++};
      };
    }
    Driver driver = Driver::client(handshake, options_, std::move(random), policy_, now_);
    if (handshake_kind_ == 2) {
      check(
          driver.connection().state() == ConnectionState::failed && driver.pending_output().empty(),
          "request options that would inject lines queue nothing and fail at once");
    }
    return driver;
  }

  // What the client sends (server role).
  void make_request() {
    std::string request;
    switch (handshake_kind_) {
      case 0: {
        ClientRequestOptions options;
        options.host = "example.com";
        options.target = "/chat";
        if (subprotocols_) options.subprotocols = client_subprotocols;
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
        garbage_handshake();
        return;
    }
    handshake_ = to_bytes(request);
  }

  // What the server answers (client role).
  void make_response(const ClientHandshake& handshake) {
    std::string response;
    std::string request;
    const std::string key = write_client_request(request, handshake.request, handshake.nonce);
    switch (handshake_kind_) {
      case 0:
        write_accept_response(response, key, AcceptResponse{subprotocols_ ? "chat" : "", "", {}});
        break;
      case 1:  // RFC 6455 §4.1: a Sec-WebSocket-Accept for another key fails the connection
        write_accept_response(response, "dGhlIHNhbXBsZSBub25jZQ==", AcceptResponse{});
        break;
      case 2:
        break;  // the client refuses its own options: nothing is sent, nothing answered
      default:
        garbage_handshake();
        return;
    }
    handshake_ = to_bytes(response);
  }

  void garbage_handshake() { handshake_ = input_.take_bytes(input_.byte()); }

  // --- one operation ----------------------------------------------------------------------------

  struct Before {
    ConnectionState state;
    std::size_t pending;
    Bytes pending_bytes;  // only once over: the output may then only drain
    std::optional<Milliseconds> deadline;
    bool should_close;
    std::size_t events;
  };

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
        deliver(
            peer_frame(input_, role_ == Role::server ? Role::client : Role::server, key_counter_));
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

  // The checks every operation ends with.
  void after(const Before& before, bool advanced, bool consumed) {
    Driver& driver = *driver_;
    const ByteView pending = driver.pending_output();
    if (!consumed && pending.size() < before.pending && pending.empty() &&
        driver.connection().state() == ConnectionState::failed) {
      segments_.clear();  // abort() (the caller's, or a timeout's) dropped it all
      dropped_ = true;
    }
    // Otherwise the output shrinks only when an automatic Pong replaces the last unwritten one
    // (RFC 6455 §5.5.3, past 16 of them): from the back, where the Pongs are.
    std::size_t accounted = 0;
    for (const auto& segment : segments_)
      accounted += segment.second;
    check(accounted >= pending.size(), "the output grows only by what the steps wrote");
    if (accounted > pending.size()) {
      check(pings_in_step_ != 0 && options_.auto_pong,
            "the output shrinks only when the transport writes it, gives up, or a Pong is "
            "replaced");
      std::size_t excess = accounted - pending.size();
      while (excess != 0) {
        auto& back = segments_.back();
        check(back.first == Segment::other, "a replaced Pong is not data");
        const std::size_t taken = std::min(excess, back.second);
        back.second -= taken;
        excess -= taken;
        if (back.second == 0) segments_.pop_back();
      }
    }
    if (is_over(before.state)) {
      check(
          pending.size() <= before.pending &&
              std::equal(pending.begin(), pending.end(),
                         before.pending_bytes.end() - static_cast<std::ptrdiff_t>(pending.size())),
          "nothing is written once closed or failed: the output only drains");
    }
    if (advanced && before.deadline && now_ >= *before.deadline) {
      // One exception: a client without a RandomSource cannot send its keep-alive Ping and waits
      // close_timeout instead; when that is 0 the new deadline is the old one, and the next
      // advance() ends the connection.
      const bool refused_ping_waits_zero = refused_ping_at_ == now_ && policy_.close_timeout == 0ms;
      check(events_ != before.events || pending.size() != before.pending ||
                driver.next_deadline() != before.deadline || refused_ping_waits_zero,
            "every deadline fires: advance() past it does something");
    }
    check(!before.should_close || driver.should_close(), "should_close() never goes back");
    observe_state();
    check_state_invariants();
    pings_in_step_ = 0;
  }

  void observe_state() {
    const ConnectionState state = driver_->connection().state();
    if (state != ConnectionState::handshake && state != ConnectionState::awaiting_accept &&
        !opened_at_ && !is_over(state)) {
      opened_at_ = now_;
    }
    if ((is_over(state) || state == ConnectionState::close_sent) && !closing_since_) {
      closing_since_ = now_;
    }
    if (is_over(state) && !over_at_) {
      over_at_ = now_;
      over_operation_ = operation_;
    }
  }

  // After advance(now): what is due has fired. One advance() takes one step, so a deadline that
  // this very call set (a zero timeout) waits for the next one.
  void check_time_invariants(bool pinged, bool ping_refused) {
    const Driver& driver = *driver_;
    const ConnectionState state = driver.connection().state();
    if (is_opening(state)) {
      check(now_ < created_ + policy_.handshake_timeout,
            "no opening handshake lasts past handshake_timeout");
    }
    if (state == ConnectionState::open && keepalive_at_ && !pinged) {
      check(now_ < *keepalive_at_ + policy_.pong_timeout,
            "a keep-alive Ping without traffic ends the connection after pong_timeout");
    }
    if (state == ConnectionState::open && refused_ping_at_ && !ping_refused) {
      check(now_ < *refused_ping_at_ + policy_.close_timeout,
            "a connection that cannot send its keep-alive Ping ends close_timeout later");
    }
    if (state == ConnectionState::close_sent) {
      check(now_ < *closing_since_ + policy_.close_timeout,
            "a peer that does not answer our Close is given up after close_timeout");
    }
    if (over_at_ && over_operation_ < operation_ && now_ >= *over_at_ + policy_.close_timeout) {
      check(driver.should_close(), "close the transport close_timeout after the end at the latest");
    }
  }

  // What the driver waits for (driver.hpp): the opening handshake; traffic, then the Pong to a
  // keep-alive Ping (or, unable to send it, close_timeout); the close handshake, the peer's TCP
  // close or the last bytes: close_timeout after the first of our Close, the end, or that
  // refused Ping.
  Milliseconds expected_deadline(ConnectionState state) const {
    if (is_opening(state)) return created_ + policy_.handshake_timeout;
    if (state != ConnectionState::open) return *closing_since_ + policy_.close_timeout;
    if (refused_ping_at_) return *closing_since_ + policy_.close_timeout;
    if (keepalive_at_) return *keepalive_at_ + policy_.pong_timeout;
    return quiet_since() + policy_.idle_timeout;
  }

  Milliseconds quiet_since() const {
    return std::max(*opened_at_, traffic_at_.value_or(*opened_at_));
  }

  void check_state_invariants() {
    const Driver& driver = *driver_;
    const Connection& connection = driver.connection();
    const ConnectionState state = connection.state();
    const std::size_t buffered = driver.buffered_amount();
    check(buffered == driver.pending_output().size(), "buffered_amount() is the pending output");
    check(driver.should_close() == !driver.next_deadline(),
          "a deadline exactly while the transport stays open");
    if (!driver.should_close()) {
      check(driver.next_deadline() == expected_deadline(state),
            "next_deadline() is the one the policy sets for where the connection is");
    }
    check(!driver.should_close() || is_over(state), "close the transport only once it is over");
    check(!driver.should_close() || !driver.wants_read(), "no reading once closed");
    const bool done =
        is_over(state) && buffered == 0 &&
        (connection.transport_action() == TransportAction::close_when_flushed || eof_);
    if (done) {
      check(driver.should_close(), "close the transport as soon as the last byte is written");
    }
    if (driver.should_close() && !done) {
      check(closing_since_ && now_ >= *closing_since_ + policy_.close_timeout,
            "close the transport with bytes unwritten (or, client, before the server closed TCP) "
            "only once close_timeout has run out");
    }
    // Backpressure.
    std::size_t data_pending = 0;
    for (const auto& [kind, size] : segments_) {
      if (kind == Segment::data) data_pending += size;
    }
    check(data_pending <= policy_.max_outbound_buffer + last_send_frame_,
          "data over max_outbound_buffer by at most the last accepted send");
    // Reading pauses over the limit and resumes at half of it. (Within a step that replaced
    // Pongs the output may have crossed both ways: the model waits for the next crossing.)
    if (buffered > policy_.max_outbound_buffer) {
      reading_paused_ = true;
    } else if (buffered <= policy_.max_outbound_buffer / 2) {
      reading_paused_ = false;
    } else if (pings_in_step_ != 0) {
      reading_paused_.reset();
    }
    if (buffered > policy_.max_outbound_buffer) {
      check(!driver.wants_read(), "no reading while over max_outbound_buffer");
    }
    if (reading_paused_ && !is_over(state) && !eof_) {
      check(driver.wants_read() == !*reading_paused_,
            "reading stops over max_outbound_buffer and resumes at half of it");
    }
    // Exactly one terminal event once over, none before.
    if (is_over(state)) {
      check(terminal_events_ == (answered_closed_ ? 0 : 1),
            "one terminal event once over (none after our own answer refused the request)");
    } else {
      check(terminal_events_ == 0, "no terminal event while the connection lives");
    }
  }

  // --- the transport ----------------------------------------------------------------------------

  // The peer's bytes wait in the socket while the transport does not read.
  void deliver(const Bytes& more) {
    Driver& driver = *driver_;
    unread_.insert(unread_.end(), more.begin(), more.end());
    if (!ignore_wants_read_ && !driver.wants_read()) return;
    Bytes bytes;
    bytes.swap(unread_);
    if (in_place_) {
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
    check(driver.pending_output().size() == pending.size() - taken, "consume_output() takes n");
    pop_segments(taken);
    check_after_write();
    drain();
  }

  // The transport asks should_close() and wants_read() right after writing (driver.hpp).
  void check_after_write() const {
    const Driver& driver = *driver_;
    const Connection& connection = driver.connection();
    if (is_over(connection.state()) && driver.pending_output().empty() &&
        (connection.transport_action() == TransportAction::close_when_flushed || eof_)) {
      check(driver.should_close(), "close the transport once the last byte is written");
    }
    if (driver.pending_output().size() <= policy_.max_outbound_buffer / 2 &&
        !is_over(connection.state()) && !eof_) {
      check(driver.wants_read(), "reading resumes once the output drained to half the limit");
    }
  }

  void write_into_buffer(std::size_t size) {
    Driver& driver = *driver_;
    const Bytes expected(driver.pending_output().begin(), driver.pending_output().end());
    Bytes buffer(size, std::byte{0x5A});
    const std::size_t written = driver.write_output(buffer);
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

  void pop_segments(std::size_t count) {
    while (count != 0 && !segments_.empty()) {
      auto& front = segments_.front();
      const std::size_t taken = std::min(count, front.second);
      front.second -= taken;
      count -= taken;
      if (front.second == 0) segments_.pop_front();
    }
  }

  // Records output an operation appended (it appends after whatever was pending).
  void appended(std::size_t before, Segment kind) {
    const std::size_t after = driver_->pending_output().size();
    if (after > before) segments_.push_back({kind, after - before});
    check(after <= policy_.max_outbound_buffer || !driver_->wants_read(),
          "output over max_outbound_buffer stops reading at once, whatever queued it");
  }

  void advance(Milliseconds to) {
    Driver& driver = *driver_;
    const std::size_t pending = driver.pending_output().size();
    const ConnectionState state = driver.connection().state();
    now_ = to;
    // RFC 6455 §5.5.2 keep-alive: an open connection quiet for idle_timeout gets a Ping.
    const bool idle_due = state == ConnectionState::open && !keepalive_at_ && !refused_ping_at_ &&
                          now_ >= quiet_since() + policy_.idle_timeout;
    driver.advance(now_);
    const bool pinged = driver.pending_output().size() > pending;
    if (pinged) {
      // The only thing advance() writes.
      const ByteView grown = driver.pending_output().subspan(pending);
      check(parse_frames(role_, grown, false) == std::vector<WireFrame>{{0x9, true, {}}},
            "advance() writes one empty keep-alive Ping");
      check(idle_due, "a keep-alive Ping only on an open connection idle for idle_timeout");
      keepalive_at_ = now_;
      pings_sent_.push_back({});
      appended(pending, Segment::other);
    }
    const bool still_open = driver.connection().state() == ConnectionState::open;
    const bool ping_refused = idle_due && !pinged && still_open;
    if (ping_refused) {
      check(!has_random_, "a quiet open connection sends a keep-alive Ping at idle_timeout");
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
      check(is_opening(state) ? due(created_, policy_.handshake_timeout)
                              : due(keepalive_at_, policy_.pong_timeout) ||
                                    due(refused_ping_at_, policy_.close_timeout) ||
                                    due(closing_since_, policy_.close_timeout),
            "a timeout ends the connection only once it has run out (traffic restarts them)");
    }
    observe_state();
    check_time_invariants(pinged, ping_refused);
  }

  // --- events -----------------------------------------------------------------------------------

  void drain() {
    Driver& driver = *driver_;
    const std::size_t pending = driver.pending_output().size();
    for (;;) {
      const ConnectionState state = driver.connection().state();
      std::optional<Event> event = driver.next_event();
      if (!event) break;
      on_event(*event, state);
    }
    check(!driver.next_event(), "no event appears once next_event() has said none");
    if (driver.pending_output().size() > pending) appended(pending, Segment::other);
  }

  void on_event(const Event& event, ConnectionState state_before) {
    check(terminal_events_ == 0, "no event after the terminal one");
    ++events_;
    const ConnectionState state = driver_->connection().state();
    std::visit(
        Overloaded{
            [&](const RequestReceived& request) {
              check(role_ == Role::server && !handshake_event_, "one request, server only");
              check(state == ConnectionState::awaiting_accept, "a request awaits its answer");
              offered_.assign(request.request->subprotocols().begin(),
                              request.request->subprotocols().end());
              handshake_event_ = true;
            },
            [&](const HttpRequestReceived&) {
              check(role_ == Role::server && !handshake_event_ && options_.plain_http,
                    "a plain HTTP request with plain_http only");
              check(state == ConnectionState::awaiting_accept, "a request awaits its answer");
              handshake_event_ = true;
              plain_request_ = true;
            },
            [&](const HandshakeCompleted& completed) {
              check(role_ == Role::client && !handshake_event_, "one handshake, client only");
              check(state == ConnectionState::open, "the client is open once the server agreed");
              check(completed.response->status() == 101, "a 101 completes it");
              handshake_event_ = true;
              opened_ = true;
            },
            [&](const HandshakeFailed& failed) {
              check(!opened_, "HandshakeFailed only during the opening handshake");
              if (role_ == Role::server) handshake_failed_status_ = failed.error.status;
            },
            [&](const auto& other) {
              check(opened_ || std::holds_alternative<ConnectionLost>(event),
                    "messages only once open; the end of the stream at any time");
              if (!events_checker_) events_checker_.emplace(options_, 0, false);
              events_checker_->on_event(other);
            },
        },
        event);
    if (std::holds_alternative<PingReceived>(event)) ++pings_in_step_;
    if (std::holds_alternative<MessageReceived>(event) ||
        std::holds_alternative<FragmentReceived>(event) ||
        std::holds_alternative<PingReceived>(event) ||
        std::holds_alternative<PongReceived>(event)) {
      traffic_at_ = now_;  // the peer is alive: the idle timer restarts
      keepalive_at_.reset();
    }
    if (is_terminal(event)) {
      ++terminal_events_;
      check(is_over(state), "the terminal event comes with the end of the connection");
      check(std::holds_alternative<CloseReceived>(event) == (state == ConnectionState::closed),
            "closed after the peer's Close, failed after anything else");
      terminal_state_before_ = state_before;
      if (const auto* error = std::get_if<ProtocolError>(&event)) {
        check(error->code == close_code_for(error->violation), "the code is the violation's");
        terminal_close_code_ = error->code;
      }
      if (const auto* close = std::get_if<CloseReceived>(&event)) {
        terminal_close_code_ = close->code;
      }
      if (const auto* lost = std::get_if<ConnectionLost>(&event)) {
        check(lost->code == close_code::abnormal_closure, "a lost connection reports 1006");
      }
    }
  }

  // --- the application --------------------------------------------------------------------------

  ApiError expected_send_state() const {
    const Connection& connection = driver_->connection();
    if (connection.state() != ConnectionState::open) return ApiError::wrong_state;
    if (!has_random_) return ApiError::no_random_source;
    return ApiError::none;
  }

  void send(bool fragment) {
    Driver& driver = *driver_;
    const std::uint8_t how = input_.byte();
    const MessageType type = (how & 1) ? MessageType::text : MessageType::binary;
    const bool last = (how & 2) != 0;
    const Bytes data = api_payload(input_, how >> 2);
    const std::size_t pending = driver.pending_output().size();
    // The order of the checks: driver.hpp, then connection.hpp's check_can_send, the message in
    // progress, the payload.
    ApiError expected = expected_send_state();
    const MessageType message_type = fragment && sending_fragments_ ? sending_type_ : type;
    ReferenceUtf8 utf8 = fragment && sending_fragments_ ? sending_utf8_ : ReferenceUtf8{};
    const bool ends_message = !fragment || last;
    const bool text_ok = message_type != MessageType::text ||
                         (utf8.feed(data) && (!ends_message || utf8.complete()));
    if (pending > policy_.max_outbound_buffer) {
      expected = ApiError::outbound_buffer_full;
    } else if (expected == ApiError::none && !fragment && sending_fragments_) {
      expected = ApiError::message_in_progress;
    } else if (expected == ApiError::none && !text_ok) {
      expected = ApiError::invalid_utf8;
    }
    const ApiError result =
        fragment ? driver.send_fragment(type, data, last) : driver.send(type, data);
    check(result == expected, "send() and send_fragment() return what the API promises");
    const ByteView grown = driver.pending_output().subspan(pending);
    if (result != ApiError::none) {
      check(grown.empty(), "a refused send writes nothing");
      return;
    }
    const bool first = !fragment || !sending_fragments_;
    const WireFrame frame{static_cast<std::uint8_t>(first ? static_cast<std::uint8_t>(type) : 0x0),
                          !fragment || last, data};
    check(grown.size() == frame_size(data.size(), role_ == Role::client),
          "an accepted send writes exactly its frame");
    check(parse_frames(role_, grown, false) == std::vector<WireFrame>{frame},
          "the frame carries the message");
    data_frames_.push_back(frame);
    last_send_frame_ = grown.size();
    appended(pending, Segment::data);
    if (fragment) {
      sending_fragments_ = !last;
      sending_type_ = message_type;
      sending_utf8_ = utf8;
    }
  }

  void ping() {
    Driver& driver = *driver_;
    Bytes data = api_payload(input_, input_.byte());
    if (data.size() > 130) data.resize(130);
    const std::size_t pending = driver.pending_output().size();
    ApiError expected = expected_send_state();
    if (expected == ApiError::none && data.size() > max_control_payload_size) {
      expected = ApiError::control_payload_too_large;
    }
    const ApiError result = driver.ping(data);
    check(result == expected, "ping() returns what the API promises");
    const ByteView grown = driver.pending_output().subspan(pending);
    if (result != ApiError::none) {
      check(grown.empty(), "a refused ping writes nothing");
      return;
    }
    check(parse_frames(role_, grown, false) == std::vector<WireFrame>{{0x9, true, data}},
          "ping() writes its Ping");
    pings_sent_.push_back(data);
    appended(pending, Segment::other);
  }

  void close() {
    Driver& driver = *driver_;
    const std::uint16_t code = close_codes[input_.byte() % 16];
    const std::uint8_t reason_bits = input_.byte();
    Bytes reason = (reason_bits & 0x80) ? input_.take_bytes(reason_bits & 0x7F)
                                        : Bytes((reason_bits & 0x7F), std::byte{'r'});
    const std::size_t pending = driver.pending_output().size();
    ApiError expected = expected_send_state();
    if (expected == ApiError::none) {
      if (!is_valid_close_code(code)) {
        expected = ApiError::invalid_close_code;
      } else if (reason.size() > max_close_reason_size) {
        expected = ApiError::control_payload_too_large;
      } else if (!ReferenceUtf8::is_valid(reason)) {
        expected = ApiError::invalid_utf8;
      }
    }
    const ApiError result = driver.close(code, as_text(reason));
    check(result == expected, "close() returns what the API promises");
    check(result != ApiError::none || driver.connection().state() == ConnectionState::close_sent,
          "close() starts the closing handshake (RFC 6455 7.1.2)");
    if (result == ApiError::none) our_close_ = {code, reason};
    check(result == ApiError::none || driver.pending_output().size() == pending,
          "a refused close writes nothing");
    appended(pending, Segment::other);
  }

  void shut_down() {
    Driver& driver = *driver_;
    const std::size_t pending = driver.pending_output().size();
    const ConnectionState state = driver.connection().state();
    driver.shut_down("bye");
    const ConnectionState now_state = driver.connection().state();
    if (state == ConnectionState::open && has_random_) {
      check(now_state == ConnectionState::close_sent, "shut_down() sends a Close with 1001");
      our_close_ = {close_code::going_away, to_bytes("bye")};
    } else if (is_opening(state)) {
      check(now_state == ConnectionState::failed, "shut_down() gives up an opening handshake");
    } else {
      check(now_state == state, "shut_down() does nothing once closing");
    }
    appended(std::min(pending, driver.pending_output().size()), Segment::other);
    drain();
  }

  void answer() {
    Driver& driver = *driver_;
    const std::uint8_t how = input_.byte() % 6;
    const std::size_t pending = driver.pending_output().size();
    const ConnectionState state = driver.connection().state();
    static constexpr HttpHeader bad_header[] = {{"X-Bad", "a\r\nInjected: 1"}};
    const bool awaiting = role_ == Role::server && state == ConnectionState::awaiting_accept;
    ApiError expected = ApiError::wrong_state;
    ApiError result = ApiError::none;
    int status = 101;
    switch (how) {
      case 0:
      case 1:
      case 2:
      case 3: {
        AcceptOptions options;
        if (how == 1)
          options.subprotocol =
              offered_.empty() ? std::string_view{} : std::string_view(offered_.back());
        if (how == 2) options.subprotocol = "not-offered";
        if (how == 3) options.extra_headers = bad_header;
        if (awaiting && !plain_request_) {
          expected = how == 2   ? ApiError::subprotocol_not_offered
                     : how == 3 ? ApiError::invalid_header
                                : ApiError::none;
        }
        result = driver.accept(options);
        break;
      }
      case 4:
        status = reject_statuses[input_.byte() % 6];
        if (awaiting) expected = ApiError::none;
        result = driver.reject(status, "refused");
        break;
      default: {
        HttpResponse response;
        response.status = 404;
        status = 404;
        if (role_ == Role::server && !options_.plain_http) {
          expected = ApiError::plain_http_not_enabled;
        } else if (awaiting && plain_request_) {
          expected = ApiError::none;
        }
        result = driver.respond(response);
        break;
      }
    }
    check(result == expected, "accept(), reject() and respond() return what the API promises");
    const ByteView grown = driver.pending_output().subspan(pending);
    const ConnectionState now_state = driver.connection().state();
    if (result == ApiError::none) {
      check(starts_with(grown, status_line(status)), "the answer is written");
      check(now_state == (status == 101 ? ConnectionState::open : ConnectionState::closed),
            "accept() opens, reject() and respond() close");
      if (status != 101) answered_closed_ = true;
      opened_ = status == 101;
      answer_status_ = status;
    } else if (result != ApiError::wrong_state && awaiting) {
      check(starts_with(grown, status_line(500)) && now_state == ConnectionState::closed,
            "an answer the core refuses becomes a 500 response");
      answered_closed_ = true;
      answer_status_ = 500;
    } else {
      check(grown.empty() && now_state == state, "a misplaced answer does nothing");
    }
    appended(pending, Segment::other);
  }

  void abort() {
    Driver& driver = *driver_;
    const ConnectionState state = driver.connection().state();
    driver.abort("transport error");
    if (!is_over(state)) {
      check(
          driver.connection().state() == ConnectionState::failed && driver.pending_output().empty(),
          "abort() fails the connection and drops its output");
    }
    drain();
  }

  // --- the end ----------------------------------------------------------------------------------

  void finish() {
    Driver& driver = *driver_;
    // The peer goes silent; the transport writes everything and waits for each deadline.
    for (int round = 0; round < 8; ++round) {
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
      advance(std::max(now_, *deadline));
      after(before, true, false);
    }
    check(driver.should_close(), "a connection whose peer is silent ends, deadline by deadline");
    check_wire();
  }

  void check_wire() {
    const ByteView wire(wire_);
    const std::string_view end_of_head = "\r\n\r\n";
    const auto head_end =
        std::search(wire.begin(), wire.end(), end_of_head.begin(), end_of_head.end(),
                    [](std::byte b, char c) { return b == static_cast<std::byte>(c); });
    if (role_ == Role::server) {
      if (handshake_failed_status_ && *handshake_failed_status_ != 0) {
        check(starts_with(wire, status_line(*handshake_failed_status_)),
              "a refused request is answered with its HTTP status");
      }
      if (answer_status_) {
        check(starts_with(wire, status_line(*answer_status_)) || dropped_,
              "the answer is what the server wrote first");
      }
      if (answer_status_ != 101) {
        check(!starts_with(wire, "HTTP/1.1 101"), "no 101 without accept()");
        return;
      }
    } else {
      const std::size_t common = std::min(wire.size(), request_.size());
      check(std::equal(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(common),
                       request_.begin()) &&
                (common == request_.size() || dropped_),
            "the client writes its request first");
    }
    if (head_end == wire.end()) {
      check(data_frames_.empty() || dropped_, "frames follow the head");
      return;
    }
    const ByteView frames_bytes =
        wire.subspan(static_cast<std::size_t>(head_end - wire.begin()) + end_of_head.size());
    const std::vector<WireFrame> frames = parse_frames(role_, frames_bytes, dropped_);
    std::vector<WireFrame> data;
    std::vector<Bytes> pings;
    std::optional<WireFrame> close;
    for (const WireFrame& frame : frames) {
      check(!close, "nothing is written after a Close (RFC 6455 5.5.1)");
      if (frame.opcode == 0x8) {
        close = frame;
      } else if (frame.opcode == 0x9) {
        pings.push_back(frame.payload);
      } else if (frame.opcode != 0xA) {
        data.push_back(frame);
      }
    }
    const auto is_prefix = [this](const auto& got, const auto& sent) {
      return got.size() <= sent.size() && (dropped_ || got.size() == sent.size()) &&
             std::equal(got.begin(), got.end(), sent.begin());
    };
    check(is_prefix(data, data_frames_), "the data frames are the accepted sends, in order");
    check(is_prefix(pings, pings_sent_), "the Pings are ping()s and keep-alive Pings, in order");
    // The Close the wire carries (RFC 6455 §5.5.1, §7.1.2, §7.1.7).
    std::optional<std::pair<std::uint16_t, Bytes>> expected;
    if (our_close_) {
      expected = our_close_;
    } else if (terminal_close_code_ && terminal_state_before_ == ConnectionState::open) {
      expected = std::pair<std::uint16_t, Bytes>{*terminal_close_code_, {}};
    }
    if (!close) {
      check(!expected || dropped_, "a Close is written when the connection calls for one");
      return;
    }
    check(expected.has_value(), "no Close without a reason for one");
    const Bytes& body = close->payload;
    if (expected->first == close_code::no_status_received) {
      check(body.empty(), "the echo of a Close without a code has no code");
      return;
    }
    check(body.size() >= 2, "the Close carries a code");
    const auto code = static_cast<std::uint16_t>((std::to_integer<unsigned>(body[0]) << 8) |
                                                 std::to_integer<unsigned>(body[1]));
    check(code == expected->first, "the Close carries the code: ours, the violation's, the echo");
    if (our_close_) {
      check(Bytes(body.begin() + 2, body.end()) == expected->second, "and our reason");
    }
  }

  InputReader& input_;
  DriverPolicy policy_;
  ConnectionOptions options_;
  Role role_ = Role::server;
  int handshake_kind_ = 0;
  bool in_place_ = false;
  bool ignore_wants_read_ = false;
  bool has_random_ = true;
  bool subprotocols_ = false;
  Driver* driver_ = nullptr;

  // The clock and the transport.
  Milliseconds now_{0};
  Milliseconds created_{0};
  Bytes handshake_;  // the peer's handshake, delivered in pieces
  std::size_t handshake_at_ = 0;
  std::uint8_t key_counter_ = 0;
  Bytes request_;  // client: the request queued at construction
  Bytes unread_;   // the peer's bytes the transport has not read yet
  Bytes wire_;     // what the transport wrote
  bool eof_ = false;
  bool dropped_ = false;                                  // abort() dropped unwritten output
  std::deque<std::pair<Segment, std::size_t>> segments_;  // the pending output, by origin
  std::size_t last_send_frame_ = 0;
  std::size_t pings_in_step_ = 0;
  std::optional<bool> reading_paused_ = false;

  // What happened, as the events and results told it.
  std::optional<Milliseconds> opened_at_;
  std::optional<Milliseconds> traffic_at_;
  std::optional<Milliseconds> keepalive_at_;
  std::optional<Milliseconds> refused_ping_at_;
  std::optional<Milliseconds> over_at_;
  std::optional<Milliseconds> closing_since_;  // our Close, or the end: close_timeout counts
  std::size_t operation_ = 0;
  std::size_t over_operation_ = 0;
  std::size_t events_ = 0;
  std::size_t terminal_events_ = 0;
  bool handshake_event_ = false;
  bool opened_ = false;  // accept() succeeded or HandshakeCompleted came
  bool plain_request_ = false;
  std::vector<std::string> offered_;
  std::optional<EventChecker> events_checker_;
  std::optional<int> handshake_failed_status_;
  std::optional<int> answer_status_;
  bool answered_closed_ = false;
  ConnectionState terminal_state_before_ = ConnectionState::handshake;
  std::optional<std::uint16_t> terminal_close_code_;
  std::optional<std::pair<std::uint16_t, Bytes>> our_close_;
  bool sending_fragments_ = false;
  MessageType sending_type_ = MessageType::binary;
  ReferenceUtf8 sending_utf8_;
  std::vector<WireFrame> data_frames_;  // accepted sends, as frames
  std::vector<Bytes> pings_sent_;       // ping()s and keep-alive Pings
};

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wscore::fuzz::InputReader input(data, size);
  wscore::fuzz::DriverRun run(input);
  run.run();
  return 0;
}
