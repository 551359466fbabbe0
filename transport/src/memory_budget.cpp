// SPDX-License-Identifier: MIT
#include "memory_budget.hpp"

#include <algorithm>
#include <utility>

#include "server_session.hpp"

namespace wscore::transport {

void MemoryBudget::update(ServerSession& session, std::size_t before, std::size_t after,
                          std::size_t live) {
  total_ = total_ - before + after;
  if (!over() || session.reading_held()) return;
  // Over the budget: the connections above their share wait; the others go on.
  if (after > budget_ / std::max<std::size_t>(1, live)) {
    session.hold_reading(true);
    held_.push_back(&session);
    if (log_) {
      log_("connection " + std::to_string(session.id()) + " holds " + std::to_string(after) +
           " bytes: reading stops until the loop's buffers are under 3/4 of " +
           std::to_string(budget_));
    }
  }
}

void MemoryBudget::forget(ServerSession& session) {
  total_ -= session.memory();
  if (session.reading_held()) std::erase(held_, &session);
}

void MemoryBudget::tick() {
  constexpr unsigned ticks_per_trim = 10;
  if (++ticks_ == ticks_per_trim) {
    ticks_ = 0;
    pool_.trim();
  }
  if (held_.empty() || total_ > budget_ / 4 * 3) return;
  for (ServerSession* session : std::exchange(held_, {}))
    session->hold_reading(false);
}

}  // namespace wscore::transport
