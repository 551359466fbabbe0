// SPDX-License-Identifier: MIT
// Whether a server takes a new connection, on any transport: the server's limits, and a way to
// refuse one when the process is out of file descriptors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "peer_address.hpp"
#include "wscore/transport/server.hpp"

namespace wscore::transport {

struct SharedCounters;

// What the loop that accepts knows of itself.
struct LoopState {
  bool shutting_down = false;
  bool over_memory_budget = false;  // MemoryBudget::over()
};

// Why a connection from `peer` is refused now, or nullopt (then it is counted for `peer`).
std::optional<std::string> refusal(const ServerPolicy& policy, SharedCounters& counters,
                                   const PeerAddress& peer, LoopState loop);

// A connection that refusal() let in has closed: it no longer counts.
void note_closed(const ServerPolicy& policy, SharedCounters& counters, const PeerAddress& peer);

// Takes `connection` out of a loop's list of live connections, in which each keeps its index in
// `slot`: the last one moves into its place.
template <typename Connection>
void remove_live(std::vector<Connection*>& live, Connection* connection) {
  Connection* last = live.back();
  live[connection->slot] = last;
  last->slot = connection->slot;
  live.pop_back();
}

// Out of descriptors: frees the spare one (`spare_fd`, reopened after) to accept the next peer
// waiting on `listen_fd` and close it at once, so that the listener does not stay readable
// forever. False when no peer was waiting.
bool refuse_with_spare_descriptor(int listen_fd, int& spare_fd);

}  // namespace wscore::transport
