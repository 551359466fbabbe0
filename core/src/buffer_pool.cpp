// SPDX-License-Identifier: MIT
#include "wscore/buffer_pool.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

namespace wscore {

static_assert(BufferPool::min_block << 10 == BufferPool::max_pooled_block);

BufferPool::~BufferPool() {
  for (std::size_t index = 0; index < size_classes; ++index) {
    while (free_[index].head != nullptr)
      free_first(free_[index], min_block << index);
  }
}

std::size_t BufferPool::block_size(std::size_t size) noexcept {
  if (size > max_pooled_block) return size;
  return std::max(min_block, std::bit_ceil(size));
}

std::size_t BufferPool::size_class(std::size_t block) noexcept {
  return static_cast<std::size_t>(std::countr_zero(block / min_block));
}

std::byte* BufferPool::acquire(std::size_t size, std::size_t& block) noexcept {
  block = block_size(size);
  for (std::size_t index = size_class(block); index < size_classes; ++index) {
    FreeList& list = free_[index];
    if (list.head == nullptr) continue;
    std::byte* taken = list.head;
    std::memcpy(&list.head, taken, sizeof list.head);
    --list.count;
    list.unused = std::min(list.unused, list.count);
    block = min_block << index;
    cached_ -= block;
    return taken;
  }
  ++allocations_;
  return static_cast<std::byte*>(std::malloc(block));
}

void BufferPool::give_back(std::byte* block, std::size_t size) noexcept {
  if (cached_ + size > max_cached_) {
    std::free(block);
    return;
  }
  FreeList& list = free_[size_class(size)];
  std::memcpy(block, &list.head, sizeof list.head);
  list.head = block;
  ++list.count;
  cached_ += size;
}

void BufferPool::free_first(FreeList& list, std::size_t block) noexcept {
  std::byte* freed = list.head;
  std::memcpy(&list.head, freed, sizeof list.head);
  --list.count;
  cached_ -= block;
  std::free(freed);
}

void BufferPool::trim() noexcept {
  for (std::size_t index = 0; index < size_classes; ++index) {
    FreeList& list = free_[index];
    for (std::size_t unused = list.unused; unused != 0; --unused)
      free_first(list, min_block << index);
    list.unused = list.count;
  }
}

}  // namespace wscore
