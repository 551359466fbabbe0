// SPDX-License-Identifier: MIT
#include "socket_session.hpp"

#include <sys/epoll.h>

#include <cstring>

#include "wscore/transport/socket.hpp"

namespace wscore::transport {

SocketSession::SocketSession(EventLoop& loop, Stream stream, Driver driver, Owner& owner,
                             MutableByteView read_buffer, Start start)
    : loop_(loop),
      stream_(std::move(stream)),
      driver_(std::move(driver)),
      owner_(owner),
      read_buffer_(read_buffer),
      phase_(start == Start::connecting ? Phase::connecting
             : stream_.secure()         ? Phase::tls_handshake
                                        : Phase::streaming) {
  update_interest();
}

SocketSession::~SocketSession() {
  if (phase_ == Phase::closed) return;
  if (interest_) loop_.remove(stream_.fd());
  stream_.close();
}

void SocketSession::on_io(std::uint32_t epoll_events) {
  switch (phase_) {
    case Phase::connecting:
      if (epoll_events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) finish_connect();
      break;
    case Phase::tls_handshake:
      continue_tls_handshake();
      break;
    case Phase::streaming:
      if (epoll_events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        if (driver_.wants_read()) {
          read_available();
        } else if (epoll_events & (EPOLLHUP | EPOLLERR)) {
          // Not reading (backpressure, or only writing what is left): the socket is gone.
          driver_.abort((epoll_events & EPOLLERR) ? "socket error" : "peer hung up");
        }
      }
      break;
    case Phase::closed:
      return;
  }
  pump();
}

void SocketSession::on_tick() {
  if (phase_ == Phase::closed) return;
  // Input TLS decrypted while reading waited: no readiness event will announce it.
  if (phase_ == Phase::streaming && driver_.wants_read() && stream_.tls() &&
      stream_.tls()->has_buffered_input()) {
    read_available();
  }
  driver_.advance(now());
  pump();
}

void SocketSession::finish_connect() {
  const int error = connect_error(stream_.fd());
  if (error != 0) {
    if (std::optional<Stream> next = owner_.next_stream(error)) {
      if (interest_) loop_.remove(stream_.fd());
      interest_.reset();
      stream_.close();
      stream_ = std::move(*next);  // registered by pump()
      return;
    }
    driver_.abort(std::string("connection refused: ") + std::strerror(error));
    return;
  }
  phase_ = stream_.secure() ? Phase::tls_handshake : Phase::streaming;
  if (phase_ == Phase::tls_handshake) continue_tls_handshake();
}

void SocketSession::continue_tls_handshake() {
  const StreamResult result = stream_.handshake();
  tls_wants_write_ = result.wants_write;
  switch (result.kind) {
    case StreamResult::Kind::data:
      phase_ = Phase::streaming;
      if (driver_.wants_read()) read_available();  // records may follow the handshake at once
      return;
    case StreamResult::Kind::blocked:
      return;
    case StreamResult::Kind::end_of_stream:
    case StreamResult::Kind::failed:
      driver_.abort(result.error.empty() ? "TLS handshake failed" : result.error);
      return;
  }
}

void SocketSession::read_available() {
  // Level-triggered: a bounded number of reads per wakeup keeps the loop fair; TLS may hold
  // decrypted bytes the socket no longer signals, so it reads until the layer runs dry.
  for (int reads = 0;
       phase_ == Phase::streaming && driver_.wants_read() && (stream_.secure() || reads < 4);
       ++reads) {
    const StreamResult result = stream_.read(read_buffer_);
    switch (result.kind) {
      case StreamResult::Kind::data:
        owner_.on_bytes(result.bytes, 0);
        driver_.receive_in_place(read_buffer_.first(result.bytes), now());
        dispatch_and_flush();  // every event before the buffer is read into again
        continue;
      case StreamResult::Kind::blocked:
        tls_wants_write_ = result.wants_write;
        return;
      case StreamResult::Kind::end_of_stream:
        driver_.receive_eof(now());
        return;
      case StreamResult::Kind::failed:
        driver_.abort(result.error);
        return;
    }
  }
}

void SocketSession::flush() {
  if (phase_ == Phase::tls_handshake) {
    continue_tls_handshake();
    return;
  }
  if (phase_ != Phase::streaming) return;
  const StreamResult earlier = stream_.flush();
  tls_wants_write_ = earlier.wants_write;
  if (earlier.kind == StreamResult::Kind::failed) {
    driver_.abort("write failed: " + earlier.error);
    return;
  }
  if (earlier.kind == StreamResult::Kind::blocked) return;
  while (!driver_.pending_output().empty()) {
    const StreamResult result = stream_.write(driver_.pending_output());
    driver_.consume_output(result.bytes);
    owner_.on_bytes(0, result.bytes);
    tls_wants_write_ = result.wants_write;
    if (result.kind == StreamResult::Kind::failed ||
        result.kind == StreamResult::Kind::end_of_stream) {
      driver_.abort("write failed: " + result.error);
      return;
    }
    if (result.kind == StreamResult::Kind::blocked) return;
  }
}

void SocketSession::dispatch_and_flush() {
  if (dispatching_) return;  // the pump around the owner's on_event goes on after it
  dispatching_ = true;
  for (;;) {
    std::optional<Event> event = driver_.next_event();
    if (!event) {
      flush();
      event = driver_.next_event();  // a failed write is an event too
      if (!event) break;
    }
    owner_.on_event(*event);
  }
  dispatching_ = false;
}

void SocketSession::pump() {
  if (phase_ == Phase::closed || dispatching_) return;
  dispatch_and_flush();
  if (driver_.should_close()) {
    close_socket("closed");
    return;
  }
  update_interest();
}

void SocketSession::close_now(std::string_view why) {
  if (phase_ == Phase::closed) return;
  driver_.abort(why);
  dispatch_and_flush();
  close_socket(why);
}

void SocketSession::update_interest() {
  std::uint32_t events = 0;
  switch (phase_) {
    case Phase::connecting:
      events = EPOLLOUT;
      break;
    case Phase::tls_handshake:
      events = EPOLLIN;
      if (tls_wants_write_) events |= EPOLLOUT;
      break;
    case Phase::streaming:
      if (driver_.wants_read()) events |= EPOLLIN | EPOLLRDHUP;
      if (!driver_.pending_output().empty() || tls_wants_write_) events |= EPOLLOUT;
      break;
    case Phase::closed:
      return;
  }
  if (interest_ == events) return;
  if (interest_) {
    loop_.modify(stream_.fd(), events, this);
  } else {
    loop_.add(stream_.fd(), events, this);
  }
  interest_ = events;
}

void SocketSession::close_socket(std::string_view why) {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  if (interest_) loop_.remove(stream_.fd());
  interest_.reset();
  stream_.close();
  owner_.on_socket_closed(why);
}

}  // namespace wscore::transport
