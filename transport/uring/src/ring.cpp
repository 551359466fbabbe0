// SPDX-License-Identifier: MIT
#include "ring.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace wscore::uring {
namespace {

struct SetupFlags {
  unsigned flags;
  const char* name;
};

// In order of preference. SINGLE_ISSUER (Linux 6.0) lets the kernel skip locking a ring only one
// thread submits to; DEFER_TASKRUN (6.1) runs completion work only when we enter the ring to
// wait, so it is batched and never interrupts the loop; COOP_TASKRUN (5.19) spares the
// interrupt without the deferral.
constexpr SetupFlags preferences[] = {
    {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "single-issuer defer-taskrun"},
    {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN, "single-issuer coop-taskrun"},
    {IORING_SETUP_COOP_TASKRUN, "coop-taskrun"},
    {0, "no setup flags"},
};

std::string unavailable(int error) {
  return std::string("io_uring is unavailable: io_uring_setup: ") + std::strerror(error) +
         (error == EPERM ? " (kernel.io_uring_disabled, or a seccomp profile)" : "") +
         (error == ENOSYS ? " (a kernel without io_uring, or a seccomp profile)" : "");
}

}  // namespace

Ring::Ring(unsigned entries, std::string& error) {
  int last_error = 0;
  for (const SetupFlags& preference : preferences) {
    io_uring_params params{};
    // Room for many multishot completions per submission; R_DISABLED: enabled on the loop's
    // thread, which becomes the single issuer.
    params.flags = preference.flags | IORING_SETUP_CQSIZE | IORING_SETUP_R_DISABLED;
    params.cq_entries = entries * 4;
    const int result = io_uring_queue_init_params(entries, &ring_, &params);
    if (result == 0) {
      ready_ = true;
      flags_ = preference.name;
      return;
    }
    last_error = -result;
    // Not permitted or not there at all: no other flags will change that.
    if (last_error == EPERM || last_error == ENOSYS) break;
  }
  error = unavailable(last_error);
}

Ring::~Ring() {
  if (ready_) io_uring_queue_exit(&ring_);
}

std::string Ring::unavailable_reason() {
  io_uring probe{};
  const int result = io_uring_queue_init(2, &probe, 0);
  if (result < 0) return unavailable(-result);
  io_uring_queue_exit(&probe);
  return {};
}

bool Ring::enable(std::string& error) {
  // The system call itself: Debian's liburing 2.3 declares io_uring_enable_rings() but its
  // shared library does not export it.
  const long result =
      syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
  if (result < 0) {
    error = std::string("io_uring_register(ENABLE_RINGS): ") + std::strerror(errno);
    return false;
  }
  return true;
}

io_uring_sqe* Ring::next_entry() {
  io_uring_sqe* entry = io_uring_get_sqe(&ring_);
  while (entry == nullptr) {
    io_uring_submit(&ring_);
    entry = io_uring_get_sqe(&ring_);
  }
  return entry;
}

namespace {
// Not in liburing 2.3's headers: the registration flag for incremental consumption and the
// completion flag that says the kernel goes on filling the buffer (Linux 6.12).
constexpr std::uint16_t buffer_ring_incremental = 2;       // IOU_PBUF_RING_INC
constexpr std::uint32_t completion_buffer_more = 1U << 4;  // IORING_CQE_F_BUF_MORE
// Incremental: a few large buffers (a 64 KiB message fits in one, most of the time); else one
// small buffer per receive, enough of them for the connections that have bytes in one
// iteration (a receive that finds none ends with ENOBUFS and is armed again).
constexpr std::size_t incremental_buffer_size = 512 * 1024;
constexpr std::size_t per_receive_buffer_size = 32 * 1024;
}  // namespace

BufferRing::BufferRing(Ring& ring, std::size_t pool_bytes, std::string& error)
    : pool_bytes_(pool_bytes) {
  // Anonymous mappings: pages are only backed once the kernel writes into them.
  void* buffers =
      mmap(nullptr, pool_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (buffers == MAP_FAILED) {
    error = std::string("receive buffers: mmap: ") + std::strerror(errno);
    return;
  }
  memory_ = static_cast<std::byte*>(buffers);
  std::string incremental_error;
  if (register_ring(ring, true, incremental_error)) return;
  register_ring(ring, false, error);
}

bool BufferRing::register_ring(Ring& ring, bool incremental, std::string& error) {
  incremental_ = incremental;
  buffer_size_ = incremental ? incremental_buffer_size : per_receive_buffer_size;
  count_ = static_cast<std::uint16_t>(pool_bytes_ / buffer_size_);
  ring_bytes_ = sizeof(io_uring_buf) * count_;
  void* ring_memory =
      mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_memory == MAP_FAILED) {
    error = std::string("receive buffer ring: mmap: ") + std::strerror(errno);
    return false;
  }
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(ring_memory);
  registration.ring_entries = count_;
  registration.bgid = group;
  registration.pad = incremental ? buffer_ring_incremental : 0;  // `flags` in newer headers
  if (const int result = io_uring_register_buf_ring(ring.get(), &registration, 0); result < 0) {
    munmap(ring_memory, ring_bytes_);
    error = std::string("io_uring_register_buf_ring: ") + std::strerror(-result);
    return false;
  }
  ring_ = static_cast<io_uring_buf_ring*>(ring_memory);
  consumed_.assign(incremental ? count_ : 0, 0);
  io_uring_buf_ring_init(ring_);
  for (std::uint16_t id = 0; id < count_; ++id) {
    io_uring_buf_ring_add(ring_, memory_ + std::size_t{id} * buffer_size_,
                          static_cast<unsigned>(buffer_size_), id, io_uring_buf_ring_mask(count_),
                          id);
  }
  io_uring_buf_ring_advance(ring_, count_);
  return true;
}

BufferRing::~BufferRing() {
  // After the ring is gone (it is unregistered with it).
  if (ring_ != nullptr) munmap(ring_, ring_bytes_);
  if (memory_ != nullptr) munmap(memory_, pool_bytes_);
}

BufferRing::Received BufferRing::received(std::uint32_t flags, std::size_t length) noexcept {
  Received received;
  received.id = static_cast<std::uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
  std::size_t offset = 0;
  if (incremental_) {
    // The kernel goes on where the buffer's last receive ended.
    offset = consumed_[received.id];
    consumed_[received.id] += static_cast<std::uint32_t>(length);
    received.last = !(flags & completion_buffer_more);
  }
  filled_since_check_ += length;
  received.bytes = {memory_ + std::size_t{received.id} * buffer_size_ + offset, length};
  return received;
}

void BufferRing::done(const Received& received) noexcept {
  if (!received.last) return;
  if (incremental_) consumed_[received.id] = 0;
  give_back(received.id);
}

void BufferRing::give_back(std::uint16_t id) noexcept {
  io_uring_buf_ring_add(ring_, memory_ + std::size_t{id} * buffer_size_,
                        static_cast<unsigned>(buffer_size_), id, io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(ring_, 1);
}

void BufferRing::release_pages_if_quiet() noexcept {
  const bool quiet = filled_since_check_ < per_receive_buffer_size;
  if (filled_since_check_ > 0) released_ = false;
  filled_since_check_ = 0;
  if (!quiet || released_ || memory_ == nullptr) return;
  // No buffer holds bytes still to parse: the kernel fills one only while we are in the kernel
  // (io_uring_enter, or the task work at a system call's return) and posts the completion at
  // once, and none waits. A page it writes after this call is simply backed again.
  madvise(memory_, pool_bytes_, MADV_DONTNEED);
  released_ = true;
}

}  // namespace wscore::uring
