// SPDX-License-Identifier: MIT
#include "descriptor_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace wscore::cli {

namespace {
// Listening sockets, epoll and event descriptors, standard streams, certificate files.
constexpr std::uint64_t descriptors_of_our_own = 64;
}  // namespace

DescriptorLimit raise_descriptor_limit() {
  DescriptorLimit result;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = std::strerror(errno);
    return result;
  }
  result.soft = limit.rlim_cur;
  result.hard = limit.rlim_max;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      result.soft = raised.rlim_cur;
      result.raised = true;
    } else {
      result.error = std::strerror(errno);
    }
  }
  return result;
}

std::string descriptor_limit_warning(const DescriptorLimit& limit, std::uint64_t max_connections) {
  if (limit.soft >= max_connections + descriptors_of_our_own) return {};
  std::string warning =
      "warning: the open-file limit (" + std::to_string(limit.soft) + ", hard limit " +
      std::to_string(limit.hard) + ") is below " + "--max-connections " +
      std::to_string(max_connections) + ": connections over about " +
      std::to_string(limit.soft > descriptors_of_our_own ? limit.soft - descriptors_of_our_own
                                                         : 0) +
      " will be refused (raise it with ulimit -n or LimitNOFILE=)";
  if (!limit.error.empty()) warning += "; raising it failed: " + limit.error;
  return warning;
}

}  // namespace wscore::cli
