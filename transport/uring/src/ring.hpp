// SPDX-License-Identifier: MIT
// One io_uring instance for one event loop thread, and the provided buffer ring its receives
// fill. The ring is made disabled on the creating thread (so that a refusal is reported before
// anything runs) and enabled on the loop's own thread, which then is its single issuer.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wscore/bytes.hpp"

namespace wscore::uring {

// What a completion is for: kept in the low bits of its user_data, beside the address of the
// object it belongs to (every such object is aligned to 8 bytes or more).
enum class Operation : std::uint64_t {
  accept,    // the loop's multishot accept
  receive,   // a connection's multishot receive
  send,      // a connection's send
  writable,  // a connection's wait for room in its socket
  cancel,    // a cancellation we asked for (its own completion)
  timer,     // the loop's tick
  wakeup,    // the loop's eventfd: work posted from another thread
};

constexpr std::uint64_t operation_bits = 7;

inline std::uint64_t user_data(const void* owner, Operation operation) noexcept {
  return reinterpret_cast<std::uintptr_t>(owner) | static_cast<std::uint64_t>(operation);
}
inline Operation operation_of(std::uint64_t data) noexcept {
  return static_cast<Operation>(data & operation_bits);
}
template <typename Owner>
Owner* owner_of(std::uint64_t data) noexcept {
  return reinterpret_cast<Owner*>(static_cast<std::uintptr_t>(data & ~operation_bits));
}

class Ring {
 public:
  // Tries SINGLE_ISSUER with DEFER_TASKRUN, then with COOP_TASKRUN, then COOP_TASKRUN alone,
  // then no flag; `error` is set (one line) when none works.
  Ring(unsigned entries, std::string& error);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // Why io_uring cannot be used here (empty if it can): a small ring is set up and dropped.
  static std::string unavailable_reason();

  // On the thread that submits from now on.
  [[nodiscard]] bool enable(std::string& error);
  // A free submission entry; when the queue is full, what it holds is submitted first.
  io_uring_sqe* next_entry();
  [[nodiscard]] io_uring* get() noexcept { return &ring_; }
  // Which setup flags the kernel took, for a log line.
  [[nodiscard]] const std::string& flags() const noexcept { return flags_; }

 private:
  io_uring ring_{};
  bool ready_ = false;
  std::string flags_;
};

// Buffers the kernel picks from for each multishot receive (IORING_OP_RECV with
// IOSQE_BUFFER_SELECT): a connection holds one only from the completion until its bytes have
// been parsed, so an idle connection holds none. Where the kernel consumes buffers incrementally
// (IOU_PBUF_RING_INC, Linux 6.12), a few large ones are filled one receive after the other, so
// that a large message lands in one piece and small ones lie side by side; elsewhere there are
// many smaller buffers, one per receive. Either way `pool_bytes` in all.
class BufferRing {
 public:
  static constexpr std::uint16_t group = 0;
  BufferRing(Ring& ring, std::size_t pool_bytes, std::string& error);
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  // The bytes of one receive's completion (its `flags` name the buffer).
  struct Received {
    MutableByteView bytes;
    std::uint16_t id = 0;
    bool last = true;  // the kernel is done with the buffer: give it back after the bytes
  };
  [[nodiscard]] Received received(std::uint32_t flags, std::size_t length) noexcept;
  // After the bytes have been parsed: the buffer goes back to the kernel once it is used up.
  void done(const Received& received) noexcept;
  // Called now and then (after the loop's tick) while no completion waits to be read (it might
  // name a filled buffer): when less than one small buffer's worth was received since the last
  // call, the buffers' pages go back to the system (a loop that has gone quiet holds no receive
  // memory; a busy one keeps its pages).
  void release_pages_if_quiet() noexcept;
  // How the kernel fills them, for a log line.
  [[nodiscard]] const char* mode() const noexcept {
    return incremental_ ? "incremental buffers" : "one buffer per receive";
  }

 private:
  bool register_ring(Ring& ring, bool incremental, std::string& error);
  void give_back(std::uint16_t id) noexcept;

  io_uring_buf_ring* ring_ = nullptr;
  std::byte* memory_ = nullptr;
  std::size_t pool_bytes_;
  std::size_t ring_bytes_ = 0;
  std::uint16_t count_ = 0;
  std::size_t buffer_size_ = 0;
  bool incremental_ = false;
  std::vector<std::uint32_t> consumed_;  // incremental: bytes of each buffer already received
  std::size_t filled_since_check_ = 0;
  bool released_ = true;  // no page written since the last release
};

}  // namespace wscore::uring
