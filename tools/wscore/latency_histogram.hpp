// SPDX-License-Identifier: MIT
// Round-trip times in a log-linear histogram: 16 buckets per power of two of nanoseconds, so a
// percentile is within about 6% of the truth, in constant memory however long the run.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace wscore::cli {

class LatencyHistogram {
 public:
  void add(std::uint64_t nanoseconds) {
    ++counts_[bucket(nanoseconds)];
    ++total_;
    sum_ += static_cast<double>(nanoseconds);
    max_ = std::max(max_, nanoseconds);
    min_ = std::min(min_, nanoseconds);
  }
  std::uint64_t total() const { return total_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t min() const { return total_ == 0 ? 0 : min_; }
  double mean() const { return total_ == 0 ? 0 : sum_ / static_cast<double>(total_); }
  // The upper edge of the bucket that holds the given fraction of the samples.
  std::uint64_t percentile(double fraction) const {
    const auto wanted = static_cast<std::uint64_t>(fraction * static_cast<double>(total_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > wanted) return std::min(upper_edge(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int sub_buckets = 16;
  static std::size_t bucket(std::uint64_t value) {
    if (value < sub_buckets) return static_cast<std::size_t>(value);
    const int exponent = std::bit_width(value) - 5;  // value >> exponent is in [16, 32)
    return static_cast<std::size_t>(exponent + 1) * sub_buckets + ((value >> exponent) - 16);
  }
  static std::uint64_t upper_edge(std::size_t index) {
    if (index < sub_buckets) return index;
    const std::size_t exponent = index / sub_buckets - 1;
    return ((index % sub_buckets + 17) << exponent) - 1;
  }
  std::array<std::uint64_t, 64 * sub_buckets> counts_{};
  std::uint64_t total_ = 0;
  double sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace wscore::cli
