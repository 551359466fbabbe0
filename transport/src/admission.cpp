// SPDX-License-Identifier: MIT
#include "admission.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_internal.hpp"

namespace wscore::transport {

std::optional<std::string> refusal(const ServerPolicy& policy, SharedCounters& counters,
                                   const PeerAddress& peer, LoopState loop) {
  if (loop.shutting_down) return "shutting down";
  if (counters.open_connections >= policy.max_connections) {
    return std::to_string(policy.max_connections) + " connections open";
  }
  if (policy.max_handshakes != 0 && counters.handshakes >= policy.max_handshakes) {
    return std::to_string(policy.max_handshakes) + " handshakes in progress";
  }
  if (loop.over_memory_budget) return "over the memory budget";
  if (policy.max_connections_per_address != 0 &&
      !counters.addresses.try_add(peer, policy.max_connections_per_address)) {
    return std::to_string(policy.max_connections_per_address) + " open from that address";
  }
  return std::nullopt;
}

void note_closed(const ServerPolicy& policy, SharedCounters& counters, const PeerAddress& peer) {
  --counters.open_connections;
  if (policy.max_connections_per_address != 0) counters.addresses.remove(peer);
}

bool refuse_with_spare_descriptor(int listen_fd, int& spare_fd) {
  if (spare_fd >= 0) close(spare_fd);
  const int refused = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (refused >= 0) close(refused);
  spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return refused >= 0;
}

}  // namespace wscore::transport
