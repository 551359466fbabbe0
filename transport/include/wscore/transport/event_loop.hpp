// SPDX-License-Identifier: MIT
// A single-threaded epoll event loop: file descriptors with a handler object each, a ready list
// for input held above the sockets, a periodic tick for timers, and a thread-safe post() to run
// work on the loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace wscore::transport {

// Receives the epoll events of one file descriptor. The loop stores a plain pointer: the handler
// must outlive its registration (remove() it before destroying it).
class IoHandler {
 public:
  virtual void on_io(std::uint32_t epoll_events) = 0;

 protected:
  ~IoHandler() = default;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registration (level-triggered). Return false and leave errno set on failure.
  bool add(int fd, std::uint32_t epoll_events, IoHandler* handler);
  bool modify(int fd, std::uint32_t epoll_events, IoHandler* handler);
  void remove(int fd);

  // Calls handler->on_io(EPOLLIN) once, after the current batch of events, without waiting: for
  // input that a layer above the socket holds (TLS records already decrypted), which no
  // readiness event will announce. Each handler marked gets one turn per loop iteration, so no
  // connection holds the loop. cancel_ready() before the handler is destroyed.
  void mark_ready(IoHandler* handler);
  void cancel_ready(IoHandler* handler) noexcept;

  // Runs `task` on the loop's thread (from any thread).
  void post(std::function<void()> task);

  // Runs until stop(), calling `on_tick` about every `tick` (timers are checked there).
  void run(std::chrono::milliseconds tick, const std::function<void()>& on_tick);
  void stop();  // from any thread

  // Monotonic milliseconds, read once per loop iteration.
  [[nodiscard]] std::uint64_t now_ms() const noexcept { return now_ms_; }

 private:
  void run_posted();
  void run_ready();
  static std::uint64_t monotonic_ms() noexcept;

  int epoll_fd_ = -1;
  int wakeup_fd_ = -1;
  std::uint64_t now_ms_ = 0;
  bool stopping_ = false;
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::vector<IoHandler*> ready_;    // marked for a turn after the current batch
  std::vector<IoHandler*> running_;  // the turns being run (cancel_ready() clears one here too)
};

}  // namespace wscore::transport
