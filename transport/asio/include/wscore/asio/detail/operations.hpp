// SPDX-License-Identifier: MIT
// The Stream's asynchronous operations, as bodies for asio::async_compose: each one takes what
// it waits for from the Session (events, bytes written, the end) and parks in the Engine until
// that has moved. None of them decides anything the driver decides.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <optional>
#include <tuple>

#include "wscore/asio/detail/engine.hpp"

namespace wscore::asio::detail {

using boost::system::error_code;

// What every operation does around its steps: it counts on the engine while it runs (the
// driver's deadlines are kept meanwhile), it never completes inside its initiating call (the
// result is posted first), and it completes with operation_aborted when cancelled or when the
// stream is gone. Completion: (error_code, Extra...). Derived::step(self, engine) is the rest.
// An operation while it waits in the engine: resumable on its own executor, with no
// cancellation slot of its own — any_completion_handler would take over the one of the caller,
// which belongs to the operation's cancellation state (Engine::wait listens to that one).
template <class Self>
struct Parked {
  using executor_type = boost::asio::associated_executor_t<Self>;
  executor_type get_executor() const noexcept { return boost::asio::get_associated_executor(self); }
  void operator()(error_code error) { self(error); }
  Self self;
};

enum class OperationKind : std::uint8_t { handshake, read, send, close };

template <class Derived, class NextLayer, class... Extra>
class Operation {
 public:
  Operation(std::weak_ptr<Engine<NextLayer>> engine, OperationKind kind)
      : engine_(std::move(engine)),
        kind_(kind),
        reads_(kind == OperationKind::handshake || kind == OperationKind::read) {}

  template <class Self>
  void operator()(Self& self, error_code error = {}) {
    if (const auto engine = enter(self, error)) static_cast<Derived&>(*this).step(self, *engine);
  }

 protected:
  // Parks the operation in the engine; `self` is moved from.
  template <class Self>
  static void park(Engine<NextLayer>& engine, Self& self) {
    const boost::asio::cancellation_slot slot = self.get_cancellation_state().slot();
    engine.wait(Parked<Self>{std::move(self)}, slot);
  }

  template <class Self>
  void finish(Self& self, error_code error, Extra... extra) {
    if (started_ && !ended_) {
      ended_ = true;
      if (const auto engine = engine_.lock()) engine->end_operation(reads_);
    }
    if (initiating_) {
      result_.emplace(error, extra...);
      boost::asio::post(std::move(self));
      return;
    }
    self.complete(error, extra...);
  }

 private:
  // The engine when the step is to run, nullptr once the operation has completed.
  template <class Self>
  std::shared_ptr<Engine<NextLayer>> enter(Self& self, const error_code& error) {
    if (result_) {
      std::apply([&self](auto&... values) { self.complete(std::move(values)...); }, *result_);
      return nullptr;
    }
    initiating_ = !started_;
    std::shared_ptr<Engine<NextLayer>> engine = engine_.lock();
    if (!engine || engine->destroyed()) {
      finish(self, boost::asio::error::operation_aborted, Extra{}...);
      return nullptr;
    }
    if (!started_) {
      started_ = true;
      engine->begin_operation(reads_);
      // A read can be undone: it takes no event until it completes (Asio's "total"
      // cancellation). The others have queued bytes by then: terminal only (the default).
      if (kind_ == OperationKind::read) {
        self.reset_cancellation_state(boost::asio::enable_total_cancellation());
      }
    }
    if (error == boost::asio::error::operation_aborted ||
        self.cancelled() != boost::asio::cancellation_type::none) {
      finish(self, boost::asio::error::operation_aborted, Extra{}...);
      return nullptr;
    }
    return engine;
  }

  std::weak_ptr<Engine<NextLayer>> engine_;
  std::optional<std::tuple<error_code, Extra...>> result_;
  OperationKind kind_;
  bool reads_;  // takes events from the session (a close then leaves them to it)
  bool started_ = false;
  bool ended_ = false;
  bool initiating_ = false;
};

// async_accept / async_handshake: starts the driver (and TLS), then the server accepts the
// request the core reports and waits until its answer is written; the client waits for the
// core's HandshakeCompleted.
template <class NextLayer>
class HandshakeOperation : public Operation<HandshakeOperation<NextLayer>, NextLayer> {
 public:
  HandshakeOperation(std::weak_ptr<Engine<NextLayer>> engine, Role role,
                     std::optional<ClientRequest> request, const AcceptOptions* accept,
                     AcceptDecider decide = {})
      : Operation<HandshakeOperation, NextLayer>(std::move(engine), OperationKind::handshake),
        role_(role),
        request_(std::move(request)),
        accept_(accept),
        decide_(std::move(decide)) {}

  template <class Self>
  void step(Self& self, Engine<NextLayer>& engine) {
    Session& session = engine.session();
    if (!begun_) {
      begun_ = true;
      if (session.started()) return this->finish(self, ApiError::wrong_state);
      engine.start(role_, request_ ? &*request_ : nullptr);
    }
    if (!answer_target_) {
      const Session::Pulled pulled = session.pull();
      if (pulled.kind == Session::Pulled::Kind::request) {
        // A refused accept() is answered by the driver itself; the caller gets the ApiError.
        answer(session);
        answer_target_ = session.output_target();
      } else if (pulled.kind == Session::Pulled::Kind::handshake_completed) {
        engine.note_handshake_done();
        engine.progress();
        return this->finish(self, {});
      }
    }
    engine.progress();
    if (answer_target_ && refused_ == ApiError::none && !refused_by_us_ &&
        session.written(*answer_target_)) {
      engine.note_handshake_done();
      return this->finish(self, {});
    }
    if (engine.closed()) {
      return this->finish(
          self, refused_ != ApiError::none ? make_error_code(refused_) : session.ending_error());
    }
    if (!answer_target_) engine.request_input();
    return this->park(engine, self);
  }

 private:
  void answer(Session& session) {
    if (!decide_) {
      refused_ = session.driver().accept(accept_ ? *accept_ : AcceptOptions{});
      return;
    }
    // The application's decision; options it returns live here until the answer is written.
    decision_ = decide_(session.request());
    if (const auto* refusal = std::get_if<Refusal>(&*decision_)) {
      refused_ = session.driver().reject(refusal->status, refusal->body, refusal->headers);
      if (refused_ == ApiError::none) {
        refused_by_us_ = true;
        session.note_refused(refusal->status);
      }
      return;
    }
    refused_ = session.driver().accept(std::get<AcceptOptions>(*decision_));
  }

  Role role_;
  std::optional<ClientRequest> request_;
  const AcceptOptions* accept_;
  AcceptDecider decide_;
  std::optional<AcceptDecision> decision_;
  bool refused_by_us_ = false;  // a Refusal was answered: the operation ends handshake_failed
  bool begun_ = false;
  std::optional<std::uint64_t> answer_target_;
  ApiError refused_ = ApiError::none;
};

// async_read: the next message (or, with DeliveryMode::streaming, the next piece of one),
// appended to a DynamicBuffer_v2.
template <class NextLayer, class DynamicBuffer>
class ReadOperation
    : public Operation<ReadOperation<NextLayer, DynamicBuffer>, NextLayer, std::size_t> {
 public:
  ReadOperation(std::weak_ptr<Engine<NextLayer>> engine, DynamicBuffer buffer)
      : Operation<ReadOperation, NextLayer, std::size_t>(std::move(engine), OperationKind::read),
        buffer_(std::move(buffer)) {}

  template <class Self>
  void step(Self& self, Engine<NextLayer>& engine) {
    if (!engine.handshake_done()) return this->finish(self, ApiError::wrong_state, 0);
    Session& session = engine.session();
    const Session::Pulled pulled = session.pull();
    if (pulled.kind == Session::Pulled::Kind::data) {
      // The event's view lasts until the next call on the driver: copy it first.
      const std::size_t size = pulled.data.size();
      const bool fits = size <= buffer_.max_size() - buffer_.size();
      if (fits) {
        const std::size_t offset = buffer_.size();
        buffer_.grow(size);
        boost::asio::buffer_copy(buffer_.data(offset, size),
                                 boost::asio::buffer(pulled.data.data(), size));
      }
      engine.progress();
      if (!fits) return this->finish(self, boost::asio::error::no_buffer_space, 0);
      return this->finish(self, {}, size);
    }
    engine.progress();
    if (engine.closed()) return this->finish(self, session.ending_error(), 0);
    engine.request_input();
    return this->park(engine, self);
  }

 private:
  DynamicBuffer buffer_;
};

// async_write, async_write_fragment, async_ping: `action` queues the frame in the driver (once
// the outbound buffer is back under its limit); the operation completes when every byte queued
// up to it has been handed to the next layer.
template <class NextLayer, class Action>
class SendOperation : public Operation<SendOperation<NextLayer, Action>, NextLayer, std::size_t> {
 public:
  SendOperation(std::weak_ptr<Engine<NextLayer>> engine, Action action, std::size_t size)
      : Operation<SendOperation, NextLayer, std::size_t>(std::move(engine), OperationKind::send),
        action_(std::move(action)),
        size_(size) {}

  template <class Self>
  void step(Self& self, Engine<NextLayer>& engine) {
    Session& session = engine.session();
    if (!target_) {
      if (!engine.open()) return this->finish(self, refusal(session, ApiError::wrong_state), 0);
      // Backpressure: over the limit the operation waits for the writes to drain the buffer
      // (the driver would refuse the frame, and close the connection with 1008 for it).
      const Driver& driver = session.driver();
      if (driver.buffered_amount() > driver.policy().max_outbound_buffer) {
        engine.progress();
        if (engine.closed()) return this->finish(self, session.ending_error(), 0);
        return this->park(engine, self);
      }
      const ApiError result = action_(session.driver());
      if (result != ApiError::none) return this->finish(self, refusal(session, result), 0);
      target_ = session.output_target();
      engine.progress();
    }
    if (session.written(*target_)) return this->finish(self, {}, size_);
    if (engine.closed()) return this->finish(self, session.ending_error(), 0);
    return this->park(engine, self);
  }

 private:
  // A connection that has ended says how; otherwise the core's refusal.
  static error_code refusal(const Session& session, ApiError error) {
    return session.ending() ? session.ending_error() : make_error_code(error);
  }

  Action action_;
  std::size_t size_;
  std::optional<std::uint64_t> target_;
};

// async_close, async_shut_down: `action` starts the close on the driver; the operation reads
// (unless an async_read does) until the driver has the transport closed. It completes without
// error after a close handshake, with the ending's error otherwise.
template <class NextLayer, class Action>
class CloseOperation : public Operation<CloseOperation<NextLayer, Action>, NextLayer> {
 public:
  CloseOperation(std::weak_ptr<Engine<NextLayer>> engine, Action action)
      : Operation<CloseOperation, NextLayer>(std::move(engine), OperationKind::close),
        action_(std::move(action)) {}

  template <class Self>
  void step(Self& self, Engine<NextLayer>& engine) {
    Session& session = engine.session();
    if (!acted_) {
      acted_ = true;
      if (!session.started()) return this->finish(self, ApiError::wrong_state);
      if (!engine.closed()) {
        const ApiError result = action_(session.driver());
        if (result != ApiError::none && !closing(session)) return this->finish(self, result);
      }
    }
    if (!engine.has_reader()) {
      // Nobody else takes the events: messages that arrive after our Close are dropped.
      while (session.pull().kind != Session::Pulled::Kind::nothing) {
      }
    }
    engine.progress();
    if (engine.closed()) {
      const bool clean = session.ending() && session.ending()->error == Error::closed;
      return this->finish(self, clean ? error_code{} : session.ending_error());
    }
    if (!engine.has_reader()) engine.request_input();
    return this->park(engine, self);
  }

 private:
  // Refused because the close has begun already: wait for it to finish.
  static bool closing(const Session& session) {
    const ConnectionState state = session.driver().connection().state();
    return state == ConnectionState::close_sent || state == ConnectionState::closed ||
           state == ConnectionState::failed;
  }

  Action action_;
  bool acted_ = false;
};

}  // namespace wscore::asio::detail
