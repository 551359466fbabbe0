// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes from a server into an open client-role connection, with the
// input's first bytes choosing the options, the split and the buffer handling. The invariants
// are described in frame_target.hpp.
#include "frame_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return wscore::fuzz::run_frame_target(wscore::Role::client, data, size);
}
