// SPDX-License-Identifier: MIT
#include "uring_connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace wscore::uring {
namespace {
// As long as the epoll transport lingers, and as much.
constexpr Milliseconds linger_time{2'000};
constexpr std::size_t linger_bytes = 1024 * 1024;
// At most this much per receive while output waits (as the epoll transport's read slice).
constexpr unsigned receive_slice = 256 * 1024;
}  // namespace

UringConnection::UringConnection(UringLoop& loop, int fd, std::uint64_t id,
                                 const transport::PeerAddress& peer, std::uint16_t peer_port)
    : ServerSession(loop, id, peer, peer_port),
      driver_(Driver::server(connection_options(loop), loop.options().policy, loop.now())),
      fd_(fd) {
  update_receive();
}

UringConnection::~UringConnection() {
  if (phase_ != Phase::closed) ::close(fd_);
}

void UringConnection::on_received(int result, std::uint32_t flags) {
  if (!(flags & IORING_CQE_F_MORE)) {
    receiving_ = false;
    receive_cancelled_ = false;
    --operations_;
  }
  if (flags & IORING_CQE_F_BUFFER) {
    BufferRing& buffers = uring_loop().buffers();
    const BufferRing::Received received =
        buffers.received(flags, static_cast<std::size_t>(std::max(result, 0)));
    if (result > 0) {
      if (phase_ == Phase::streaming) {
        take(received.bytes);
      } else if (phase_ == Phase::lingering) {
        discard(received.bytes.size());
      }
    }
    // Every event of these bytes has been dispatched: the core copied what it keeps.
    buffers.done(received);
  }
  if (result == 0) {
    if (phase_ == Phase::lingering) {
      close_socket("closed");
    } else if (phase_ == Phase::streaming) {
      peer_ended_ = true;
      driver_.receive_eof(uring_loop().now());
      pump();
    }
  } else if (result < 0 && result != -ENOBUFS && result != -ECANCELED) {
    // ENOBUFS: every buffer was taken; they are given back as each completion is handled, and
    // the receive is armed again below.
    if (phase_ == Phase::lingering) {
      close_socket("closed");
    } else if (phase_ == Phase::streaming) {
      peer_ended_ = true;
      driver_.abort(std::string("socket error: ") + std::strerror(-result));
      pump();
    }
  }
  if (phase_ != Phase::closed) update_receive();
}

void UringConnection::take(MutableByteView bytes) {
  count_bytes(bytes.size(), 0);
  driver_.receive_in_place(bytes, uring_loop().now());
  pump();
}

void UringConnection::discard(std::size_t bytes) {
  if (bytes >= linger_budget_ || uring_loop().now() >= linger_until_) {
    close_socket("closed");
    return;
  }
  linger_budget_ -= bytes;
}

void UringConnection::on_sent(int result) {
  --operations_;
  send_in_flight_ = false;
  if (phase_ != Phase::streaming) return;
  if (result > 0) {
    const auto written =
        std::min(static_cast<std::size_t>(result), driver_.pending_output().size());
    driver_.consume_output(written);
    count_bytes(0, written);
  } else if (result == -EAGAIN) {
    // The socket is full: wait for room, then send again.
    io_uring_sqe* entry = uring_loop().ring().next_entry();
    io_uring_prep_poll_add(entry, fd_, POLLOUT);
    io_uring_sqe_set_data64(entry, user_data(this, Operation::writable));
    ++operations_;
    waiting_writable_ = true;
  } else {
    peer_ended_ = true;
    driver_.abort(std::string("write failed: ") + std::strerror(result == 0 ? EPIPE : -result));
  }
  pump();
}

void UringConnection::on_writable() {
  --operations_;
  waiting_writable_ = false;
  if (phase_ == Phase::streaming) pump();
}

void UringConnection::prepare_send() {
  send_queued_ = false;
  if (phase_ != Phase::streaming || send_in_flight_ || waiting_writable_) return;
  const ByteView output = driver_.pending_output();
  if (output.empty()) return;
  // MSG_DONTWAIT: the send is tried while the submission is made and never left waiting in the
  // kernel (a full socket completes with EAGAIN), so the kernel has copied the bytes before the
  // application can append to, and so move, the driver's output.
  io_uring_sqe* entry = uring_loop().ring().next_entry();
  io_uring_prep_send(entry, fd_, output.data(), output.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  io_uring_sqe_set_data64(entry, user_data(this, Operation::send));
  ++operations_;
  send_in_flight_ = true;
}

void UringConnection::tick() {
  if (phase_ == Phase::closed) return;
  const Milliseconds now = uring_loop().now();
  if (phase_ == Phase::lingering) {
    if (now >= linger_until_) close_socket("closed");
    return;
  }
  if (const auto deadline = driver_.next_deadline(); deadline && *deadline <= now) {
    driver_.advance(now);
    pump();
  }
}

void UringConnection::dispatch_and_queue() {
  if (dispatching_) return;  // the pump around the event goes on after it
  dispatching_ = true;
  while (std::optional<Event> event = driver_.next_event())
    dispatch(*event);
  dispatching_ = false;
  if (!driver_.pending_output().empty() && !send_in_flight_ && !send_queued_ &&
      !waiting_writable_) {
    send_queued_ = true;
    uring_loop().queue_send(this);
  }
}

void UringConnection::pump() {
  if (phase_ != Phase::streaming || dispatching_) return;
  dispatch_and_queue();
  // What the buffers hold now (may hold reading): before a lingering close too, once the
  // driver has given a finished connection's buffers back.
  note_memory();
  if (driver_.should_close()) {
    finish();
    return;
  }
  update_receive();
}

void UringConnection::update_receive() {
  // Backpressure: no receive while the driver does not want to read; one already armed is
  // cancelled (what it delivers before the cancellation lands is still handed to the driver).
  const bool wanted =
      phase_ == Phase::lingering || (phase_ == Phase::streaming && driver_.wants_read());
  if (wanted && !receiving_) {
    io_uring_sqe* entry = uring_loop().ring().next_entry();
    // Multishot while nothing waits to be written. With output queued, one receive at a time
    // (re-armed only while the driver wants more): a multishot receive keeps delivering what the
    // socket holds until a cancellation lands, and all of that would be held by the driver each
    // time backpressure comes back.
    if (driver_.pending_output().empty()) {
      io_uring_prep_recv_multishot(entry, fd_, nullptr, 0, 0);
    } else {
      io_uring_prep_recv(entry, fd_, nullptr, receive_slice, 0);
    }
    entry->flags |= IOSQE_BUFFER_SELECT;
    entry->buf_group = BufferRing::group;
    io_uring_sqe_set_data64(entry, user_data(this, Operation::receive));
    ++operations_;
    receiving_ = true;
  } else if (!wanted && receiving_ && !receive_cancelled_) {
    cancel(Operation::receive);
    receive_cancelled_ = true;
  }
}

void UringConnection::cancel(Operation operation) {
  io_uring_sqe* entry = uring_loop().ring().next_entry();
  io_uring_prep_cancel64(entry, user_data(this, operation), 0);
  io_uring_sqe_set_data64(entry, user_data(this, Operation::cancel));
  ++operations_;
}

void UringConnection::finish() {
  // The peer may still be sending (a request we refused, frames after a protocol error): a close
  // now would reset the connection and could destroy our last bytes in its receive buffer.
  if (peer_ended_) {
    close_socket("closed");
    return;
  }
  ::shutdown(fd_, SHUT_WR);
  phase_ = Phase::lingering;
  linger_until_ = uring_loop().now() + linger_time;
  linger_budget_ = linger_bytes;
  update_receive();
}

void UringConnection::give_up(std::string_view why) {
  if (phase_ == Phase::closed) return;
  driver_.abort(why);
  dispatch_and_queue();
  close_socket(why);
}

void UringConnection::close_socket(std::string_view why) {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  // Cancelled by their user_data, so the descriptor may be closed now: the operations hold the
  // socket until they complete.
  if (receiving_ && !receive_cancelled_) cancel(Operation::receive);
  if (waiting_writable_) cancel(Operation::writable);
  ::close(fd_);
  note_socket_closed(why);
  uring_loop().retire(this);
}

}  // namespace wscore::uring
