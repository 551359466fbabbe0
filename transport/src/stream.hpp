// SPDX-License-Identifier: MIT
// A connected non-blocking socket, optionally under TLS: the one place that turns recv/send and
// TlsSession results into what the server and client connections act on.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "wscore/bytes.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::transport {

struct StreamResult {
  enum class Kind { data, blocked, end_of_stream, failed };
  Kind kind = Kind::data;
  std::size_t bytes = 0;
  bool wants_write = false;  // TLS needs the socket writable to go on
  std::string error;         // when failed

  static StreamResult of(Kind kind, std::size_t bytes = 0, bool wants_write = false,
                         std::string error = {}) {
    StreamResult result;
    result.kind = kind;
    result.bytes = bytes;
    result.wants_write = wants_write;
    result.error = std::move(error);
    return result;
  }
};

class Stream {
 public:
  explicit Stream(int fd) : fd_(fd) {}
  Stream(int fd, TlsSession tls) : fd_(fd), tls_(std::move(tls)) {}

  int fd() const { return fd_; }
  bool secure() const { return tls_.has_value(); }
  TlsSession* tls() { return tls_ ? &*tls_ : nullptr; }

  StreamResult read(MutableByteView buffer) {
    if (tls_) return from_tls(tls_->read(buffer));
    return read_socket(buffer);
  }
  // The socket's bytes as they are, below TLS (to throw away after shutdown_write()).
  StreamResult read_socket(MutableByteView buffer) {
    const ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (received > 0)
      return StreamResult::of(StreamResult::Kind::data, static_cast<std::size_t>(received));
    if (received == 0) return StreamResult::of(StreamResult::Kind::end_of_stream);
    return from_errno();
  }

  // Takes what it can of `bytes`; what it took is never offered again.
  StreamResult write(ByteView bytes) {
    if (tls_) return from_tls(tls_->write(bytes));
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent >= 0) {
      const auto taken = static_cast<std::size_t>(sent);
      return StreamResult::of(
          taken == bytes.size() ? StreamResult::Kind::data : StreamResult::Kind::blocked, taken);
    }
    return from_errno();
  }

  // TLS: sends what earlier writes took but could not send; plain: nothing to do.
  StreamResult flush() {
    if (!tls_) return StreamResult::of(StreamResult::Kind::data);
    return from_tls(tls_->flush());
  }

  // TLS: drives the handshake; plain: done at once.
  StreamResult handshake() {
    if (!tls_) return StreamResult::of(StreamResult::Kind::data);
    return from_tls(tls_->handshake());
  }

  // Best effort: close_notify under TLS, then no more writes on the socket (the peer sees end of
  // stream; we may still read).
  void shutdown_write() {
    if (fd_ < 0) return;
    if (tls_ && tls_->handshake_complete()) (void)tls_->close_notify();
    ::shutdown(fd_, SHUT_WR);
  }
  // Best effort: close_notify under TLS, then close the socket.
  void close() {
    if (fd_ < 0) return;
    if (tls_ && tls_->handshake_complete()) (void)tls_->close_notify();
    ::close(fd_);
    fd_ = -1;
  }

 private:
  StreamResult from_tls(IoResult result) {
    switch (result.status) {
      case IoStatus::ok:
        return StreamResult::of(StreamResult::Kind::data, result.bytes);
      case IoStatus::want_read:
        return StreamResult::of(StreamResult::Kind::blocked, result.bytes);
      case IoStatus::want_write:
        return StreamResult::of(StreamResult::Kind::blocked, result.bytes, true);
      case IoStatus::closed:
        return StreamResult::of(StreamResult::Kind::end_of_stream, result.bytes);
      case IoStatus::error:
        break;
    }
    return StreamResult::of(StreamResult::Kind::failed, 0, false, std::string(tls_->error()));
  }

  static StreamResult from_errno() {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return StreamResult::of(StreamResult::Kind::blocked);
    }
    return StreamResult::of(StreamResult::Kind::failed, 0, false, std::strerror(errno));
  }

  int fd_;
  std::optional<TlsSession> tls_;
};

}  // namespace wscore::transport
