// SPDX-License-Identifier: MIT
// One socket (plain or TLS) driven by one wscore::Driver on an EventLoop: the read loop, the
// write loop, readiness interest, the timer tick and the hand-off of every event to the owner.
// The server's and the client's connections both run on it; it holds no protocol rule — the
// driver decides what to write, when to read, when to give up and when to close.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stream.hpp"
#include "wscore/driver.hpp"
#include "wscore/transport/event_loop.hpp"

namespace wscore::transport {

class SocketSession final : public IoHandler {
 public:
  class Owner {
   public:
    // Every event the driver reports, in order. The owner may act on the driver (send, close,
    // accept, ...); the session writes the result once the owner returns.
    virtual void on_event(const Event& event) = 0;
    // The socket was closed (the driver said so, or close_now()); nothing follows.
    virtual void on_socket_closed(std::string_view why) = 0;
    // Bytes moved, for counters.
    virtual void on_bytes(std::size_t read, std::size_t written) {
      (void)read;
      (void)written;
    }
    // After each round of events, before reading is armed again (a memory budget over many
    // sessions may hold reading here).
    virtual void on_events_handled() {}
    // Connecting: the connect failed with `error` (errno); another socket to try, if any.
    virtual std::optional<Stream> next_stream(int error) {
      (void)error;
      return std::nullopt;
    }

   protected:
    ~Owner() = default;
  };

  enum class Start : std::uint8_t { connecting, connected };

  // `read_buffer` may be shared by every session of a loop: the driver copies what it keeps.
  SocketSession(EventLoop& loop, Stream stream, Driver driver, Owner& owner,
                MutableByteView read_buffer, Start start);
  ~SocketSession();
  SocketSession(const SocketSession&) = delete;
  SocketSession& operator=(const SocketSession&) = delete;

  void on_io(std::uint32_t epoll_events) override;
  // The loop's timer: the driver's deadlines.
  void on_tick();
  // After the owner acted on the driver outside on_event (a send from elsewhere, a close):
  // writes what it queued and follows what the driver now says.
  void pump();
  // Gives up at once (e.g. a shutdown that ran out of time): aborts the driver, reports its
  // event, closes the socket.
  void close_now(std::string_view why);

  [[nodiscard]] Driver& driver() noexcept { return driver_; }
  [[nodiscard]] const Driver& driver() const noexcept { return driver_; }
  [[nodiscard]] bool closed() const noexcept { return phase_ == Phase::closed; }

 private:
  // lingering: the driver is done, writing is shut down, and what the peer still sends is read
  // and thrown away until it closes too (or a bound is reached), so that it reads our last
  // bytes instead of a reset (RFC 9112 §9.6).
  enum class Phase : std::uint8_t { connecting, tls_handshake, streaming, lingering, closed };

  [[nodiscard]] Milliseconds now() const noexcept { return Milliseconds(loop_.now_ms()); }
  void finish_connect();
  void continue_tls_handshake();
  void read_available();
  void flush();
  void dispatch_and_flush();
  void update_interest();
  void close_socket(std::string_view why);
  void finish();
  void linger();

  EventLoop& loop_;
  Stream stream_;
  Driver driver_;
  Owner& owner_;
  MutableByteView read_buffer_;
  Phase phase_;
  std::optional<std::uint32_t> interest_;  // the epoll events registered, once registered
  bool tls_wants_write_ = false;
  bool peer_ended_ = false;  // end of stream (or the socket failed): nothing to linger for
  Milliseconds linger_until_{0};
  std::size_t linger_budget_ = 0;  // bytes still to throw away before giving up on the peer
  bool dispatching_ = false;       // inside on_event: a nested pump() waits for it to return
};

}  // namespace wscore::transport
