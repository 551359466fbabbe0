// SPDX-License-Identifier: MIT
// Fuzz target: the client side of the opening handshake (RFC 6455 §4.1), reading the server's
// response to a request with the key of RFC 6455 §1.3.
//
// Input: [piece seed] [offers] [behaviour] [response bytes...]
//   offers bit 0: subprotocol "chat", 1: "superchat", 2: extension permessage-deflate,
//   3: extension x-fuzz; behaviour bit 0: copying receive(); bit 1: request options the client
//   must refuse, bits 3-5 saying which (spoil_request); bit 2: an extra request header; bits 6-7:
//   a head size limit of 64, 128 or 256 bytes instead of the default.
//
// Invariants: the same result (status, HTTP status, head length) whole, one byte at a time and
// in the seed's pieces; a failure carries 0 (malformed) or the response's status; only a 101
// completes, with only what was offered; a complete head ends at its first empty line; the
// response survives copies and moves; a client Connection writes a request the server parser
// accepts with that key, those offers and headers (or, given options that would inject a line,
// writes nothing and fails at once), agrees with the bare parser about the response, and reads
// the bytes after the head as frames exactly as an open connection would.
#include <algorithm>
#include <string>

#include "fuzz_support.hpp"
#include "handshake_checks.hpp"
#include "wscore/connection.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/handshake_response.hpp"

namespace wscore::fuzz {
namespace {

// base64 of this nonce is the RFC 6455 §1.3 key, dGhlIHNhbXBsZSBub25jZQ== (in the dictionary
// with its accept value).
constexpr std::string_view sample_nonce = "the sample nonce";
constexpr std::string_view sample_key = "dGhlIHNhbXBsZSBub25jZQ==";

struct Offers {
  std::vector<std::string_view> subprotocols;
  std::vector<std::string> subprotocol_strings;
  std::string extensions;
  std::vector<std::string> extension_names;

  explicit Offers(std::uint8_t bits) {
    if (bits & 1) subprotocols.push_back("chat");
    if (bits & 2) subprotocols.push_back("superchat");
    subprotocol_strings.assign(subprotocols.begin(), subprotocols.end());
    if (bits & 4) {
      extensions = "permessage-deflate; client_max_window_bits";
      extension_names.push_back("permessage-deflate");
    }
    if (bits & 8) {
      extensions += extensions.empty() ? "x-fuzz" : ", x-fuzz";
      extension_names.push_back("x-fuzz");
    }
  }
};

void check_complete_response(const HandshakeResponse& response, const Offers& offers) {
  check(response.status() == 101, "only 101 completes");
  const auto subprotocol = response.subprotocol();
  check(subprotocol.empty() ||
            std::find(offers.subprotocol_strings.begin(), offers.subprotocol_strings.end(),
                      subprotocol) != offers.subprotocol_strings.end(),
        "the subprotocol was offered");
  for (const ExtensionOffer& extension : response.extensions()) {
    check(std::find(offers.extension_names.begin(), offers.extension_names.end(), extension.name) !=
              offers.extension_names.end(),
          "the extension was offered");
  }
  check_header_fields(response.headers());
}

// The request the client Connection writes must satisfy a server.
void check_client_request(ByteView wire, const Offers& offers, bool extra_header) {
  HandshakeRequestParser server;
  const auto parsed = server.feed(wire);
  check(parsed.status == HandshakeRequestParser::Status::complete &&
            parsed.bytes_consumed == wire.size(),
        "the client's request satisfies the server parser");
  const HandshakeRequest& request = server.request();
  check(request.key() == sample_key, "the key is base64 of the nonce");
  check(strings_of(request.subprotocols()) == offers.subprotocol_strings, "offered subprotocols");
  check(extension_names(request.extensions()) == offers.extension_names, "offered extensions");
  check(request.header("X-Client") == (extra_header ? std::optional<std::string_view>("1")
                                                    : std::optional<std::string_view>()),
        "extra request headers are sent");
}

// A field of the client's request options that cannot go on the wire as given.
void spoil_request(ClientRequestOptions& request, std::uint8_t which, const HttpHeader*& extra) {
  static const std::string_view bad_subprotocols[] = {"chat", "not a token"};
  static const HttpHeader bad_name{"Bad Name", "1"};
  static const HttpHeader bad_value{"X-Client", "1\r\nX-Injected: 1"};
  switch (which % 8) {
    case 0:
      request.host = "server.example.com\r\nX-Injected: 1";
      break;
    case 1:
      request.target = "chat";  // not origin-form
      break;
    case 2:
      request.subprotocols = bad_subprotocols;
      break;
    case 3:
      request.origin = "http://example.com\nX-Injected: 1";
      break;
    case 4:
      request.extensions = "x-fuzz\r";
      break;
    case 5:
      extra = &bad_name;
      break;
    case 6:
      extra = &bad_value;
      break;
    default:
      request.host = "";
      break;
  }
}

void run_connection(const Offers& offers, std::uint8_t behaviour, std::size_t max_head,
                    std::uint8_t seed, ByteView bytes, const HandshakeResponseParser& bare,
                    std::size_t head_size) {
  const bool copying_receive = (behaviour & 1) != 0;
  const bool invalid_options = (behaviour & 2) != 0;
  const bool extra_header = (behaviour & 4) != 0;
  const HttpHeader good_extra{"X-Client", "1"};
  const HttpHeader* extra = extra_header ? &good_extra : nullptr;
  ClientHandshake handshake;
  handshake.request.host = "server.example.com";
  handshake.request.target = "/chat";
  handshake.request.origin = "http://example.com";
  handshake.request.subprotocols = offers.subprotocols;
  handshake.request.extensions = offers.extensions;
  if (invalid_options) spoil_request(handshake.request, behaviour >> 3, extra);
  if (extra) handshake.request.extra_headers = std::span<const HttpHeader>(extra, 1);
  std::copy(sample_nonce.begin(), sample_nonce.end(),
            reinterpret_cast<char*>(handshake.nonce.data()));
  const auto random = [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0x42};
  };
  ConnectionOptions options;
  options.max_handshake_size = max_head;
  Connection client = Connection::client(handshake, options, random);
  if (invalid_options) {
    check(client.pending_output().empty() && client.state() == ConnectionState::failed,
          "options that would inject a line write nothing");
    const auto event = client.next_event();
    check(event && std::holds_alternative<HandshakeFailed>(*event) &&
              std::get<HandshakeFailed>(*event).error.status == 0,
          "and fail the handshake at once, with status 0");
    check(!client.next_event(), "once");
    return;
  }
  check(client.state() == ConnectionState::handshake, "a client starts in the handshake");
  check(client.send_text("early") == ApiError::wrong_state, "no send before the handshake");
  check(client.accept() == ApiError::wrong_state, "a client cannot accept()");
  check_client_request(client.pending_output(), offers, extra_header);
  client.consume_output(client.pending_output().size());

  const auto status = bare.status();
  bool decided = false;
  std::size_t at = 0;
  std::vector<std::byte> scratch;
  EventChecker frames(ConnectionOptions{}, 0);
  for (const std::size_t piece : piece_sizes(bytes.size(), seed)) {
    const ByteView input = bytes.subspan(at, piece);
    at += piece;
    if (copying_receive) {
      client.receive(input);
    } else {
      scratch.assign(input.begin(), input.end());
      client.receive_in_place(MutableByteView(scratch));
    }
    while (auto event = client.next_event()) {
      if (const auto* failed = std::get_if<HandshakeFailed>(&*event)) {
        check(!decided && status == HandshakeResponseParser::Status::failed,
              "the connection fails exactly when the parser does");
        check(failed->error.status == bare.error().status, "with the same status");
        check(client.state() == ConnectionState::failed &&
                  client.transport_action() == TransportAction::close_when_flushed,
              "a refused response closes");
        decided = true;
      } else if (const auto* completed = std::get_if<HandshakeCompleted>(&*event)) {
        check(!decided && status == HandshakeResponseParser::Status::complete,
              "the connection completes exactly when the parser does");
        check(same_response(*completed->response, bare.response()), "with the same response");
        check(client.state() == ConnectionState::open, "a completed handshake opens");
        check(client.subprotocol() == bare.response().subprotocol(), "the agreed subprotocol");
        decided = true;
      } else {
        frames.on_event(*event);
      }
    }
    std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});
  }
  check(decided == (status != HandshakeResponseParser::Status::need_more),
        "a handshake event exactly when the head is decided");
  if (status == HandshakeResponseParser::Status::complete) {
    check(frames.trace() == frames_trace(Role::client, bytes.subspan(head_size)),
          "the bytes after the head are read as frames");
  } else {
    check(frames.trace().empty(), "no frames without a completed handshake");
  }
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  using namespace wscore::fuzz;
  using Status = HandshakeResponseParser::Status;
  InputReader input(data, size);
  const std::uint8_t seed = input.byte();
  const Offers offers(input.byte());
  const std::uint8_t behaviour = input.byte();
  const std::size_t max_head = (behaviour >> 6) == 0
                                   ? HandshakeResponseParser::default_max_head_size
                                   : 32u << (behaviour >> 6);
  const ByteView bytes = as_byte_view(input.rest());
  const auto make_parser = [&] {
    return HandshakeResponseParser(std::string(sample_key), offers.subprotocol_strings,
                                   offers.extension_names, max_head);
  };

  HandshakeResponseParser whole = make_parser();
  const auto result = whole.feed(bytes);
  check(result.bytes_consumed <= bytes.size(), "never consumes past the input");
  for (const std::uint8_t split_seed : {std::uint8_t{1}, seed}) {
    HandshakeResponseParser pieces = make_parser();
    const auto split = feed_in_pieces(pieces, bytes, piece_sizes(bytes.size(), split_seed));
    check(split.status == result.status, "same status at any split");
    check(split.bytes_consumed == result.bytes_consumed, "same bytes consumed at any split");
    if (result.status == Status::failed) {
      check(pieces.error().status == whole.error().status, "same error status at any split");
    }
  }

  if (result.status == Status::failed) {
    const int status = whole.error().status;
    check(!whole.error().what.empty(), "a failure says why");
    check(status == 0 || (status == whole.response().status() && status >= 100 && status <= 599),
          "a failure carries 0 or the response's status");
  }
  if (result.status == Status::complete) {
    check_head_end(bytes, result.bytes_consumed);
    check_complete_response(whole.response(), offers);
    HandshakeResponse copied;
    HandshakeResponse moved;
    {
      HandshakeResponseParser parser = make_parser();
      (void)parser.feed(bytes);
      copied = parser.response();
      HandshakeResponse temporary(parser.response());
      moved = std::move(temporary);
    }
    HandshakeResponse& alias = copied;
    copied = alias;             // self-assignment keeps the response
    copied = std::move(alias);  // and so does self-move
    check(!copied.header("X-Not-There"), "header() of an absent field");
    const HandshakeResponse copy_constructed(copied);
    HandshakeResponse temporary(copied);
    const HandshakeResponse move_constructed(std::move(temporary));
    check(same_response(copied, whole.response()) && same_response(moved, whole.response()) &&
              same_response(copy_constructed, whole.response()) &&
              same_response(move_constructed, whole.response()),
          "copies and moves keep the response");
  }
  run_connection(offers, behaviour, max_head, seed, bytes, whole, result.bytes_consumed);
  return 0;
}
