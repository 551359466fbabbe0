// SPDX-License-Identifier: MIT
// One io_uring event loop of a server, on its own thread: its SO_REUSEPORT listener (multishot
// accept), its connections (multishot receives into the loop's buffer ring, sends batched into
// one submission per iteration), one timer for every driver's deadlines, and work posted from
// other threads through an eventfd.
#pragma once

#include <linux/time_types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "memory_budget.hpp"
#include "ring.hpp"
#include "server_internal.hpp"

namespace wscore::uring {

class UringConnection;

class UringLoop final : public transport::ServerLoopContext {
 public:
  // Sets up the ring (disabled until run()); `error` is set when it cannot be.
  UringLoop(transport::Server& server, const transport::ServerOptions& options, unsigned index,
            int listen_fd, std::shared_ptr<transport::SharedCounters> counters, std::string& error);
  ~UringLoop();
  UringLoop(const UringLoop&) = delete;
  UringLoop& operator=(const UringLoop&) = delete;

  // On the loop's thread, until a shutdown has finished.
  void run();
  // From any thread: runs `task` on the loop's thread in its next iteration.
  void post(std::function<void()> task);
  void begin_shutdown();  // on the loop's thread

  // transport::ServerLoopContext
  const transport::ServerOptions& options() const override { return options_; }
  transport::ServerApplication& application() override { return *application_; }
  transport::SharedCounters& counters() override { return *counters_; }
  transport::MemoryBudget& memory_budget() override { return memory_budget_; }
  std::size_t live_connections() const override { return connections_.size(); }

  // For the connections.
  [[nodiscard]] Milliseconds now() const noexcept { return now_; }
  [[nodiscard]] Ring& ring() noexcept { return *ring_; }
  [[nodiscard]] BufferRing& buffers() noexcept { return *buffers_; }
  // Sends `connection`'s pending output with the next submission.
  void queue_send(UringConnection* connection) { sends_.push_back(connection); }
  // A connection that closed its socket: no longer live; freed once its operations are over.
  void retire(UringConnection* connection);

 private:
  void arm_accept();
  void arm_timer();
  void arm_wakeup();
  // A completion as read from the queue (io_uring_cqe ends in a flexible array: no array of it).
  struct Completion {
    std::uint64_t user_data;
    std::int32_t result;
    std::uint32_t flags;
  };
  void complete(const Completion& completion);
  void on_accepted(int result, std::uint32_t flags);
  void accept_connection(int fd);
  void refuse_when_out_of_descriptors();
  void tick();
  void run_posted();
  void submit_sends();
  void free_finished();
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  transport::Server& server_;
  const transport::ServerOptions& options_;
  unsigned index_;
  int listen_fd_;
  int spare_fd_ = -1;  // released to accept-and-close when out of file descriptors
  int wakeup_fd_ = -1;
  std::uint64_t wakeup_value_ = 0;  // where the eventfd read lands
  __kernel_timespec tick_interval_{};
  std::unique_ptr<Ring> ring_;
  std::unique_ptr<BufferRing> buffers_;
  std::shared_ptr<transport::SharedCounters> counters_;
  std::unique_ptr<transport::ServerApplication> application_;
  transport::MemoryBudget memory_budget_;  // this loop's part of max_buffer_memory
  std::vector<UringConnection*> connections_;
  std::vector<UringConnection*> retired_;  // closed, some operation still in flight
  std::vector<UringConnection*> sends_;    // to send with the next submission
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  Milliseconds now_{0};
  std::uint64_t next_id_ = 0;
  bool accepting_ = false;  // the multishot accept is armed
  bool shutting_down_ = false;
  bool stopped_ = false;
  bool release_due_ = false;  // the tick asks for BufferRing::release_pages_if_quiet()
  Milliseconds shutdown_deadline_{0};
};

}  // namespace wscore::uring
