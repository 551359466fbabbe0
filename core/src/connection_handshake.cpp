// SPDX-License-Identifier: MIT
// Connection: the opening handshake (RFC 6455 §4) in both roles — the factories, the server's
// request and answers (accept, reject, respond to plain HTTP), the client's response checks.
#include <algorithm>
#include <cstring>
#include <functional>

#include "connection_deflate.hpp"
#include "connection_handshake.hpp"
#include "wscore/detail/http_head.hpp"

namespace wscore {

Connection Connection::server(ConnectionOptions options) {
  Connection connection(Role::server, std::move(options), {});
  connection.handshake_ = std::make_unique<HandshakeState>();
  connection.handshake_->request_parser.emplace(connection.options_.max_handshake_size,
                                                connection.options_.plain_http);
  return connection;
}

namespace {

bool all_valid(std::span<const HttpHeader> headers) {
  return std::all_of(headers.begin(), headers.end(),
                     [](const HttpHeader& header) { return is_valid_header(header); });
}

// What goes into the client's request line and headers must not be able to inject lines.
bool is_valid_client_request(const ClientRequestOptions& request) {
  const bool target_ok = request.target.empty() || detail::is_origin_form(request.target);
  const bool subprotocols_ok =
      std::all_of(request.subprotocols.begin(), request.subprotocols.end(), detail::is_token);
  return target_ok && subprotocols_ok && detail::is_valid_host(request.host) &&
         is_valid_header({"Origin", request.origin}) &&
         is_valid_header({"Sec-WebSocket-Extensions", request.extensions}) &&
         all_valid(request.extra_headers);
}

// True if the Sec-WebSocket-Extensions value names permessage-deflate.
bool names_permessage_deflate(std::string_view extensions) {
  std::vector<ExtensionOffer> elements;
  if (!parse_extension_offers(extensions, elements)) return false;
  return std::any_of(elements.begin(), elements.end(), [](const ExtensionOffer& element) {
    return element.name == permessage_deflate_name;
  });
}

}  // namespace

Connection Connection::client(const ClientHandshake& handshake, ConnectionOptions options,
                              RandomSource random) {
  Connection connection(Role::client, std::move(options), std::move(random));
  const auto refuse = [&connection](std::string_view what) {
    connection.enter(ConnectionState::failed);
    connection.queued_event_ = HandshakeFailed{{0, what}};
    return std::move(connection);
  };
  // With permessage-deflate on, our offer follows the caller's (RFC 7692 §5.1).
  ClientRequestOptions request_options = handshake.request;
  std::string extensions;
  std::optional<DeflateParameters> deflate_offer;
  if (connection.options_.deflate.enabled) {
    if (!validate_deflate_options(connection.options_.deflate).empty()) {
      return refuse("invalid permessage-deflate options");
    }
    if (names_permessage_deflate(request_options.extensions)) {
      return refuse("extensions offer permessage-deflate, which the connection offers itself");
    }
    deflate_offer = make_deflate_offer(connection.options_.deflate);
    extensions = request_options.extensions;
    if (!extensions.empty()) extensions += ", ";
    extensions += format_deflate_parameters(*deflate_offer);
    request_options.extensions = extensions;
  }
  if (!is_valid_client_request(request_options)) {
    return refuse("invalid client request options (header, target or subprotocol)");
  }
  std::string request;
  std::string key = write_client_request(request, request_options, handshake.nonce);
  const auto* request_bytes = reinterpret_cast<const std::byte*>(request.data());
  connection.output_.resize_amortised(request.size());
  std::memcpy(connection.output_.data(), request_bytes, request.size());

  std::vector<std::string> offered_subprotocols(handshake.request.subprotocols.begin(),
                                                handshake.request.subprotocols.end());
  std::vector<ExtensionOffer> offers;
  std::vector<std::string> offered_extension_names;
  if (parse_extension_offers(request_options.extensions, offers)) {
    for (auto& offer : offers)
      offered_extension_names.push_back(std::move(offer.name));
  }
  connection.handshake_ = std::make_unique<HandshakeState>();
  connection.handshake_->response_parser.emplace(std::move(key), std::move(offered_subprotocols),
                                                 std::move(offered_extension_names),
                                                 connection.options_.max_handshake_size);
  connection.handshake_->deflate_offer = deflate_offer;
  return connection;
}

Connection Connection::open(Role role, ConnectionOptions options, RandomSource random) {
  Connection connection(role, std::move(options), std::move(random));
  connection.state_ = ConnectionState::open;  // born open: no transition to make
  return connection;
}

std::optional<Event> Connection::next_handshake_event() {
  return role_ == Role::server ? next_server_handshake_event() : next_client_handshake_event();
}

std::optional<Event> Connection::fail_handshake(HttpError error) {
  enter(ConnectionState::failed);
  return HandshakeFailed{error};
}

std::optional<Event> Connection::next_server_handshake_event() {
  HandshakeState& handshake = *handshake_;
  auto& parser = *handshake.request_parser;
  const auto result = parser.feed(unparsed_);
  unparsed_ = unparsed_.subspan(result.bytes_consumed);
  switch (result.status) {
    case HandshakeRequestParser::Status::need_more:
      return std::nullopt;
    case HandshakeRequestParser::Status::complete:
      handshake.request = parser.take_request();
      enter(ConnectionState::awaiting_accept);
      return RequestReceived{&handshake.request};
    case HandshakeRequestParser::Status::http_request:
      handshake.request = parser.take_request();
      handshake.plain_http = true;
      enter(ConnectionState::awaiting_accept);
      return HttpRequestReceived{&handshake.request};
    case HandshakeRequestParser::Status::failed: {
      const HttpError error = parser.error();
      static constexpr HttpHeader allow_get[] = {{"Allow", "GET"}};
      std::string response;
      write_error_response(response, error.status, error.what,
                           error.status == 405 ? std::span<const HttpHeader>(allow_get)
                                               : std::span<const HttpHeader>());
      append_output(as_bytes(response));
      return fail_handshake(error);
    }
  }
  return std::nullopt;
}

std::optional<Event> Connection::next_client_handshake_event() {
  HandshakeState& handshake = *handshake_;
  auto& parser = *handshake.response_parser;
  const auto result = parser.feed(unparsed_);
  unparsed_ = unparsed_.subspan(result.bytes_consumed);
  switch (result.status) {
    case HandshakeResponseParser::Status::need_more:
      return std::nullopt;
    case HandshakeResponseParser::Status::complete:
      if (handshake.deflate_offer) {
        const DeflateResponseCheck check =
            check_deflate_response(parser.response().extensions(), *handshake.deflate_offer);
        // RFC 6455 §4.1 check 5: an extension response we cannot accept fails the connection.
        if (!check.what.empty()) return fail_handshake({parser.response().status(), check.what});
        if (check.agreement) start_deflate(*check.agreement);
      }
      subprotocol_ = parser.response().subprotocol();
      enter(ConnectionState::open);
      return HandshakeCompleted{&parser.response()};
    case HandshakeResponseParser::Status::failed:
      return fail_handshake(parser.error());
  }
  return std::nullopt;
}

void Connection::release_finished_handshake() noexcept {
  // Once open (or over) and the handshake event has been seen, the parsers are dead weight.
  if (handshake_ && state_ != ConnectionState::handshake &&
      state_ != ConnectionState::awaiting_accept) {
    handshake_.reset();
  }
}

ApiError Connection::accept(const AcceptOptions& options) {
  if (role_ != Role::server || state_ != ConnectionState::awaiting_accept ||
      handshake_->plain_http) {
    return ApiError::wrong_state;
  }
  const bool valid_extensions = is_valid_header({"Sec-WebSocket-Extensions", options.extensions});
  if (!valid_extensions || !all_valid(options.extra_headers)) return ApiError::invalid_header;
  const HandshakeRequest& request = handshake_->request;
  const auto offered = request.subprotocols();
  const auto was_offered = [&](std::string_view name) {
    return std::find(offered.begin(), offered.end(), name) != offered.end();
  };
  std::string_view chosen;
  if (options.subprotocol) {
    // RFC 6455 §4.2.2 item 5.4: the server may only pick one of the client's values.
    if (!options.subprotocol->empty() && !was_offered(*options.subprotocol)) {
      return ApiError::subprotocol_not_offered;
    }
    chosen = *options.subprotocol;
  } else {
    for (const auto& ours : options_.subprotocols) {
      if (was_offered(ours)) {
        chosen = ours;
        break;
      }
    }
  }
  // RFC 7692 §5.1: answer the first permessage-deflate offer we can honour, if any.
  std::string extensions(options.extensions);
  std::optional<DeflateAcceptance> deflate;
  if (options_.deflate.enabled) {
    if (!validate_deflate_options(options_.deflate).empty()) {
      return ApiError::invalid_deflate_options;
    }
    if (names_permessage_deflate(options.extensions)) return ApiError::extension_conflict;
    deflate = accept_deflate_offer(request.extensions(), options_.deflate);
    if (deflate) {
      if (!extensions.empty()) extensions += ", ";
      extensions += format_deflate_parameters(deflate->response);
    }
  }
  std::string response;
  write_accept_response(response, request.key(),
                        AcceptResponse{chosen, extensions, options.extra_headers});
  append_output(as_bytes(response));
  subprotocol_ = chosen;
  frames_.set_extension_rsv_bits(options.extension_rsv_bits);
  if (deflate) start_deflate(deflate->agreement);
  enter(ConnectionState::open);
  handshake_.reset();
  return ApiError::none;
}

ApiError Connection::reject(int status, std::string_view body,
                            std::span<const HttpHeader> headers) {
  if (role_ != Role::server || state_ != ConnectionState::awaiting_accept) {
    return ApiError::wrong_state;
  }
  if (!all_valid(headers)) return ApiError::invalid_header;
  std::string response;
  write_error_response(response, status, body, headers);
  append_output(as_bytes(response));
  enter(ConnectionState::closed);
  handshake_.reset();
  return ApiError::none;
}

ApiError Connection::respond(const HttpResponse& response) {
  if (role_ != Role::server) return ApiError::wrong_state;
  if (!options_.plain_http) return ApiError::plain_http_not_enabled;
  if (state_ != ConnectionState::awaiting_accept || !handshake_->plain_http) {
    return ApiError::wrong_state;
  }
  if (!all_valid(response.headers) || !is_valid_header({"Content-Type", response.content_type})) {
    return ApiError::invalid_header;
  }
  std::string text;
  write_http_response(text, response);
  append_output(as_bytes(text));
  enter(ConnectionState::closed);
  handshake_.reset();
  return ApiError::none;
}

}  // namespace wscore
