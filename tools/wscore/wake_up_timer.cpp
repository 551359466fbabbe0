// SPDX-License-Identifier: MIT
#include "wake_up_timer.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace wscore::cli {

WakeUpTimer::WakeUpTimer(transport::EventLoop& loop, std::function<void()> on_fire)
    : loop_(loop),
      on_fire_(std::move(on_fire)),
      fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (fd_ >= 0 && !loop_.add(fd_, EPOLLIN, this)) {
    close(fd_);
    fd_ = -1;
  }
}

WakeUpTimer::~WakeUpTimer() {
  if (fd_ < 0) return;
  loop_.remove(fd_);
  close(fd_);
}

void WakeUpTimer::fire_at(std::chrono::steady_clock::time_point when) {
  const auto since_boot =
      std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
  itimerspec setting{};
  // A zero it_value disarms the timer: a time already passed (or 0) becomes 1 ns.
  const auto at = since_boot > 0 ? since_boot : 1;
  setting.it_value.tv_sec = static_cast<time_t>(at / 1'000'000'000);
  setting.it_value.tv_nsec = static_cast<long>(at % 1'000'000'000);
  timerfd_settime(fd_, TFD_TIMER_ABSTIME, &setting, nullptr);
}

void WakeUpTimer::on_io(std::uint32_t) {
  std::uint64_t expirations = 0;
  if (read(fd_, &expirations, sizeof expirations) == sizeof expirations) on_fire_();
}

}  // namespace wscore::cli
