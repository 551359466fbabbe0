// SPDX-License-Identifier: MIT
// One event loop's part of ServerPolicy::max_buffer_memory, on any transport: the pool its
// connections' buffers come from, what those buffers hold (Connection::memory_usage()), and,
// over the budget, which of them stop reading until the loop is under 3/4 of it again.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "wscore/buffer_pool.hpp"

namespace wscore::transport {

class ServerSession;

class MemoryBudget {
 public:
  // `budget` bytes for the loop (0: no budget); `log` gets a line when a connection is held.
  // The pool keeps at most a quarter of the budget in free blocks.
  MemoryBudget(std::size_t budget, std::function<void(const std::string&)> log)
      : budget_(budget),
        pool_(budget == 0 ? BufferPool::default_max_cached
                          : std::min(BufferPool::default_max_cached, budget / 4)),
        log_(std::move(log)) {}

  // ConnectionOptions::buffer_pool of the loop's connections.
  [[nodiscard]] BufferPool& pool() noexcept { return pool_; }

  // New connections are refused while this is true.
  [[nodiscard]] bool over() const noexcept { return budget_ != 0 && total_ > budget_; }
  // `session`'s buffers went from `before` to `after` bytes; `live` connections share the budget.
  void update(ServerSession& session, std::size_t before, std::size_t after, std::size_t live);
  // `session` is gone: its bytes no longer count, and it is no longer held.
  void forget(ServerSession& session);
  // On the loop's tick (ten a second): under 3/4 of the budget, every held connection reads
  // again; once a second, the pool frees the blocks the load no longer needed.
  void tick();

 private:
  std::size_t budget_;
  std::size_t total_ = 0;
  BufferPool pool_;
  unsigned ticks_ = 0;
  std::vector<ServerSession*> held_;
  std::function<void(const std::string&)> log_;
};

}  // namespace wscore::transport
