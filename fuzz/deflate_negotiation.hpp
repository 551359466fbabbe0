// SPDX-License-Identifier: MIT
// The permessage-deflate half of extension_header: a parsed Sec-WebSocket-Extensions value read
// as offers and as a response, through RFC 7692 §7.1's negotiation both ways, bare and through
// Connections.
//
// Invariants: an element's parameters read as a response only if they read the same as an
// offer, and format to one element that reads back the same; the server accepts the first offer
// it can honour, and the client's view of its answer is the same agreement, which honours what
// each side asked for; the value taken as a server's answer (to our offer, or its own first
// valid offer answered by its last element) yields an agreement only within the offer, fails on
// a second permessage-deflate, and is ignored without one; Connections refuse options out of
// range and a permessage-deflate named by the caller, and agree with the bare functions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deflate_options.hpp"
#include "fuzz_support.hpp"
#include "wscore/connection.hpp"
#include "wscore/extension_offer.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore::fuzz {

// Options from a byte (deflate_options.hpp); with bits 0-2 and 7 all set, one field is out of
// range.
inline DeflateOptions negotiation_options_from(std::uint8_t bits) {
  DeflateOptions options = deflate_options_from(bits);
  if ((bits & 0x87) == 0x87) {
    switch ((bits >> 3) & 3) {
      case 0:
        options.window_bits = max_window_bits + 1;
        break;
      case 1:
        options.memory_level = 0;
        break;
      case 2:
        options.compression_level = 10;
        break;
      default:
        options.peer_max_window_bits = min_window_bits - 1;
        break;
    }
  }
  return options;
}

inline bool is_window(std::uint8_t bits) {
  return bits >= min_window_bits && bits <= max_window_bits;
}

inline bool is_deflate(const ExtensionOffer& element) {
  return element.name == permessage_deflate_name;
}

inline DeflateParameters reparsed(const DeflateParameters& parameters, DeflateElementKind kind) {
  std::vector<ExtensionOffer> elements;
  const bool parsed = parse_extension_offers(format_deflate_parameters(parameters), elements);
  check(parsed && elements.size() == 1 && is_deflate(elements[0]),
        "formatted parameters are one permessage-deflate element");
  const DeflateParametersRead read = read_deflate_parameters(elements[0], kind);
  check(read.parameters.has_value(), "formatted parameters read back");
  return *read.parameters;
}

// RFC 7692 §7.1: one element's parameters, both ways.
inline void check_parameters(const ExtensionOffer& element) {
  const DeflateParametersRead offer = read_deflate_parameters(element, DeflateElementKind::offer);
  const DeflateParametersRead response =
      read_deflate_parameters(element, DeflateElementKind::response);
  for (const DeflateParametersRead* read : {&offer, &response}) {
    check(read->parameters.has_value() == read->what.empty(), "a reason exactly when invalid");
  }
  check(!response.parameters || offer.parameters == response.parameters,
        "a valid response reads the same as an offer (only an offer may omit a window value)");
  if (offer.parameters) {
    const DeflateParameters& parameters = *offer.parameters;
    check(!parameters.server_max_window_bits || is_window(*parameters.server_max_window_bits),
          "server_max_window_bits is 8-15");
    check(!parameters.client_max_window_bits || is_window(*parameters.client_max_window_bits) ||
              *parameters.client_max_window_bits == DeflateParameters::no_value,
          "client_max_window_bits is 8-15, or no value in an offer");
    check(reparsed(parameters, DeflateElementKind::offer) == parameters,
          "offer parameters format and read back the same");
  }
}

// The server's choice among `offers`, and the client's view of its answer.
inline void check_acceptance(std::span<const ExtensionOffer> offers,
                             const DeflateOptions& options) {
  const std::optional<DeflateAcceptance> acceptance = accept_deflate_offer(offers, options);
  std::optional<std::size_t> first_valid;
  for (std::size_t i = 0; i < offers.size() && !first_valid; ++i) {
    if (is_deflate(offers[i]) &&
        read_deflate_parameters(offers[i], DeflateElementKind::offer).parameters) {
      first_valid = i;
    }
  }
  check(acceptance.has_value() == first_valid.has_value() &&
            (!acceptance || acceptance->offer_index == *first_valid),
        "the first offer that reads valid is accepted (RFC 7692 5.1)");
  if (!acceptance) return;
  const DeflateParameters offer =
      *read_deflate_parameters(offers[*first_valid], DeflateElementKind::offer).parameters;
  const DeflateParameters& response = acceptance->response;
  const DeflateAgreement& agreed = acceptance->agreement;

  const DeflateParameters answer = reparsed(response, DeflateElementKind::response);
  check(answer == response, "the answer formats and reads back the same");
  std::vector<ExtensionOffer> answer_elements;
  check(parse_extension_offers(format_deflate_parameters(response), answer_elements),
        "the answer is a valid header value");
  const DeflateResponseCheck client_view = check_deflate_response(answer_elements, offer);
  check(client_view.what.empty() && client_view.agreement == agreed,
        "the client accepts the server's answer and agrees with it");

  // §7.1.1: no context takeover where either side asked for it.
  check(agreed.server_no_context_takeover ==
            (offer.server_no_context_takeover || options.no_context_takeover),
        "server_no_context_takeover as asked (7.1.1.1)");
  check(agreed.client_no_context_takeover ==
            (offer.client_no_context_takeover || options.peer_no_context_takeover),
        "client_no_context_takeover as asked (7.1.1.2)");
  // §7.1.2: windows no larger than asked for.
  check(is_window(agreed.server_max_window_bits) && is_window(agreed.client_max_window_bits),
        "windows are 8-15");
  check(agreed.server_max_window_bits <= options.window_bits &&
            (!offer.server_max_window_bits ||
             agreed.server_max_window_bits <= *offer.server_max_window_bits),
        "server_max_window_bits within what both asked (7.1.2.1)");
  check(!response.client_max_window_bits || offer.client_max_window_bits,
        "client_max_window_bits only if offered (7.1.2.2)");
  if (offer.client_max_window_bits) {
    check(!options.peer_max_window_bits ||
              agreed.client_max_window_bits <= *options.peer_max_window_bits,
          "client_max_window_bits within what the server asked");
  }
}

// `extensions` taken as a server's answer to `offer`.
inline void check_response(std::span<const ExtensionOffer> extensions,
                           const DeflateParameters& offer) {
  check(reparsed(offer, DeflateElementKind::offer) == offer, "the offer reads back the same");
  const DeflateResponseCheck result = check_deflate_response(extensions, offer);
  const auto count = std::count_if(extensions.begin(), extensions.end(), is_deflate);
  check(!(result.agreement && !result.what.empty()), "an agreement or a reason, not both");
  if (count == 0) {
    check(!result.agreement && result.what.empty(), "without permessage-deflate: not in force");
    return;
  }
  if (count > 1) check(!result.agreement && !result.what.empty(), "accepted twice: fail");
  check(result.agreement || !result.what.empty(), "named: in force, or the handshake fails");
  if (!result.agreement) return;
  const DeflateAgreement& agreed = *result.agreement;
  const auto element = std::find_if(extensions.begin(), extensions.end(), is_deflate);
  const auto response = read_deflate_parameters(*element, DeflateElementKind::response);
  check(response.parameters.has_value(), "only a valid answer is agreed to");
  check(is_window(agreed.server_max_window_bits) && is_window(agreed.client_max_window_bits),
        "windows are 8-15");
  check(!offer.server_no_context_takeover || agreed.server_no_context_takeover,
        "server_no_context_takeover when we asked (7.1.1.1)");
  check(!offer.client_no_context_takeover || agreed.client_no_context_takeover,
        "client_no_context_takeover when we offered it (7.1.1.2)");
  check(!offer.server_max_window_bits ||
            agreed.server_max_window_bits <= *offer.server_max_window_bits,
        "server_max_window_bits at most what we asked (7.1.2.1)");
  check(!offer.client_max_window_bits ||
            *offer.client_max_window_bits == DeflateParameters::no_value ||
            agreed.client_max_window_bits <= *offer.client_max_window_bits,
        "client_max_window_bits at most the value we offered (7.1.2.2)");
}

inline void fixed_random(MutableByteView out) {
  for (auto& b : out)
    b = std::byte{0x42};
}

// A server with `options` answers a client that offers `offers` (written as `value`).
inline void check_server_connection(std::string_view value, bool parsed,
                                    std::span<const ExtensionOffer> offers,
                                    const DeflateOptions& options) {
  ClientHandshake handshake;
  handshake.request.host = "server.example.com";
  handshake.request.extensions = value;
  Connection client = Connection::client(handshake, {}, fixed_random);
  ConnectionOptions server_options;
  server_options.deflate = options;
  Connection server = Connection::server(server_options);
  server.receive(client.pending_output());
  const auto request = server.next_event();
  if (!parsed || !request || !std::holds_alternative<RequestReceived>(*request)) return;
  if (!validate_deflate_options(options).empty()) {
    check(server.accept() == ApiError::invalid_deflate_options,
          "accept() refuses invalid deflate options");
    return;
  }
  if (std::any_of(offers.begin(), offers.end(), is_deflate)) {
    check(server.accept({.extensions = value}) == ApiError::extension_conflict &&
              server.state() == ConnectionState::awaiting_accept,
          "accept() refuses permessage-deflate named by the caller");
  }
  check(server.accept() == ApiError::none, "accept()");
  const auto expected = accept_deflate_offer(offers, options);
  check(server.deflate_agreement() ==
            (expected ? std::optional<DeflateAgreement>(expected->agreement) : std::nullopt),
        "the server puts in force the offer accept_deflate_offer() accepts");
}

// A client with `options` reads `value` as the server's Sec-WebSocket-Extensions. When the
// value's length is odd, the caller also offers the value itself.
inline void check_client_connection(std::string_view value, bool parsed,
                                    std::span<const ExtensionOffer> offers,
                                    const DeflateOptions& options) {
  ConnectionOptions client_options;
  client_options.deflate = options;
  ClientHandshake handshake;
  handshake.request.host = "server.example.com";
  const bool caller_offers = (value.size() & 1) != 0;
  if (caller_offers) handshake.request.extensions = value;
  Connection client = Connection::client(handshake, client_options, fixed_random);
  const bool names_deflate = parsed && std::any_of(offers.begin(), offers.end(), is_deflate);
  if (!validate_deflate_options(options).empty() || (caller_offers && names_deflate)) {
    const auto refused = client.next_event();
    check(refused && std::holds_alternative<HandshakeFailed>(*refused) &&
              std::get<HandshakeFailed>(*refused).error.status == 0 &&
              client.pending_output().empty(),
          "a client refuses invalid deflate options, or permessage-deflate named by the caller");
    return;
  }
  // A server that knows nothing of permessage-deflate answers with the value as it is.
  Connection server = Connection::server();
  server.receive(client.pending_output());
  const auto request = server.next_event();
  if (!request || !std::holds_alternative<RequestReceived>(*request)) {
    check(caller_offers && !parsed, "only a malformed offer from the caller spoils the request");
    return;
  }
  check(server.accept({.extensions = value}) == ApiError::none, "accept() with the value");
  client.receive(server.pending_output());
  const auto answer = client.next_event();
  check(answer.has_value(), "the client decides on the response");

  // The client offered permessage-deflate, and the caller's extensions (the value) if any.
  const bool only_offered = caller_offers || std::all_of(offers.begin(), offers.end(), is_deflate);
  const DeflateResponseCheck result = check_deflate_response(offers, make_deflate_offer(options));
  const bool acceptable = parsed && only_offered && result.what.empty();
  if (std::holds_alternative<HandshakeCompleted>(*answer)) {
    check(acceptable, "the client accepts only an answer it can honour (RFC 6455 4.1)");
    check(client.deflate_agreement() == result.agreement,
          "the client puts in force what check_deflate_response() found");
  } else {
    const auto* failed = std::get_if<HandshakeFailed>(&*answer);
    check(failed != nullptr && !acceptable && failed->error.status == 101,
          "the client refuses only what it must, with the response's status");
  }
}

inline void check_deflate_negotiation(std::string_view value, bool parsed,
                                      std::span<const ExtensionOffer> offers, std::uint8_t choice) {
  const DeflateOptions options = negotiation_options_from(choice);
  for (const ExtensionOffer& element : offers) {
    if (is_deflate(element)) check_parameters(element);
  }
  if (validate_deflate_options(options).empty()) {
    check_acceptance(offers, options);
    check_response(offers, make_deflate_offer(options));
  }
  // The value's first valid offer, answered with its last permessage-deflate element.
  const auto offer = std::find_if(offers.begin(), offers.end(), [](const auto& element) {
    return is_deflate(element) &&
           read_deflate_parameters(element, DeflateElementKind::offer).parameters;
  });
  const auto answer = std::find_if(offers.rbegin(), offers.rend(), is_deflate);
  if (offer != offers.end()) {
    check_response(std::span<const ExtensionOffer>(&*answer, 1),
                   *read_deflate_parameters(*offer, DeflateElementKind::offer).parameters);
  }
  if (is_valid_header({"Sec-WebSocket-Extensions", value}) && value.size() < 4096) {
    check_server_connection(value, parsed, offers, options);
    check_client_connection(value, parsed, offers, options);
  }
}

}  // namespace wscore::fuzz
