// SPDX-License-Identifier: MIT
// The process's open-file limit (RLIMIT_NOFILE), which bounds how many connections a server can
// hold: raised to the hard limit at start, with a warning when it is still below what the
// server was told to accept.
#pragma once

#include <cstdint>
#include <string>

namespace wscore::cli {

struct DescriptorLimit {
  std::uint64_t soft = 0;  // after raising
  std::uint64_t hard = 0;
  bool raised = false;
  std::string error;  // setrlimit failed (the soft limit stays as it was)
};

DescriptorLimit raise_descriptor_limit();
// "" when `limit` is enough for `max_connections` (plus the few the server holds itself).
std::string descriptor_limit_warning(const DescriptorLimit& limit, std::uint64_t max_connections);

}  // namespace wscore::cli
