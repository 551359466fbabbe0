// SPDX-License-Identifier: MIT
// The I/O half of a Stream: moves bytes between the next layer and the Session (the driver),
// one socket read and one socket write at a time, runs the driver's deadlines on a steady_timer
// and closes the layer when the driver says so. It owns no protocol rule and no operation: the
// operations (operations.hpp) pull events from the session and wait here for progress.
//
// Shared ownership: the Stream holds the engine, and so does every socket or timer handler in
// flight, so a Stream may be moved or destroyed while they are pending. Operations hold a
// weak reference, so an operation waiting in the engine keeps nothing alive.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "wscore/asio/layer_traits.hpp"
#include "wscore/asio/session.hpp"

namespace wscore::asio::detail {

inline Milliseconds steady_now() noexcept {
  return std::chrono::duration_cast<Milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

template <class NextLayer>
class Engine : public std::enable_shared_from_this<Engine<NextLayer>> {
 public:
  using executor_type = typename NextLayer::executor_type;
  using Traits = LayerTraits<NextLayer>;
  using Waiter = boost::asio::any_completion_handler<void(boost::system::error_code)>;

  template <class... Args>
  explicit Engine(Args&&... args)
      : next_(std::forward<Args>(args)...), timer_(next_.get_executor()) {}

  [[nodiscard]] executor_type get_executor() noexcept { return next_.get_executor(); }
  [[nodiscard]] NextLayer& next_layer() noexcept { return next_; }
  [[nodiscard]] Session& session() noexcept { return session_; }
  [[nodiscard]] bool closed() const noexcept { return phase_ == Phase::closed; }
  [[nodiscard]] bool open() const noexcept { return handshake_done_ && !closed(); }
  [[nodiscard]] bool handshake_done() const noexcept { return handshake_done_; }
  void note_handshake_done() noexcept { handshake_done_ = true; }

  // --- for the operations ---
  // Starts the driver (and TLS): the opening handshake's deadline runs from now.
  void start(Role role, const ClientRequest* request) {
    if (role == Role::server) {
      session_.start_server(steady_now());
    } else {
      session_.start_client(*request, steady_now());
    }
    read_buffer_.resize(session_.options().read_buffer_size);
    write_buffer_.resize(session_.options().write_buffer_size);
    if constexpr (Traits::tls) {
      phase_ = Phase::tls_handshake;
      next_.async_handshake(role == Role::server ? NextLayer::server : NextLayer::client,
                            [self = this->shared_from_this()](boost::system::error_code error) {
                              self->on_tls_handshake(error);
                            });
    } else {
      phase_ = Phase::websocket;
    }
    progress();
  }

  // Operations in progress: while there is one, the driver's deadlines are kept.
  void begin_operation(bool reads) {
    ++operations_;
    if (reads) ++readers_;
    if (session_.started()) arm_timer();
  }
  void end_operation(bool reads) {
    if (reads) --readers_;
    if (--operations_ > 0) return;
    // Often another operation starts at once (an echo's write after its read): look again once
    // the completion has run, so the timer is not cancelled and armed again for each message.
    boost::asio::post(get_executor(), [self = this->shared_from_this()] {
      if (self->operations_ == 0 && self->phase_ != Phase::tls_shutdown) self->timer_.cancel();
    });
  }
  [[nodiscard]] bool has_reader() const noexcept { return readers_ > 0; }

  // After an operation took events or acted on the driver: writes what it queued, closes the
  // layer when the driver says so, keeps the timer on the next deadline.
  void progress() {
    if (phase_ == Phase::closed || phase_ == Phase::tls_shutdown) return;
    flush();
    if (!writing_ && session_.should_close()) {
      close_transport();
      return;
    }
    arm_timer();
  }

  // An operation found no event: read more, if the driver wants it and no read is in flight.
  // The read buffer is read into again only then, once the driver has parsed all of it.
  void request_input() {
    if (reading_ || phase_ != Phase::websocket || !session_.wants_read()) return;
    reading_ = true;
    next_.async_read_some(
        boost::asio::buffer(read_buffer_),
        [self = this->shared_from_this()](boost::system::error_code error, std::size_t size) {
          self->on_read(error, size);
        });
  }

  // Parks an operation until something happens (a read, a write, a deadline, the close), or
  // until `slot` is emitted: then it is resumed with operation_aborted. For an async_compose
  // operation that is its cancellation state's slot (the handler's own slot is its caller's).
  template <class Handler>
  void wait(Handler&& handler, boost::asio::cancellation_slot slot) {
    const std::uint64_t id = ++last_waiter_id_;
    if (slot.is_connected()) {
      slot.assign([weak = this->weak_from_this(), id](boost::asio::cancellation_type) {
        if (const auto self = weak.lock()) self->cancel_waiter(id);
      });
    }
    waiters_.push_back({id, Waiter(std::forward<Handler>(handler))});
  }

  // The Stream is going away: the driver is aborted, the layer closed, every waiting operation
  // resumed; each completes with operation_aborted.
  void destroy() {
    destroyed_ = true;
    if (phase_ == Phase::closed) return;
    if (session_.started()) session_.abort("stream destroyed");
    close_socket();
  }
  [[nodiscard]] bool destroyed() const noexcept { return destroyed_; }

 private:
  enum class Phase : std::uint8_t { not_started, tls_handshake, websocket, tls_shutdown, closed };
  struct Waiting {
    std::uint64_t id;
    Waiter handler;
  };

  void on_tls_handshake(const boost::system::error_code& error) {
    if (phase_ != Phase::tls_handshake) return;  // closed meanwhile (a deadline)
    if (error) {
      session_.abort("TLS handshake failed: " + error.message());
    } else {
      phase_ = Phase::websocket;
    }
    progress();
    resume_all();
  }

  void on_read(const boost::system::error_code& error, std::size_t size) {
    reading_ = false;
    if (phase_ != Phase::closed) {
      if (!error) {
        session_.receive_in_place(std::span(read_buffer_).first(size), steady_now());
      } else if (Traits::is_end_of_stream(error)) {
        peer_ended_ = true;
        session_.receive_eof(steady_now());
      } else {
        session_.abort(error.message());
      }
      progress();
    }
    resume_all();
  }

  void flush() {
    if (writing_ || phase_ != Phase::websocket || !session_.has_output()) return;
    // The driver's output buffer may grow (and move) while the socket writes: write a copy.
    const std::size_t size = session_.take_output(write_buffer_);
    writing_ = true;
    boost::asio::async_write(
        next_, boost::asio::buffer(write_buffer_.data(), size),
        [self = this->shared_from_this()](boost::system::error_code error, std::size_t written) {
          self->on_written(error, written);
        });
  }

  void on_written(const boost::system::error_code& error, std::size_t written) {
    writing_ = false;
    if (phase_ != Phase::closed) {
      session_.note_written(written);
      if (error) session_.abort("write failed: " + error.message());
      progress();
    }
    resume_all();
  }

  void close_transport() {
    if constexpr (Traits::tls) {
      // close_notify first, unless the peer has ended the stream or a read is still in flight
      // (ssl::stream allows no shutdown beside it); bounded by the close timeout.
      if (phase_ == Phase::websocket && !peer_ended_ && !reading_) {
        phase_ = Phase::tls_shutdown;
        start_timer(steady_now() + session_.options().policy.close_timeout);
        next_.async_shutdown(
            [self = this->shared_from_this()](boost::system::error_code) { self->close_socket(); });
        return;
      }
    }
    close_socket();
  }

  void close_socket() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    boost::system::error_code ignored;
    next_.lowest_layer().close(ignored);  // a read or write in flight completes, aborted
    timer_.cancel();
    if (session_.started()) session_.finish();
    resume_all();
  }

  void arm_timer() {
    const std::optional<Milliseconds> deadline = session_.next_deadline();
    const bool running = phase_ == Phase::tls_handshake || phase_ == Phase::websocket;
    if (!deadline || operations_ == 0 || !running) return;
    // An earlier wait is kept: when it fires, advance() finds nothing due and it is re-armed.
    if (timer_armed_ && armed_deadline_ <= *deadline) return;
    start_timer(*deadline);
  }

  void start_timer(Milliseconds deadline) {
    timer_armed_ = true;
    armed_deadline_ = deadline;
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline)));
    timer_.async_wait([self = this->shared_from_this(), generation](boost::system::error_code) {
      self->on_timer(generation);
    });
  }

  void on_timer(std::uint64_t generation) {
    if (generation != timer_generation_) return;  // a later start_timer replaced this wait
    timer_armed_ = false;
    if (phase_ == Phase::closed) return;
    if (phase_ == Phase::tls_shutdown) {
      if (steady_now() >= armed_deadline_) close_socket();  // the peer never answered
      return;
    }
    session_.advance(steady_now());  // nothing happens before a deadline (or on cancel)
    progress();
    resume_all();
  }

  void resume_all() {
    std::vector<Waiting> waiting = std::move(waiters_);
    waiters_.clear();
    for (Waiting& waiter : waiting)
      resume(std::move(waiter.handler), {});
  }

  void cancel_waiter(std::uint64_t id) {
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->id != id) continue;
      Waiter handler = std::move(it->handler);
      waiters_.erase(it);
      resume(std::move(handler), boost::asio::error::operation_aborted);
      return;
    }
  }

  // Never inside the call that made progress: from a fresh handler on the stream's executor,
  // then on the operation's own executor (its handler's associated executor).
  void resume(Waiter handler, boost::system::error_code error) {
    boost::asio::post(get_executor(), [handler = std::move(handler), error]() mutable {
      boost::asio::dispatch(boost::asio::append(std::move(handler), error));
    });
  }

  NextLayer next_;
  boost::asio::steady_timer timer_;
  Session session_;
  std::vector<std::byte> read_buffer_;
  std::vector<std::byte> write_buffer_;
  std::vector<Waiting> waiters_;
  std::uint64_t last_waiter_id_ = 0;
  Phase phase_ = Phase::not_started;
  bool reading_ = false;     // a read of the next layer is in flight
  bool writing_ = false;     // a write of the next layer is in flight
  bool peer_ended_ = false;  // the next layer reported end of stream
  bool handshake_done_ = false;
  bool destroyed_ = false;  // the Stream is gone; in-flight handlers still hold the engine
  int operations_ = 0;      // in progress
  int readers_ = 0;         // of which async_read
  bool timer_armed_ = false;
  Milliseconds armed_deadline_{0};
  std::uint64_t timer_generation_ = 0;
};

}  // namespace wscore::asio::detail
