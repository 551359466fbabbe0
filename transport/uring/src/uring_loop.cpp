// SPDX-License-Identifier: MIT
#include "uring_loop.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "admission.hpp"
#include "uring_connection.hpp"
#include "wscore/transport/socket.hpp"

namespace wscore::uring {
namespace {

// Submission entries: a full queue is submitted early (Ring::next_entry), so this bounds only
// how many operations one submission carries.
constexpr unsigned ring_entries = 1024;
// The buffers the receives share (BufferRing): 4 MiB in all, since under load the kernel writes
// into every one (their pages go back to the system when the loop is quiet).
constexpr std::size_t receive_pool_bytes = 4 * 1024 * 1024;
constexpr long tick_nanoseconds = 100'000'000;  // the deadlines' timer, as epoll's tick
constexpr unsigned completions_per_batch = 256;

Milliseconds monotonic_now() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Milliseconds(now.tv_sec * 1000 + now.tv_nsec / 1'000'000);
}

}  // namespace

UringLoop::UringLoop(transport::Server& server, const transport::ServerOptions& options,
                     unsigned index, int listen_fd,
                     std::shared_ptr<transport::SharedCounters> counters, std::string& error)
    : server_(server),
      options_(options),
      index_(index),
      listen_fd_(listen_fd),
      counters_(std::move(counters)),
      memory_budget_(options.policy.max_buffer_memory / std::max(1u, options.threads), options.log),
      now_(monotonic_now()) {
  tick_interval_.tv_nsec = tick_nanoseconds;
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  wakeup_fd_ = eventfd(0, EFD_CLOEXEC);
  if (wakeup_fd_ < 0) {
    error = std::string("eventfd: ") + std::strerror(errno);
    return;
  }
  ring_ = std::make_unique<Ring>(ring_entries, error);
  if (!error.empty()) return;
  buffers_ = std::make_unique<BufferRing>(*ring_, receive_pool_bytes, error);
  if (!error.empty()) return;
  application_ = options_.application ? options_.application(server_, index_)
                                      : std::make_unique<transport::ServerApplication>();
}

UringLoop::~UringLoop() {
  // The ring first: once it is gone, the kernel writes into no buffer and names no connection.
  ring_.reset();
  buffers_.reset();
  for (UringConnection* connection : connections_)
    delete connection;
  for (UringConnection* connection : retired_)
    delete connection;
  if (listen_fd_ >= 0) close(listen_fd_);
  if (spare_fd_ >= 0) close(spare_fd_);
  if (wakeup_fd_ >= 0) close(wakeup_fd_);
}

void UringLoop::post(std::function<void()> task) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(task));
  }
  const std::uint64_t one = 1;
  (void)!write(wakeup_fd_, &one, sizeof one);
}

void UringLoop::run() {
  std::string error;
  if (!ring_->enable(error)) {
    log("io_uring loop " + std::to_string(index_) + ": " + error);
    return;
  }
  log("io_uring loop " + std::to_string(index_) + ": " + ring_->flags() + ", " + buffers_->mode());
  arm_accept();
  arm_wakeup();
  arm_timer();
  io_uring_cqe* batch[completions_per_batch];
  Completion copies[completions_per_batch];
  while (!stopped_) {
    // Only while no completion waits: one may name a buffer the kernel has filled, whose bytes
    // a release would wipe.
    if (release_due_ && io_uring_cq_ready(ring_->get()) == 0) {
      release_due_ = false;
      buffers_->release_pages_if_quiet();
    }
    submit_sends();
    free_finished();
    // One submission for everything this iteration queued, and the wait for what comes next.
    const int submitted = io_uring_submit_and_wait(ring_->get(), 1);
    if (submitted < 0 && submitted != -EINTR && submitted != -EAGAIN && submitted != -EBUSY) {
      log(std::string("io_uring_submit_and_wait: ") + std::strerror(-submitted));
      break;
    }
    now_ = monotonic_now();
    // Copied out and the queue advanced first: handlers submit, which may need its room.
    const unsigned count = io_uring_peek_batch_cqe(ring_->get(), batch, completions_per_batch);
    for (unsigned i = 0; i < count; ++i)
      copies[i] = {batch[i]->user_data, batch[i]->res, batch[i]->flags};
    io_uring_cq_advance(ring_->get(), count);
    for (unsigned i = 0; i < count; ++i)
      complete(copies[i]);
  }
}

void UringLoop::complete(const Completion& completion) {
  const std::uint64_t data = completion.user_data;
  switch (operation_of(data)) {
    case Operation::accept:
      on_accepted(completion.result, completion.flags);
      return;
    case Operation::receive:
      owner_of<UringConnection>(data)->on_received(completion.result, completion.flags);
      return;
    case Operation::send:
      owner_of<UringConnection>(data)->on_sent(completion.result);
      return;
    case Operation::writable:
      owner_of<UringConnection>(data)->on_writable();
      return;
    case Operation::cancel:
      // The loop's own cancellations (the accept at shutdown) name no connection.
      if (UringConnection* connection = owner_of<UringConnection>(data)) connection->on_cancelled();
      return;
    case Operation::timer:
      tick();
      return;
    case Operation::wakeup:
      arm_wakeup();
      run_posted();
      return;
  }
}

void UringLoop::arm_accept() {
  if (listen_fd_ < 0) return;
  io_uring_sqe* entry = ring_->next_entry();
  io_uring_prep_multishot_accept(entry, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(entry, user_data(this, Operation::accept));
  accepting_ = true;
}

void UringLoop::arm_timer() {
  io_uring_sqe* entry = ring_->next_entry();
  io_uring_prep_timeout(entry, &tick_interval_, 0, 0);
  io_uring_sqe_set_data64(entry, user_data(this, Operation::timer));
}

void UringLoop::arm_wakeup() {
  io_uring_sqe* entry = ring_->next_entry();
  io_uring_prep_read(entry, wakeup_fd_, &wakeup_value_, sizeof wakeup_value_, 0);
  io_uring_sqe_set_data64(entry, user_data(this, Operation::wakeup));
}

void UringLoop::on_accepted(int result, std::uint32_t flags) {
  if (!(flags & IORING_CQE_F_MORE)) accepting_ = false;
  if (result >= 0) {
    accept_connection(result);
  } else if (result == -EMFILE || result == -ENFILE) {
    // accept() reports EMFILE before it looks at the queue: stop once it is empty.
    while (transport::refuse_with_spare_descriptor(listen_fd_, spare_fd_)) {
      ++counters_->refused;
      log("refused a connection: out of file descriptors");
    }
  }
  if (!accepting_ && !shutting_down_) arm_accept();
}

void UringLoop::accept_connection(int fd) {
  ++counters_->accepted;
  sockaddr_storage address{};
  socklen_t address_length = sizeof address;
  getpeername(fd, reinterpret_cast<sockaddr*>(&address), &address_length);
  const transport::PeerAddress peer = transport::PeerAddress::of(address);
  if (const std::optional<std::string> why = transport::refusal(
          options_.policy, *counters_, peer,
          {.shutting_down = shutting_down_, .over_memory_budget = memory_budget_.over()})) {
    ++counters_->refused;
    close(fd);
    log("refused a connection from " + peer.to_string() + ": " + *why);
    return;
  }
  transport::set_nodelay(fd);
  ++counters_->open_connections;
  auto* connection =
      new UringConnection(*this, fd, next_id_++ * std::max(1u, options_.threads) + index_, peer,
                          transport::port_of(address));
  connection->slot = connections_.size();
  connections_.push_back(connection);
}

void UringLoop::retire(UringConnection* connection) {
  // Freed once no completion can name it any more (free_finished()).
  transport::remove_live(connections_, connection);
  retired_.push_back(connection);
  memory_budget_.forget(*connection);
  transport::note_closed(options_.policy, *counters_, connection->peer());
}

void UringLoop::submit_sends() {
  for (UringConnection* connection : sends_)
    connection->prepare_send();
  sends_.clear();
}

void UringLoop::free_finished() {
  const auto finished = std::partition(retired_.begin(), retired_.end(),
                                       [](UringConnection* c) { return !c->finished(); });
  for (auto it = finished; it != retired_.end(); ++it)
    delete *it;
  retired_.erase(finished, retired_.end());
}

void UringLoop::tick() {
  memory_budget_.tick();
  // A copy: a deadline may retire a connection and reorder the list.
  for (UringConnection* connection : std::vector<UringConnection*>(connections_))
    connection->tick();
  release_due_ = true;
  if (shutting_down_ && (connections_.empty() || now_ >= shutdown_deadline_)) {
    for (UringConnection* connection : std::vector<UringConnection*>(connections_))
      connection->give_up("shutdown timeout");
    stopped_ = true;
    return;
  }
  arm_timer();
}

void UringLoop::run_posted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks)
    task();
}

void UringLoop::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_deadline_ = now_ + options_.policy.close_timeout;
  if (accepting_) {
    io_uring_sqe* entry = ring_->next_entry();
    io_uring_prep_cancel64(entry, user_data(this, Operation::accept), 0);
    io_uring_sqe_set_data64(entry, user_data(nullptr, Operation::cancel));
  }
  // The accept holds the listener until its cancellation completes.
  close(listen_fd_);
  listen_fd_ = -1;
  for (UringConnection* connection : std::vector<UringConnection*>(connections_))
    connection->shut_down();
}

}  // namespace wscore::uring
