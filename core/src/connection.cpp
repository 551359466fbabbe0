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
  bool plain_http = false;  // server role: the request was reported as HttpRequestReceived
};

Connection::Connection(Role role, ConnectionOptions options, RandomSource random)
    : role_(role), options_(std::move(options)), random_(std::move(random)), frames_(role) {}

Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

void Connection::enter(ConnectionState next) noexcept {
  using State = ConnectionState;
  const auto allowed = [this](State to) {
    switch (state_) {
      case State::handshake:
        return to == (role_ == Role::server ? State::awaiting_accept : State::open) ||
               to == State::failed;
      case State::awaiting_accept:
        return to == State::open || to == State::closed || to == State::failed;
      case State::open:
        return to == State::close_sent || to == State::closed || to == State::failed;
      case State::close_sent:
        return to == State::closed || to == State::failed;
      case State::closed:
      case State::failed:
        return false;
    }
    return false;
  };
  if (!allowed(next)) return;  // unreachable from the public API: every caller checks first
  state_ = next;
  if (next == State::closed || next == State::failed) {
    // Nothing more is read (RFC 6455 §7.1.7, §5.5.1); a message in progress is abandoned.
    unparsed_ = {};
    in_message_ = false;
    read_state_ = ReadState::frames;
  }
}

bool Connection::reading() const noexcept {
  return state_ != ConnectionState::closed && state_ != ConnectionState::failed;
}

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

void Connection::abort(std::string_view reason) {
  if (!reading()) return;
  abort_reason_ = reason;
  const bool opening =
      state_ == ConnectionState::handshake || state_ == ConnectionState::awaiting_accept;
  if (opening) {
    queued_event_ = HandshakeFailed{{0, abort_reason_}};
  } else {
    queued_event_ = ConnectionLost{close_code::abnormal_closure, abort_reason_};
  }
  enter(ConnectionState::failed);
  // Nothing more goes out: the transport has given up on the stream.
  output_.clear();
  output_consumed_ = 0;
  unsent_pong_at_.reset();
}

TransportAction Connection::transport_action() const noexcept {
  switch (state_) {
    case ConnectionState::handshake:
    case ConnectionState::awaiting_accept:
    case ConnectionState::open:
    case ConnectionState::close_sent:
      return TransportAction::keep_open;
    case ConnectionState::closed:
      // RFC 6455 §7.1.1: after a clean close handshake the server closes the TCP connection
      // first; the client waits for it.
      return role_ == Role::client ? TransportAction::await_peer_close
                                   : TransportAction::close_when_flushed;
    case ConnectionState::failed:
      return TransportAction::close_when_flushed;  // §7.1.7: at once
  }
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

std::size_t Connection::write_output(MutableByteView out) noexcept {
  const ByteView pending = pending_output();
  const std::size_t size = std::min(pending.size(), out.size());
  if (size != 0) std::memcpy(out.data(), pending.data(), size);
  consume_output(size);
  return size;
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
    case ApiError::plain_http_not_enabled:
      return "respond() needs ConnectionOptions::plain_http";
    case ApiError::outbound_buffer_full:
      return "the outbound buffer is over its limit";
  }
  return "unknown error";
}

}  // namespace wscore
