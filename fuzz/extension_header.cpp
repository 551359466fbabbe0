// SPDX-License-Identifier: MIT
// Fuzz target: Sec-WebSocket-Extensions parsing and formatting (RFC 6455 §9.1), and its path
// through the opening handshake.
//
// Input: [choice] [header value...]
//   choice bits 0-3: which of the first four offers the server accepts; bit 4: the server also
//   names an extension of its own.
//
// Invariants: a parsed value holds only tokens (names, parameter names, and values, quoted or
// not, RFC 6455 §9.1); formatting it gives a valid header value that parses back to the same
// offers and formats to the same text; formatting quotes and escapes any other value, which then
// does not parse back; surrounding whitespace changes nothing; parsing appends
// to what the vector held. Through the handshake: the server parser accepts the request exactly
// when the value parses and reports the same offers; a client that offered them accepts a
// server's answer exactly when it names only offered extensions, and sees what it named. The
// permessage-deflate negotiation of the value, both ways, with options from the choice byte, is
// checked as deflate_negotiation.hpp describes.
#include <algorithm>
#include <string>
#include <vector>

#include "deflate_negotiation.hpp"
#include "fuzz_support.hpp"
#include "handshake_checks.hpp"
#include "wscore/connection.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/extension_offer.hpp"

namespace wscore::fuzz {
namespace {

constexpr std::string_view header_name = "Sec-WebSocket-Extensions";

void check_grammar(const std::vector<ExtensionOffer>& offers) {
  for (const ExtensionOffer& offer : offers) {
    check(detail::is_token(offer.name), "extension names are tokens");
    for (const ExtensionParameter& parameter : offer.parameters) {
      check(detail::is_token(parameter.name), "parameter names are tokens");
      check(!parameter.value || detail::is_token(*parameter.value),
            "parameter values are tokens, even when quoted (RFC 6455 9.1)");
    }
  }
}

void check_round_trip(std::string_view value, const std::vector<ExtensionOffer>& offers) {
  const std::string formatted = format_extension_offers(offers);
  check(is_valid_header({header_name, formatted}), "formatted offers are a valid header value");
  std::vector<ExtensionOffer> reparsed;
  check(parse_extension_offers(formatted, reparsed) && reparsed == offers,
        "formatted offers parse back to the same offers");
  check(format_extension_offers(reparsed) == formatted, "formatting is stable");

  std::vector<ExtensionOffer> appended{{"sentinel", {}}};
  check(parse_extension_offers(value, appended), "parsing is deterministic");
  check(appended.size() == offers.size() + 1 && appended.front().name == "sentinel" &&
            std::equal(offers.begin(), offers.end(), appended.begin() + 1),
        "parsing appends");
}

// An offer built by the caller, with any parameter value: a value that is not a token is
// quoted and escaped, and then cannot be parsed back (RFC 6455 §9.1 wants a token inside).
void check_formatting_any_value(std::string_view value) {
  const std::vector<ExtensionOffer> built{{"x", {{"p", std::string(value)}}}};
  const std::string formatted = format_extension_offers(built);
  std::vector<ExtensionOffer> parsed;
  const bool round_trips = parse_extension_offers(formatted, parsed) && parsed == built;
  check(round_trips == detail::is_token(value), "exactly token values round-trip");
  if (detail::is_token(value)) return;
  const std::string_view prefix = "x; p=\"";
  check(formatted.size() >= prefix.size() + 1 && formatted.starts_with(prefix) &&
            formatted.back() == '"',
        "a value that is not a token is quoted");
  std::string unescaped;
  const std::string_view quoted =
      std::string_view(formatted).substr(prefix.size(), formatted.size() - prefix.size() - 1);
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    check(quoted[i] != '"', "quotes inside are escaped");
    if (quoted[i] == '\\') {
      ++i;
      check(i < quoted.size() && (quoted[i] == '"' || quoted[i] == '\\'),
            "only quotes and backslashes are escaped");
    }
    unescaped += quoted[i];
  }
  check(unescaped == value, "the quoted-string holds the value (RFC 9110 5.6.4)");
}

std::string request_with(std::string_view value) {
  std::string request =
      "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  request += header_name;
  request += ": ";
  request += value;
  request += "\r\n\r\n";
  return request;
}

// The offer travels in a request, the server answers with some of it, the client checks.
void check_negotiation(std::string_view value, bool parsed,
                       const std::vector<ExtensionOffer>& offers, std::uint8_t choice) {
  HandshakeRequestParser parser;
  const auto result = parser.feed(as_bytes(request_with(value)));
  if (!parsed) {
    check(result.status == HandshakeRequestParser::Status::failed && parser.error().status == 400,
          "a malformed offer is refused with 400");
  } else {
    check(result.status == HandshakeRequestParser::Status::complete, "a valid offer is accepted");
    const auto seen = parser.request().extensions();
    check(std::equal(seen.begin(), seen.end(), offers.begin(), offers.end()),
          "the server parser sees the same offers");
  }

  ClientHandshake handshake;
  handshake.request.host = "server.example.com";
  handshake.request.extensions = value;
  const auto random = [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0x24};
  };
  Connection client = Connection::client(handshake, {}, random);
  Connection server = Connection::server();
  server.receive(client.pending_output());
  client.consume_output(client.pending_output().size());

  std::vector<ExtensionOffer> accepted;
  for (std::size_t i = 0; i < offers.size() && i < 4; ++i) {
    if (choice & (1u << i)) accepted.push_back(offers[i]);
  }
  const bool foreign = (choice & 0x10) != 0;
  if (foreign) accepted.push_back({"x-server-choice", {{"level", "9"}}});
  bool expect_complete = parsed;
  if (foreign) {
    expect_complete = expect_complete &&
                      std::any_of(offers.begin(), offers.end(), [](const ExtensionOffer& offer) {
                        return offer.name == "x-server-choice";
                      });
  }

  const auto event = server.next_event();
  check(event.has_value(), "the server decides on the request");
  if (!parsed) {
    const auto* failed = std::get_if<HandshakeFailed>(&*event);
    check(failed && failed->error.status == 400, "the server refuses a malformed offer");
  } else {
    check(std::holds_alternative<RequestReceived>(*event), "the server reports the request");
    check(server.accept({.extensions = format_extension_offers(accepted)}) == ApiError::none,
          "accept() with the chosen extensions");
  }
  client.receive(server.pending_output());
  const auto answer = client.next_event();
  check(answer.has_value(), "the client decides on the response");
  if (const auto* completed = std::get_if<HandshakeCompleted>(&*answer)) {
    check(expect_complete, "the client accepts only offered extensions (RFC 6455 4.1)");
    const auto seen = completed->response->extensions();
    check(std::equal(seen.begin(), seen.end(), accepted.begin(), accepted.end()),
          "the client sees the extensions the server named");
  } else {
    const auto* failed = std::get_if<HandshakeFailed>(&*answer);
    check(failed && !expect_complete, "the client refuses only what it must");
    check(failed->error.status == (parsed ? 101 : 400), "with the response's status");
  }
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  using namespace wscore::fuzz;
  InputReader input(data, size);
  const std::uint8_t choice = input.byte();
  const std::string_view value = as_text(as_byte_view(input.rest()));

  check_formatting_any_value(value.substr(0, choice >> 3));
  std::vector<ExtensionOffer> offers;
  const bool parsed = parse_extension_offers(value, offers);
  std::vector<ExtensionOffer> padded;
  const bool padded_parsed = parse_extension_offers(" \t" + std::string(value) + "\t ", padded);
  check(padded_parsed == parsed, "whitespace around the value changes nothing");
  if (parsed) {
    check(padded == offers, "whitespace around the value changes nothing");
    check_grammar(offers);
    check_round_trip(value, offers);
  }
  // Only values that fit in a header line travel through a handshake.
  if (is_valid_header({header_name, value}) && value.size() < 4096) {
    check_negotiation(value, parsed, offers, choice);
  }
  check_deflate_negotiation(value, parsed, offers, choice);
  return 0;
}
