// SPDX-License-Identifier: MIT
/// @file
/// A single-threaded epoll event loop: file descriptors with a handler object each, a ready list
/// for input held above the sockets, a periodic tick for timers, and a thread-safe post() to run
/// work on the loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

/// The transport: epoll event loops, TCP sockets, TLS on mbedTLS, and a WebSocket server and
/// client that move bytes between them and wscore::Driver objects. No protocol rule lives here.
namespace wscore::transport {

/// Receives the epoll events of one file descriptor. The loop stores a plain pointer: the handler
/// must outlive its registration (remove() it before destroying it).
class IoHandler {
 public:
  /// The descriptor is ready: `epoll_events` holds EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, ...
  virtual void on_io(std::uint32_t epoll_events) = 0;

 protected:
  ~IoHandler() = default;
};

/// A single-threaded epoll loop (see the file's comment). Everything but post() and stop() is
/// called on the loop's own thread.
class EventLoop {
 public:
  /// Creates the epoll instance and the wakeup descriptor post() and stop() use.
  EventLoop();
  /// Closes them; registered descriptors are not closed.
  ~EventLoop();
  /// Not copyable: it owns descriptors.
  EventLoop(const EventLoop&) = delete;
  /// Not copyable: it owns descriptors.
  EventLoop& operator=(const EventLoop&) = delete;

  /// Registration (level-triggered). Return false and leave errno set on failure.
  /// `handler` is kept as a plain pointer until remove(fd).
  bool add(int fd, std::uint32_t epoll_events, IoHandler* handler);
  /// Changes the events `fd` is watched for, or its handler.
  bool modify(int fd, std::uint32_t epoll_events, IoHandler* handler);
  /// Stops watching `fd` (before it is closed, and before its handler is destroyed).
  void remove(int fd);

  /// Calls handler->on_io(EPOLLIN) once, after the current batch of events, without waiting: for
  /// input that a layer above the socket holds (TLS records already decrypted), which no
  /// readiness event will announce. Each handler marked gets one turn per loop iteration, so no
  /// connection holds the loop. cancel_ready() before the handler is destroyed.
  void mark_ready(IoHandler* handler);
  /// Takes a handler off the ready list (it is being destroyed, or has nothing more to read).
  void cancel_ready(IoHandler* handler) noexcept;

  /// Runs `task` on the loop's thread (from any thread). `task` is moved in and runs later,
  /// in the next iteration: what it captures must live until then.
  void post(std::function<void()> task);

  /// Runs until stop(), calling `on_tick` about every `tick` (timers are checked there).
  void run(std::chrono::milliseconds tick, const std::function<void()>& on_tick);
  void stop();  ///< from any thread

  /// Monotonic milliseconds, read once per loop iteration.
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
