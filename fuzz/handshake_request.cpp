// SPDX-License-Identifier: MIT
// Fuzz target: the server side of the opening handshake (RFC 6455 §4.2).
//
// Input: [piece seed] [max head size / 32] [behaviour] [later] [request bytes...]
//   behaviour bit 0: reject() instead of accept(); bits 1-2: the server's subprotocol
//   preferences; bit 3: copying receive(); bit 4: accept() names a subprotocol; bit 5: an extra
//   response header, bit 6: an invalid one (CR LF); bit 7: echo the client's extension offers.
//   later bit 0: answer only after next_event() ran dry and our input buffer was overwritten.
//
// Invariants: the bare parser gives the same result (status, HTTP status, head length) whole,
// one byte at a time and in the seed's pieces; a failure is a 4xx/5xx the response parser reads
// back with its required headers; a complete head ends at its first empty line; the parsed
// request is well-formed and survives copies and moves; its accept key is base64(SHA-1(key +
// GUID)) computed independently; any accepted request yields a 101 that the client-side parser
// accepts with the same key, subprotocol and extensions; a server Connection agrees with the
// bare parser, reports misuse of accept() without writing a byte, and reads the bytes after the
// head as frames exactly as an open connection would, even when the answer comes later; SHA-1
// fed in pieces equals SHA-1 at once.
#include <algorithm>
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "handshake_checks.hpp"
#include "wscore/connection.hpp"
#include "wscore/detail/base64.hpp"
#include "wscore/detail/sha1.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/handshake_response.hpp"

namespace wscore::fuzz {
namespace {

struct Behaviour {
  bool reject;
  std::uint8_t preferences;
  bool copying_receive;
  bool name_subprotocol;
  bool extra_header;
  bool invalid_extra_header;
  bool echo_extensions;
  explicit Behaviour(std::uint8_t bits)
      : reject((bits & 0x01) != 0),
        preferences(static_cast<std::uint8_t>((bits >> 1) & 3)),
        copying_receive((bits & 0x08) != 0),
        name_subprotocol((bits & 0x10) != 0),
        extra_header((bits & 0x20) != 0),
        invalid_extra_header((bits & 0x40) != 0),
        echo_extensions((bits & 0x80) != 0) {}
};

std::vector<std::string> preference_list(std::uint8_t choice) {
  switch (choice) {
    case 1:
      return {"chat"};
    case 2:
      return {"superchat", "chat"};
    case 3:
      return {"v2.example.com", "chat", "superchat"};
    default:
      return {};
  }
}

void check_request(const HandshakeRequest& request) {
  check(request.method() == "GET", "only GET is accepted");
  check(detail::is_origin_form(request.target()), "the target is origin-form");
  std::string target(request.path());
  if (request.target().find('?') != std::string_view::npos) {
    target += '?';
    target += request.query();
  }
  check(target == request.target(), "path and query make up the target");
  check(detail::is_valid_host(request.host()), "the Host is valid");
  const auto nonce = detail::base64_decode(request.key());
  check(nonce && nonce->size() == 16, "the key is base64 of 16 bytes");
  check(detail::base64_decode(detail::base64_encode(*nonce)) == nonce, "base64 round trip");
  check_header_fields(request.headers());
  for (const std::string_view subprotocol : request.subprotocols()) {
    check(detail::is_token(subprotocol), "subprotocols are tokens");
  }
  if (!request.headers().empty()) {
    const HttpHeader& first = request.headers().front();
    const auto found = request.header(first.name);
    check(found && found->data() == first.value.data(), "header() finds the first field");
  }
}

// RFC 6455 §4.2.2 item 5.4, computed with the hash fed in two pieces.
void check_accept_key(std::string_view key, std::size_t split) {
  const std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  split = std::min(split, input.size());
  detail::Sha1 hash;
  hash.update(as_bytes(std::string_view(input).substr(0, split)));
  hash.update(as_bytes(std::string_view(input).substr(split)));
  const detail::Sha1Digest digest = hash.finish();
  check(digest == detail::sha1(as_bytes(input)), "SHA-1 does not depend on the split");
  check(compute_accept_key(key) == detail::base64_encode(digest), "accept key is base64(SHA-1)");
}

// SHA-1 of any bytes, in the seed's pieces and at once.
void check_sha1_pieces(ByteView bytes, std::uint8_t seed) {
  detail::Sha1 hash;
  std::size_t at = 0;
  for (const std::size_t piece : piece_sizes(bytes.size(), seed)) {
    hash.update(bytes.subspan(at, piece));
    at += piece;
  }
  const detail::Sha1Digest digest = hash.finish();
  check(digest == detail::sha1(bytes), "SHA-1 does not depend on how its input is split");
  hash.reset();
  hash.update(bytes);
  check(hash.finish() == digest, "reset() starts afresh");
}

// A 101 written for `request` must satisfy the client that sent it.
void check_accept_round_trip(const HandshakeRequest& request, std::string_view chosen,
                             std::string_view extensions) {
  std::string response;
  write_accept_response(response, request.key(), AcceptResponse{chosen, extensions, {}});
  HandshakeResponseParser client(std::string(request.key()), strings_of(request.subprotocols()),
                                 extension_names(request.extensions()), response.size() + 1);
  const auto parsed = client.feed(as_bytes(response));
  check(parsed.status == HandshakeResponseParser::Status::complete,
        "our 101 response satisfies the client parser");
  check(parsed.bytes_consumed == response.size(), "the whole response is its head");
  check(client.response().subprotocol() == chosen, "subprotocol survives the round trip");
}

// An error response as the client sees it: that status, and the headers it promises.
void check_error_response(ByteView wire, int status) {
  HandshakeResponseParser client("dGhlIHNhbXBsZSBub25jZQ==", {}, {});
  const auto parsed = client.feed(wire);
  check(parsed.status == HandshakeResponseParser::Status::failed && client.error().status == status,
        "the error response reads back with its status");
  const HandshakeResponse& response = client.response();
  check(response.header("Content-Length").has_value(), "error responses are delimited");
  if (status == 405) check(response.header("Allow") == "GET", "405 names the allowed method");
  if (status == 426) {
    check(response.header("Sec-WebSocket-Version") == "13", "426 names version 13 (4.2.2)");
  }
}

// Answers the request the way the behaviour says, checking that misuse is refused without a
// byte written, and that the response reads back as the client will read it.
void answer(Connection& server, const HandshakeRequest& request, const Behaviour& behaviour,
            std::uint8_t seed) {
  // The event's view ends with our next call of the connection: keep what the checks need.
  const std::string key(request.key());
  const std::vector<std::string> offered = strings_of(request.subprotocols());
  const std::vector<ExtensionOffer> offers(request.extensions().begin(),
                                           request.extensions().end());
  check(server.state() == ConnectionState::awaiting_accept, "the request awaits accept()");
  check(server.send_text("early") == ApiError::wrong_state, "no send before accept()");
  const HttpHeader good_header{"X-Fuzz", "1"};
  const HttpHeader bad_header =
      (seed & 1) ? HttpHeader{"X-Fuzz", "a\r\nInjected: 1"} : HttpHeader{"Bad Name", "1"};
  const std::span<const HttpHeader> no_headers;
  const std::span<const HttpHeader> extra =
      behaviour.extra_header ? std::span<const HttpHeader>(&good_header, 1) : no_headers;
  if (behaviour.extra_header && behaviour.invalid_extra_header) {
    const std::span<const HttpHeader> bad(&bad_header, 1);
    check(server.reject(400, "x", bad) == ApiError::invalid_header &&
              server.accept({.extra_headers = bad}) == ApiError::invalid_header,
          "header injection is refused");
    check(server.accept({.extensions = "a\r\nb"}) == ApiError::invalid_header,
          "extension response injection is refused");
    check(server.pending_output().empty(), "misuse writes nothing");
  }

  if (behaviour.reject) {
    // -100..920: a status outside 100-599 is sent as 500.
    const int status = 4 * static_cast<int>(seed) - 100;
    check(server.reject(status, "refused", extra) == ApiError::none, "reject() works");
    check_error_response(server.pending_output(), status < 100 || status > 599 ? 500 : status);
    check(server.state() == ConnectionState::closed, "a rejected handshake closes");
    check(server.accept() == ApiError::wrong_state, "no accept() after reject()");
    return;
  }

  std::optional<std::string_view> named;
  std::string_view expected_choice;
  if (behaviour.name_subprotocol) {
    if (offered.empty()) {
      check(server.accept({.subprotocol = "not-offered"}) == ApiError::subprotocol_not_offered,
            "only an offered subprotocol may be chosen (RFC 6455 4.2.2)");
      check(server.pending_output().empty(), "misuse writes nothing");
      named = std::string_view{};
    } else {
      named = offered.back();
      expected_choice = offered.back();
    }
  } else {
    for (const std::string& ours : server.options().subprotocols) {
      if (std::find(offered.begin(), offered.end(), ours) != offered.end()) {
        expected_choice = ours;
        break;
      }
    }
  }
  const std::string extensions = behaviour.echo_extensions ? format_extension_offers(offers) : "";
  check(server.accept({.subprotocol = named, .extensions = extensions, .extra_headers = extra}) ==
            ApiError::none,
        "accept() works");
  check(server.state() == ConnectionState::open, "accept() opens the connection");
  check(server.subprotocol() == expected_choice, "the chosen subprotocol");
  check(server.accept() == ApiError::wrong_state && server.reject(400, "") == ApiError::wrong_state,
        "no second answer");

  const ByteView response = server.pending_output();
  HandshakeResponseParser client(key, offered, extension_names(offers), response.size() + 1);
  const auto parsed = client.feed(response);
  check(parsed.status == HandshakeResponseParser::Status::complete &&
            parsed.bytes_consumed == response.size(),
        "the 101 satisfies the client (RFC 6455 4.1)");
  check(client.response().subprotocol() == expected_choice, "the client sees the subprotocol");
  const auto seen = client.response().extensions();
  const std::vector<ExtensionOffer> echoed =
      behaviour.echo_extensions ? offers : std::vector<ExtensionOffer>{};
  check(std::equal(seen.begin(), seen.end(), echoed.begin(), echoed.end()),
        "the client sees the extensions");
  if (behaviour.extra_header) check(client.response().header("X-Fuzz") == "1", "extra header");
}

// A server Connection fed the same bytes agrees with the bare parser, and reads what follows
// the head as frames. With `answer_later` the request waits for its answer until next_event()
// has said "nothing more" and our buffer is overwritten: the connection must have kept the
// bytes after the head.
void run_connection(const Behaviour& behaviour, bool answer_later, std::uint8_t seed,
                    std::size_t max_head, ByteView bytes, const HandshakeRequestParser& bare,
                    std::size_t head_size) {
  ConnectionOptions options;
  options.max_handshake_size = max_head;
  options.subprotocols = preference_list(behaviour.preferences);
  Connection server = Connection::server(options);
  check(server.state() == ConnectionState::handshake, "a server starts in the handshake");

  const HandshakeRequestParser::Status status = bare.status();
  bool decided = false;
  std::optional<HandshakeRequest> waiting;  // a request not answered yet
  EventChecker frames(options, 0);
  const auto read_events = [&] {
    while (auto event = server.next_event()) {
      if (const auto* failed = std::get_if<HandshakeFailed>(&*event)) {
        check(!decided && status == HandshakeRequestParser::Status::failed,
              "the connection fails exactly when the parser does");
        check(failed->error.status == bare.error().status, "with the same HTTP status");
        check(server.state() == ConnectionState::failed &&
                  server.transport_action() == TransportAction::close_when_flushed,
              "a failed handshake closes");
        check_error_response(server.pending_output(), failed->error.status);
        decided = true;
      } else if (const auto* received = std::get_if<RequestReceived>(&*event)) {
        check(!decided && status == HandshakeRequestParser::Status::complete,
              "the connection completes exactly when the parser does");
        check(same_request(*received->request, bare.request()), "and parses the same request");
        decided = true;
        if (answer_later) {
          waiting.emplace(*received->request);  // the event's view ends with the next call
        } else {
          answer(server, *received->request, behaviour, seed);
        }
      } else {
        check(!waiting, "nothing is read while the request awaits its answer");
        frames.on_event(*event);
      }
    }
  };
  std::size_t at = 0;
  std::vector<std::byte> scratch;
  for (const std::size_t piece : piece_sizes(bytes.size(), seed)) {
    const ByteView input = bytes.subspan(at, piece);
    at += piece;
    if (behaviour.copying_receive) {
      server.receive(input);
    } else {
      scratch.assign(input.begin(), input.end());
      server.receive_in_place(MutableByteView(scratch));
    }
    read_events();
    // The connection copied what it still needs: its views of our buffer must be dead.
    std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});
    if (waiting) {
      answer(server, *waiting, behaviour, seed);
      waiting.reset();
      read_events();
    }
  }
  check(decided == (status != HandshakeRequestParser::Status::need_more),
        "a handshake event exactly when the head is decided");
  if (status == HandshakeRequestParser::Status::complete && !behaviour.reject) {
    check(frames.trace() == frames_trace(Role::server, bytes.subspan(head_size)),
          "the bytes after the head are read as frames");
  } else {
    check(frames.trace().empty(), "no frames without an accepted handshake");
  }
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  using namespace wscore::fuzz;
  using Status = HandshakeRequestParser::Status;
  InputReader input(data, size);
  const std::uint8_t seed = input.byte();
  const std::size_t max_head = 64 + 32 * static_cast<std::size_t>(input.byte());
  const Behaviour behaviour(input.byte());
  const bool answer_later = input.boolean();
  const ByteView bytes = as_byte_view(input.rest());

  check_sha1_pieces(bytes, seed);
  HandshakeRequestParser whole(max_head);
  const auto result = whole.feed(bytes);
  check(result.bytes_consumed <= bytes.size(), "never consumes past the input");
  for (const std::uint8_t split_seed : {std::uint8_t{1}, seed}) {
    HandshakeRequestParser pieces(max_head);
    const auto split = feed_in_pieces(pieces, bytes, piece_sizes(bytes.size(), split_seed));
    check(split.status == result.status, "same status at any split");
    check(split.bytes_consumed == result.bytes_consumed, "same bytes consumed at any split");
    if (result.status == Status::failed) {
      check(pieces.error().status == whole.error().status, "same HTTP status at any split");
    }
  }

  if (result.status == Status::failed) {
    const int status = whole.error().status;
    check(status == 400 || status == 405 || status == 426 || status == 431 || status == 505,
          "a refused request gets a status from the documented list");
    check(!whole.error().what.empty(), "a failure says why");
  }
  if (result.status == Status::complete) {
    check_head_end(bytes, result.bytes_consumed);
    const HandshakeRequest& request = whole.request();
    check_request(request);
    // Copies and moves own their views: the originals die before the checks read them.
    HandshakeRequest copied;
    HandshakeRequest moved;
    {
      HandshakeRequestParser parser(max_head);
      (void)parser.feed(bytes);
      copied = parser.request();
      HandshakeRequest temporary(parser.request());
      moved = std::move(temporary);
    }
    HandshakeRequest& alias = copied;
    copied = alias;             // self-assignment keeps the request
    copied = std::move(alias);  // and so does self-move
    check(!copied.header("X-Not-There"), "header() of an absent field");
    const HandshakeRequest copy_constructed(copied);
    HandshakeRequest temporary(copied);
    const HandshakeRequest move_constructed(std::move(temporary));
    check(same_request(copied, request) && same_request(moved, request) &&
              same_request(copy_constructed, request) && same_request(move_constructed, request),
          "copies and moves keep the request");
    check_accept_key(request.key(), seed);
    const std::string_view chosen =
        request.subprotocols().empty() ? std::string_view{} : request.subprotocols().back();
    const std::vector<ExtensionOffer> offers(request.extensions().begin(),
                                             request.extensions().end());
    check_accept_round_trip(request, chosen, format_extension_offers(offers));
  }
  run_connection(behaviour, answer_later, seed, max_head, bytes, whole, result.bytes_consumed);
  return 0;
}
