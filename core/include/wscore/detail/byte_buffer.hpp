// SPDX-License-Identifier: MIT
// A growable byte buffer for messages that are assembled piece by piece and for the output
// queue. Its memory comes from a BufferPool when it has one (a block another buffer gave back,
// no allocation in a steady state), else from malloc/realloc. Unlike std::vector, growing past
// the pool's largest block need not copy: the C library can extend a block in place, and moves
// a large (mmap-backed) block by remapping its pages, so a message of N bytes costs about N
// bytes of memory at its peak instead of 1.5 N or more. Bytes are not initialised when it grows.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "wscore/buffer_pool.hpp"

namespace wscore::detail {

class ByteBuffer {
 public:
  ByteBuffer() noexcept = default;
  // `pool` (or none): see BufferPool's lifetime.
  explicit ByteBuffer(BufferPool* pool) noexcept : pool_(pool) {}
  ByteBuffer(ByteBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)),
        pool_(other.pool_) {}
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
      pool_ = other.pool_;
    }
    return *this;
  }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer() { release(); }

  [[nodiscard]] std::byte* data() noexcept { return data_; }
  [[nodiscard]] const std::byte* data() const noexcept { return data_; }
  [[nodiscard]] std::byte* begin() noexcept { return data_; }
  [[nodiscard]] std::byte* end() noexcept { return data_ + size_; }
  [[nodiscard]] const std::byte* begin() const noexcept { return data_; }
  [[nodiscard]] const std::byte* end() const noexcept { return data_ + size_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  // Room for `capacity` bytes in all (never shrinks); false, and the buffer as it was, when
  // there is no memory for it.
  [[nodiscard]] bool try_reserve(std::size_t capacity) noexcept {
    if (capacity <= capacity_) return true;
    if (pool_ != nullptr && capacity <= BufferPool::max_pooled_block) {
      std::size_t block_size = 0;
      std::byte* block = pool_->acquire(capacity, block_size);
      if (block == nullptr) return false;
      if (size_ != 0) std::memcpy(block, data_, size_);
      // Outgrown, the smaller block is freed, not kept: the larger one goes back to the pool and
      // serves the next message of any size up to it, so the blocks a large message grew
      // through do not stay beside it.
      std::free(data_);
      data_ = block;
      capacity_ = block_size;
      return true;
    }
    // A pooled block is a malloc block too: past the largest, it leaves the pool this way.
    void* grown = std::realloc(data_, capacity);
    if (grown == nullptr) return false;
    data_ = static_cast<std::byte*>(grown);
    capacity_ = capacity;
    return true;
  }
  // As try_reserve(), but throws std::bad_alloc as vector would.
  void reserve(std::size_t capacity) {
    if (!try_reserve(capacity)) throw std::bad_alloc();
  }
  // New bytes are uninitialised: the caller writes them.
  void resize(std::size_t size) {
    reserve(size);
    size_ = size;
  }
  // As resize(), but growing at least twofold when it must grow, so that appending piece by
  // piece stays linear (a queue of output).
  void resize_amortised(std::size_t size) {
    if (size > capacity_) reserve(size > capacity_ * 2 ? size : capacity_ * 2);
    size_ = size;
  }
  // Drops the first `count` bytes (at most size()).
  void erase_front(std::size_t count) noexcept {
    if (count >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(data_, data_ + count, size_ - count);
    size_ -= count;
  }
  void append(const std::byte* bytes, std::size_t count) {
    if (count == 0) return;
    reserve(size_ + count);
    std::memcpy(data_ + size_, bytes, count);
    size_ += count;
  }
  void clear() noexcept { size_ = 0; }
  // Gives the memory back (an empty buffer holds none).
  void release() noexcept {
    if (pool_ != nullptr && data_ != nullptr && capacity_ <= BufferPool::max_pooled_block) {
      pool_->give_back(data_, capacity_);
    } else {
      std::free(data_);
    }
    data_ = nullptr;
    size_ = 0;
    capacity_ = 0;
  }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  BufferPool* pool_ = nullptr;  // with one, a capacity up to max_pooled_block is a pool block
};

}  // namespace wscore::detail
