// SPDX-License-Identifier: MIT
// Which end of a WebSocket connection we are (RFC 6455 §1.3): it decides masking (§5.1, §5.3),
// who closes TCP first (§7.1.1) and which side of the opening handshake we play.
#pragma once

#include <cstdint>

namespace wscore {

enum class Role : std::uint8_t { server, client };

}  // namespace wscore
