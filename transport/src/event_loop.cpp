// SPDX-License-Identifier: MIT
#include "wscore/transport/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <stdexcept>

namespace wscore::transport {

namespace {

// The eventfd's handler: a marker; the loop recognises it by pointer and drains the fd.
class Wakeup final : public IoHandler {
 public:
  void on_io(std::uint32_t) override {}
};

IoHandler* wakeup_marker() {
  static Wakeup marker;
  return &marker;
}

}  // namespace

EventLoop::EventLoop() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeup_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wakeup_fd_ < 0) throw std::runtime_error("cannot create the event loop");
  add(wakeup_fd_, EPOLLIN, wakeup_marker());
  now_ms_ = monotonic_ms();
}

EventLoop::~EventLoop() {
  if (wakeup_fd_ >= 0) close(wakeup_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool EventLoop::add(int fd, std::uint32_t epoll_events, IoHandler* handler) {
  epoll_event event{};
  event.events = epoll_events;
  event.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool EventLoop::modify(int fd, std::uint32_t epoll_events, IoHandler* handler) {
  epoll_event event{};
  event.events = epoll_events;
  event.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0;
}

void EventLoop::remove(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::mark_ready(IoHandler* handler) {
  if (std::find(ready_.begin(), ready_.end(), handler) == ready_.end()) ready_.push_back(handler);
}

void EventLoop::cancel_ready(IoHandler* handler) noexcept {
  std::erase(ready_, handler);
  std::replace(running_.begin(), running_.end(), handler, static_cast<IoHandler*>(nullptr));
}

void EventLoop::run_ready() {
  // The turns marked so far; a handler that marks itself again gets its next turn after the
  // next batch of socket events.
  running_.swap(ready_);
  for (std::size_t i = 0; i < running_.size(); ++i) {
    if (IoHandler* handler = running_[i]) handler->on_io(EPOLLIN);
  }
  running_.clear();
}

void EventLoop::post(std::function<void()> task) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(task));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = write(wakeup_fd_, &one, sizeof one);
}

void EventLoop::stop() {
  post([this] { stopping_ = true; });
}

void EventLoop::run_posted() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto read_bytes = read(wakeup_fd_, &count, sizeof count);
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks)
    task();
}

std::uint64_t EventLoop::monotonic_ms() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000 +
         static_cast<std::uint64_t>(now.tv_nsec) / 1000000;
}

void EventLoop::run(std::chrono::milliseconds tick, const std::function<void()>& on_tick) {
  std::array<epoll_event, 256> events{};
  std::uint64_t next_tick = monotonic_ms() + static_cast<std::uint64_t>(tick.count());
  stopping_ = false;
  while (!stopping_) {
    now_ms_ = monotonic_ms();
    const int timeout =
        now_ms_ >= next_tick || !ready_.empty() ? 0 : static_cast<int>(next_tick - now_ms_);
    const int ready =
        epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    if (ready < 0 && errno != EINTR) break;
    now_ms_ = monotonic_ms();
    bool woken = false;
    for (int i = 0; i < ready; ++i) {
      auto* handler = static_cast<IoHandler*>(events[static_cast<std::size_t>(i)].data.ptr);
      if (handler == wakeup_marker()) {
        woken = true;
      } else {
        handler->on_io(events[static_cast<std::size_t>(i)].events);
      }
    }
    run_ready();
    // Posted work runs after the whole batch: a handler it destroys may still have an event
    // further down this batch.
    if (woken) run_posted();
    if (now_ms_ >= next_tick) {
      next_tick = now_ms_ + static_cast<std::uint64_t>(tick.count());
      on_tick();
    }
  }
}

}  // namespace wscore::transport
