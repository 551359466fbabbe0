// SPDX-License-Identifier: MIT
/// @file
/// Which end of a WebSocket connection we are (RFC 6455 §1.3): it decides masking (§5.1, §5.3),
/// who closes TCP first (§7.1.1) and which side of the opening handshake we play.
#pragma once

#include <cstdint>

namespace wscore {

/// Our end of the connection. A server reads masked frames and sends unmasked ones, and closes
/// TCP first after the close handshake; a client the reverse (RFC 6455 §5.1, §7.1.1).
enum class Role : std::uint8_t { server, client };

}  // namespace wscore
