// Connection: construction, the opening handshake, state and output. Reading frames is in
// connection_receive.cpp, sending in connection_send.cpp.
#include <algorithm>
#include <cstring>
#include <functional>

#include "connection_deflate.hpp"
#include "wscore/connection.hpp"
#include "wscore/detail/http_head.hpp"

namespace wscore {

struct Connection::HandshakeState {
  std::optional<HandshakeRequestParser> request_parser;    // server role
  HandshakeRequest request;                                // server role, once parsed
  std::optional<HandshakeResponseParser> response_parser;  // client role
  std::optional<DeflateParameters> deflate_offer;          // client role, if we offered it
};

Connection::Connection(Role role, ConnectionOptions options, RandomSource random)
    : role_(role), options_(std::move(options)), random_(std::move(random)) {}

Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection Connection::server(ConnectionOptions options) {
  Connection connection(Role::server, std::move(options), {});
  connection.handshake_ = std::make_unique<HandshakeState>();
  connection.handshake_->request_parser.emplace(connection.options_.max_handshake_size);
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

Connection Connection::client(const ClientHandshake& handshake, RandomSource random,
                              ConnectionOptions options) {
  Connection connection(Role::client, std::move(options), std::move(random));
  const auto refuse = [&connection](std::string_view what) {
    connection.state_ = ConnectionState::closed;
    connection.read_state_ = ReadState::done;
    connection.failed_ = true;
    connection.invalid_request_ = what;
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
  connection.output_.assign(request_bytes, request_bytes + request.size());

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
  connection.state_ = ConnectionState::open;
  connection.read_state_ = ReadState::frame_header;
  return connection;
}

std::optional<Event> Connection::next_handshake_event() {
  HandshakeState& handshake = *handshake_;
  if (role_ == Role::server) {
    auto& parser = *handshake.request_parser;
    const auto result = parser.feed(unparsed_);
    unparsed_ = unparsed_.subspan(result.bytes_consumed);
    switch (result.status) {
      case HandshakeRequestParser::Status::need_more:
        return std::nullopt;
      case HandshakeRequestParser::Status::complete:
        handshake.request = parser.take_request();
        read_state_ = ReadState::awaiting_accept;
        return RequestReceived{&handshake.request};
      case HandshakeRequestParser::Status::failed: {
        const HttpError error = parser.error();
        static constexpr HttpHeader allow_get[] = {{"Allow", "GET"}};
        std::string response;
        write_error_response(response, error.status, error.what,
                             error.status == 405 ? std::span<const HttpHeader>(allow_get)
                                                 : std::span<const HttpHeader>());
        append_output(as_bytes(response));
        state_ = ConnectionState::closed;
        read_state_ = ReadState::done;
        failed_ = true;
        unparsed_ = {};
        return HandshakeFailed{error};
      }
    }
    return std::nullopt;
  }

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
        if (!check.what.empty()) {
          // RFC 6455 §4.1 check 5: an extension response we cannot accept fails the connection.
          state_ = ConnectionState::closed;
          read_state_ = ReadState::done;
          failed_ = true;
          unparsed_ = {};
          return HandshakeFailed{{parser.response().status(), check.what}};
        }
        if (check.agreement) start_deflate(*check.agreement);
      }
      subprotocol_ = parser.response().subprotocol();
      state_ = ConnectionState::open;
      read_state_ = ReadState::frame_header;
      return HandshakeCompleted{&parser.response()};
    case HandshakeResponseParser::Status::failed:
      state_ = ConnectionState::closed;
      read_state_ = ReadState::done;
      failed_ = true;
      unparsed_ = {};
      return HandshakeFailed{parser.error()};
  }
  return std::nullopt;
}

void Connection::release_finished_handshake() noexcept {
  // Once open (or failed) and the handshake event has been seen, the parsers are dead weight.
  if (handshake_ && state_ != ConnectionState::handshake &&
      read_state_ != ReadState::awaiting_accept) {
    handshake_.reset();
  }
}

ApiError Connection::accept(std::optional<std::string_view> subprotocol,
                            std::string_view extensions_response, std::uint8_t extension_rsv_bits,
                            std::span<const HttpHeader> extra_headers) {
  if (role_ != Role::server || read_state_ != ReadState::awaiting_accept) {
    return ApiError::wrong_state;
  }
  const bool valid_extensions = is_valid_header({"Sec-WebSocket-Extensions", extensions_response});
  if (!valid_extensions || !all_valid(extra_headers)) return ApiError::invalid_header;
  const HandshakeRequest& request = handshake_->request;
  const auto offered = request.subprotocols();
  const auto was_offered = [&](std::string_view name) {
    return std::find(offered.begin(), offered.end(), name) != offered.end();
  };
  std::string_view chosen;
  if (subprotocol) {
    // RFC 6455 §4.2.2 item 5.4: the server may only pick one of the client's values.
    if (!subprotocol->empty() && !was_offered(*subprotocol)) {
      return ApiError::subprotocol_not_offered;
    }
    chosen = *subprotocol;
  } else {
    for (const auto& ours : options_.subprotocols) {
      if (was_offered(ours)) {
        chosen = ours;
        break;
      }
    }
  }
  // RFC 7692 §5.1: answer the first permessage-deflate offer we can honour, if any.
  std::string extensions(extensions_response);
  std::optional<DeflateAcceptance> deflate;
  if (options_.deflate.enabled) {
    if (!validate_deflate_options(options_.deflate).empty()) {
      return ApiError::invalid_deflate_options;
    }
    if (names_permessage_deflate(extensions_response)) return ApiError::extension_conflict;
    deflate = accept_deflate_offer(request.extensions(), options_.deflate);
    if (deflate) {
      if (!extensions.empty()) extensions += ", ";
      extensions += format_deflate_parameters(deflate->response);
    }
  }
  std::string response;
  write_accept_response(response, request.key(), AcceptOptions{chosen, extensions, extra_headers});
  append_output(as_bytes(response));
  subprotocol_ = chosen;
  extension_rsv_bits_ = extension_rsv_bits;
  if (deflate) start_deflate(deflate->agreement);
  state_ = ConnectionState::open;
  read_state_ = ReadState::frame_header;
  handshake_.reset();
  return ApiError::none;
}

ApiError Connection::reject(int status, std::string_view body,
                            std::span<const HttpHeader> headers) {
  if (role_ != Role::server || read_state_ != ReadState::awaiting_accept) {
    return ApiError::wrong_state;
  }
  if (!all_valid(headers)) return ApiError::invalid_header;
  std::string response;
  write_error_response(response, status, body, headers);
  append_output(as_bytes(response));
  state_ = ConnectionState::closed;
  read_state_ = ReadState::done;
  unparsed_ = {};
  handshake_.reset();
  return ApiError::none;
}

TransportAction Connection::transport_action() const noexcept {
  if (state_ != ConnectionState::closed) return TransportAction::keep_open;
  // RFC 6455 §7.1.1: after a clean close handshake the server closes the TCP connection first;
  // the client waits for it. Any failure closes at once (§7.1.7).
  const bool clean_close = close_sent_ && close_received_ && !failed_;
  if (role_ == Role::client && clean_close) return TransportAction::await_peer_close;
  return TransportAction::close_when_flushed;
}

void Connection::append_output(ByteView bytes) {
  compact_output();
  output_.insert(output_.end(), bytes.begin(), bytes.end());
  unsent_pong_at_.reset();
}

void Connection::compact_output() noexcept {
  // Drop written bytes once they outweigh the unwritten ones, so a caller that drains in small
  // pieces does not make the buffer grow (amortised O(1) per byte).
  if (output_consumed_ == 0 || output_consumed_ < output_.size() - output_consumed_) return;
  output_.erase(output_.begin(), output_.begin() + static_cast<std::ptrdiff_t>(output_consumed_));
  if (unsent_pong_at_) *unsent_pong_at_ -= output_consumed_;
  output_consumed_ = 0;
}

void Connection::consume_output(std::size_t bytes_written) noexcept {
  output_consumed_ += std::min(bytes_written, output_.size() - output_consumed_);
  if (unsent_pong_at_ && *unsent_pong_at_ < output_consumed_) unsent_pong_at_.reset();
  if (output_consumed_ == output_.size()) {
    output_.clear();
    output_consumed_ = 0;
  }
}

void Connection::release_idle_buffers() noexcept {
  if (!in_message_) {
    message_.clear();
    message_.shrink_to_fit();
  }
  if (output_consumed_ == output_.size()) {
    output_.clear();
    output_.shrink_to_fit();
    output_consumed_ = 0;
  }
  if (unparsed_.empty()) {
    owned_input_.clear();
    owned_input_.shrink_to_fit();
  }
  if (deflate_) deflate_->release_idle(!in_message_, !sending_fragments_);
}

std::size_t Connection::memory_usage() const noexcept {
  std::size_t bytes = sizeof(Connection) + message_.capacity() + output_.capacity() +
                      owned_input_.capacity() + subprotocol_.capacity();
  if (deflate_) bytes += deflate_->memory_usage();
  return bytes;
}

const char* to_string(ApiError error) noexcept {
  switch (error) {
    case ApiError::none:
      return "no error";
    case ApiError::wrong_state:
      return "not allowed in the connection's current state";
    case ApiError::message_in_progress:
      return "a fragmented message is still being sent";
    case ApiError::control_payload_too_large:
      return "control frame payload over 125 bytes";
    case ApiError::invalid_close_code:
      return "close code that may not be sent";
    case ApiError::invalid_utf8:
      return "text that is not valid UTF-8";
    case ApiError::no_random_source:
      return "client role needs a random source for masking";
    case ApiError::subprotocol_not_offered:
      return "subprotocol the client did not offer";
    case ApiError::invalid_header:
      return "header that is not a token or holds CR, LF or NUL";
    case ApiError::invalid_deflate_options:
      return "permessage-deflate options out of range";
    case ApiError::extension_conflict:
      return "permessage-deflate is negotiated by the connection itself";
    case ApiError::out_of_memory:
      return "zlib could not get memory";
  }
  return "unknown error";
}

}  // namespace wscore
