// SPDX-License-Identifier: MIT
// The certificate trust of the client commands (connect, bench): --insecure, --cafile FILE, or
// the system store.
#pragma once

#include <optional>
#include <string>

#include "arguments.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::cli {

// Loads into `tls` what the arguments ask for; a one-line error when a file cannot be used.
std::optional<std::string> load_client_trust(const Arguments& args,
                                             transport::TlsClientConfig& tls);

}  // namespace wscore::cli
