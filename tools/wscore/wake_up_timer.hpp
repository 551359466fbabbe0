// SPDX-License-Identifier: MIT
// A timer on an EventLoop that fires at a steady_clock time to the microsecond (a timerfd on
// CLOCK_MONOTONIC, the clock steady_clock reads on Linux), where the loop's own tick counts in
// milliseconds: `wscore bench --rate` sends each message when it is due with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "wscore/transport/event_loop.hpp"

namespace wscore::cli {

class WakeUpTimer final : public transport::IoHandler {
 public:
  WakeUpTimer(transport::EventLoop& loop, std::function<void()> on_fire);
  ~WakeUpTimer();
  WakeUpTimer(const WakeUpTimer&) = delete;
  WakeUpTimer& operator=(const WakeUpTimer&) = delete;

  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  // Fires once at `when` (at once if it has passed), replacing the time set before.
  void fire_at(std::chrono::steady_clock::time_point when);
  void on_io(std::uint32_t epoll_events) override;

 private:
  transport::EventLoop& loop_;
  std::function<void()> on_fire_;
  int fd_ = -1;
};

}  // namespace wscore::cli
