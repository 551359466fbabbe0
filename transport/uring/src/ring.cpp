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

BufferRing::BufferRing(Ring& ring, std::uint16_t count, std::size_t buffer_size, std::string& error)
    : count_(count), buffer_size_(buffer_size) {
  // Anonymous mappings: pages are only backed once the kernel writes into them.
  ring_bytes_ = sizeof(io_uring_buf) * count_;
  void* ring_memory =
      mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  void* buffers = mmap(nullptr, buffer_size_ * count_, PROT_READ | PROT_WRITE,
                       MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_memory == MAP_FAILED || buffers == MAP_FAILED) {
    error = std::string("receive buffers: mmap: ") + std::strerror(errno);
    if (ring_memory != MAP_FAILED) munmap(ring_memory, ring_bytes_);
    if (buffers != MAP_FAILED) munmap(buffers, buffer_size_ * count_);
    return;
  }
  ring_ = static_cast<io_uring_buf_ring*>(ring_memory);
  memory_ = static_cast<std::byte*>(buffers);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(ring_);
  registration.ring_entries = count_;
  registration.bgid = group;
  if (const int result = io_uring_register_buf_ring(ring.get(), &registration, 0); result < 0) {
    error = std::string("io_uring_register_buf_ring: ") + std::strerror(-result);
    return;
  }
  io_uring_buf_ring_init(ring_);
  for (std::uint16_t id = 0; id < count_; ++id) {
    io_uring_buf_ring_add(ring_, memory_ + std::size_t{id} * buffer_size_,
                          static_cast<unsigned>(buffer_size_), id, io_uring_buf_ring_mask(count_),
                          id);
  }
  io_uring_buf_ring_advance(ring_, count_);
}

BufferRing::~BufferRing() {
  // After the ring is gone (it is unregistered with it).
  if (ring_ != nullptr) munmap(ring_, ring_bytes_);
  if (memory_ != nullptr) munmap(memory_, buffer_size_ * count_);
}

void BufferRing::give_back(std::uint16_t id) noexcept {
  io_uring_buf_ring_add(ring_, memory_ + std::size_t{id} * buffer_size_,
                        static_cast<unsigned>(buffer_size_), id, io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(ring_, 1);
}

}  // namespace wscore::uring

namespace wscore::uring {

void BufferRing::release_pages_if_quiet() noexcept {
  const bool quiet = filled_since_check_ < buffer_size_;
  if (filled_since_check_ > 0) released_ = false;
  filled_since_check_ = 0;
  if (!quiet || released_ || memory_ == nullptr) return;
  // Every buffer is empty: the kernel fills one only while we are in the kernel (io_uring_enter,
  // or the task work at a system call's return), and posts its completion at once, and none
  // waits. A page it writes after this call is simply backed again.
  madvise(memory_, buffer_size_ * count_, MADV_DONTNEED);
  released_ = true;
}

}  // namespace wscore::uring
