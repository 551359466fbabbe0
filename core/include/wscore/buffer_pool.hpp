// SPDX-License-Identifier: MIT
/// @file
/// Memory for the message and output buffers of the connections one event loop drives.
#pragma once

#include <array>
#include <cstddef>

namespace wscore {

/// Free blocks kept for reuse: a connection that receives or sends a message takes a block
/// another message gave back, instead of allocating it and faulting fresh pages in, and gives it
/// back when it is idle again (Connection::release_idle_buffers()). Blocks are powers of two from
/// min_block to max_pooled_block; a larger buffer is the C library's (realloc grows it by
/// remapping its pages) and goes back to it at once. Free blocks are bounded (`max_cached`), and
/// trim() frees those the load no longer needs.
///
/// Name one in ConnectionOptions::buffer_pool. Not thread-safe: one pool per event loop, shared
/// by the connections of that loop only.
/// @lifetime Outlives every connection that names it.
class BufferPool {
 public:
  /// The smallest block.
  static constexpr std::size_t min_block = 4 * 1024;
  /// The largest block; a larger buffer is not pooled.
  static constexpr std::size_t max_pooled_block = 4 * 1024 * 1024;
  /// Free blocks kept at most, unless told otherwise.
  static constexpr std::size_t default_max_cached = 64 * 1024 * 1024;

  /// At most `max_cached` bytes of free blocks; a block given back past that is freed.
  explicit BufferPool(std::size_t max_cached = default_max_cached) noexcept
      : max_cached_(max_cached) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  /// What a buffer of `size` bytes gets: the smallest block that holds it, or `size` itself
  /// above max_pooled_block (not pooled).
  [[nodiscard]] static std::size_t block_size(std::size_t size) noexcept;
  /// A block of at least `size` bytes (at most max_pooled_block), its size in `block`: the
  /// smallest free one that holds `size` (a larger one too, so that a message the size of the
  /// last one is gathered in its block without growing), else a new one of block_size(size);
  /// nullptr when there is no memory for it.
  [[nodiscard]] std::byte* acquire(std::size_t size, std::size_t& block) noexcept;
  /// A block acquire() returned, of the size it said, back to the pool.
  void give_back(std::byte* block, std::size_t size) noexcept;
  /// Frees the free blocks that no acquire() needed since the previous call. A transport calls
  /// it now and then (about once a second), so that the memory goes back to the system once the
  /// load that needed it is gone.
  void trim() noexcept;

  /// Bytes in free blocks.
  [[nodiscard]] std::size_t cached_bytes() const noexcept { return cached_; }
  /// Blocks allocated from the C library so far: in a steady state it stops growing.
  [[nodiscard]] std::size_t allocations() const noexcept { return allocations_; }

 private:
  static constexpr std::size_t size_classes = 11;  // min_block << 0 .. min_block << 10
  struct FreeList {
    std::byte* head = nullptr;  // each free block starts with the address of the next
    std::size_t count = 0;
    std::size_t unused = 0;  // the fewest free blocks since the last trim(): never needed
  };
  [[nodiscard]] static std::size_t size_class(std::size_t block) noexcept;
  void free_first(FreeList& list, std::size_t block) noexcept;

  std::array<FreeList, size_classes> free_{};
  std::size_t max_cached_;
  std::size_t cached_ = 0;
  std::size_t allocations_ = 0;
};

}  // namespace wscore
