// SPDX-License-Identifier: MIT
#include "wscore/asio/session.hpp"

#include <sys/random.h>

namespace wscore::asio {

ClientRequest ClientRequest::from(const ClientRequestOptions& options) {
  ClientRequest request{std::string(options.host),       std::string(options.target),
                        std::string(options.origin),     {},
                        std::string(options.extensions), {}};
  request.subprotocols.assign(options.subprotocols.begin(), options.subprotocols.end());
  for (const HttpHeader& header : options.extra_headers) {
    request.extra_headers.emplace_back(header.name, header.value);
  }
  return request;
}

void Session::start_server(Milliseconds now) {
  ConnectionOptions connection = options_.connection;
  connection.plain_http = false;  // no HttpRequestReceived: the stream has no way to answer one
  driver_.emplace(Driver::server(std::move(connection), options_.policy, now));
}

void Session::start_client(const ClientRequest& request, Milliseconds now) {
  const std::vector<std::string_view> subprotocols(request.subprotocols.begin(),
                                                   request.subprotocols.end());
  std::vector<HttpHeader> extra_headers;
  for (const auto& [name, value] : request.extra_headers)
    extra_headers.push_back({name, value});
  ClientHandshake handshake{};
  handshake.request = {request.host, request.target,     request.origin,
                       subprotocols, request.extensions, extra_headers};
  RandomSource random = system_random_source();
  random(handshake.nonce);
  // The request is written into the driver's output here: the views need not outlive this call.
  driver_.emplace(
      Driver::client(handshake, options_.connection, std::move(random), options_.policy, now));
}

Session::Pulled Session::pull() {
  using Kind = Pulled::Kind;
  while (std::optional<Event> event = driver_->next_event()) {
    const Pulled pulled = std::visit(
        Overloaded{
            [&](const RequestReceived& received) {
              request_ = *received.request;
              return Pulled{.kind = Kind::request};
            },
            [](const HttpRequestReceived&) { return Pulled{}; },  // plain_http is off
            [](const HandshakeCompleted&) { return Pulled{.kind = Kind::handshake_completed}; },
            [&](const HandshakeFailed& failed) {
              note_ending({Error::handshake_failed, 0, std::string(failed.error.what),
                           failed.error.status, std::nullopt});
              return Pulled{};
            },
            [](const MessageReceived& message) {
              return Pulled{Kind::data, message.type, message.data, true};
            },
            [](const FragmentReceived& fragment) {
              return Pulled{Kind::data, fragment.type, fragment.data, fragment.message_finished};
            },
            [](const PingReceived&) { return Pulled{}; },  // the core queued the Pong
            [](const PongReceived&) { return Pulled{}; },  // the driver saw the traffic
            [&](const CloseReceived& close) {
              note_ending({Error::closed, close.code, std::string(close.reason), 0, std::nullopt});
              return Pulled{};
            },
            [&](const ProtocolError& error) {
              note_ending({Error::protocol_error, error.code, std::string(error.what()), 0,
                           error.violation});
              return Pulled{};
            },
            [&](const ConnectionLost& lost) {
              note_ending(
                  {Error::connection_lost, lost.code, std::string(lost.reason), 0, std::nullopt});
              return Pulled{};
            },
        },
        *event);
    if (pulled.kind == Kind::data) {
      message_type_ = pulled.type;
      message_done_ = pulled.message_finished;
    }
    if (pulled.kind != Kind::nothing) return pulled;
  }
  return {};
}

void Session::note_refused(int status) {
  note_ending(
      {Error::handshake_failed, 0, "refused with " + std::to_string(status), status, std::nullopt});
}

void Session::note_ending(Ending ending) {
  // A connection the driver gave up on at a deadline ends with the event of that (a failed
  // handshake or a lost connection): the operation waiting for it timed out.
  if (gave_up_in_advance_ &&
      (ending.error == Error::handshake_failed || ending.error == Error::connection_lost)) {
    ending.error = Error::timeout;
  }
  ending_ = std::move(ending);
}

void Session::advance(Milliseconds now) {
  const auto over = [this] {
    const ConnectionState state = driver_->connection().state();
    return state == ConnectionState::closed || state == ConnectionState::failed;
  };
  const bool over_before = over();
  driver_->advance(now);
  if (!over_before && over()) gave_up_in_advance_ = true;
}

void Session::finish() {
  if (!driver_) return;
  // Nothing is read any more; what is left can only be the terminal event.
  while (pull().kind != Pulled::Kind::nothing) {
  }
}

std::size_t Session::take_output(MutableByteView out) noexcept {
  const std::size_t taken = driver_->write_output(out);
  bytes_taken_ += taken;
  return taken;
}

boost::system::error_code Session::ending_error() const noexcept {
  if (!ending_) return ApiError::wrong_state;
  return ending_->error;
}

RandomSource system_random_source() {
  return [](MutableByteView out) {
    std::size_t filled = 0;
    while (filled < out.size()) {
      const ssize_t got = getrandom(out.data() + filled, out.size() - filled, 0);
      if (got > 0) filled += static_cast<std::size_t>(got);  // else EINTR: again
    }
  };
}

}  // namespace wscore::asio
