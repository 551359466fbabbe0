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
  loop_.cancel_ready(this);
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
          peer_ended_ = true;
          driver_.abort((epoll_events & EPOLLERR) ? "socket error" : "peer hung up");
        }
      }
      break;
    case Phase::lingering:
      linger();
      return;
    case Phase::closed:
      return;
  }
  pump();
}

void SocketSession::on_tick() {
  if (phase_ == Phase::closed) return;
  if (phase_ == Phase::lingering) {
    if (now() >= linger_until_) close_socket("closed");
    return;
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
  // Level-triggered: a bounded slice per wakeup keeps the loop fair. What is left in the socket
  // is announced again by epoll; what TLS has already decrypted, by the loop's ready list
  // (update_interest()).
  constexpr int max_reads = 16;
  constexpr std::size_t byte_budget = 256 * 1024;
  std::size_t bytes_read = 0;
  for (int reads = 0; phase_ == Phase::streaming && driver_.wants_read() && reads < max_reads &&
                      bytes_read < byte_budget;
       ++reads) {
    const StreamResult result = stream_.read(read_buffer_);
    switch (result.kind) {
      case StreamResult::Kind::data:
        bytes_read += result.bytes;
        owner_.on_bytes(result.bytes, 0);
        driver_.receive_in_place(read_buffer_.first(result.bytes), now());
        dispatch_and_flush();  // every event before the buffer is read into again
        // A read that did not fill the buffer emptied the socket: the next would only say
        // EAGAIN (epoll, level-triggered, tells us when more comes). TLS may still hold records
        // it has read, unless its own last read of the socket came up short too.
        if (result.bytes < read_buffer_.size() &&
            (!stream_.secure() || stream_.tls()->input_drained())) {
          return;
        }
        continue;
      case StreamResult::Kind::blocked:
        tls_wants_write_ = result.wants_write;
        return;
      case StreamResult::Kind::end_of_stream:
        peer_ended_ = true;
        driver_.receive_eof(now());
        return;
      case StreamResult::Kind::failed:
        peer_ended_ = true;
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
  if (phase_ == Phase::closed || phase_ == Phase::lingering || dispatching_) return;
  dispatch_and_flush();
  // What the buffers hold now (may hold reading): before a lingering close too, once the
  // driver has given a finished connection's buffers back.
  owner_.on_events_handled();
  if (driver_.should_close()) {
    finish();
    return;
  }
  update_interest();
}

void SocketSession::finish() {
  // The peer may still be sending (a request we refused, frames after a protocol error): a close
  // now would reset the connection and could destroy our last bytes in its receive buffer.
  if (phase_ != Phase::streaming || peer_ended_) {
    close_socket("closed");
    return;
  }
  constexpr Milliseconds linger_time{2'000};
  constexpr std::size_t linger_bytes = 1024 * 1024;
  stream_.shutdown_write();
  phase_ = Phase::lingering;
  linger_until_ = now() + linger_time;
  linger_budget_ = linger_bytes;
  update_interest();
  linger();
}

void SocketSession::linger() {
  for (;;) {
    const StreamResult result = stream_.read_socket(read_buffer_);
    if (result.kind == StreamResult::Kind::blocked) break;
    if (result.kind != StreamResult::Kind::data || result.bytes >= linger_budget_) {
      close_socket("closed");
      return;
    }
    linger_budget_ -= result.bytes;
  }
  if (now() >= linger_until_) close_socket("closed");
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
    case Phase::lingering:
      events = EPOLLIN | EPOLLRDHUP;
      break;
    case Phase::streaming:
      if (driver_.wants_read()) {
        events |= EPOLLIN | EPOLLRDHUP;
        // Records TLS decrypted past the read slice, or while reading waited for backpressure:
        // no readiness event will announce them.
        if (stream_.tls() && stream_.tls()->has_buffered_input()) loop_.mark_ready(this);
      }
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
  loop_.cancel_ready(this);
  if (interest_) loop_.remove(stream_.fd());
  interest_.reset();
  stream_.close();
  owner_.on_socket_closed(why);
}

}  // namespace wscore::transport
