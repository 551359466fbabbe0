// SPDX-License-Identifier: MIT
// The TLS of the commands: --tls-backend mbedtls|openssl (all of them), and the certificate trust
// of the client commands (connect, bench): --insecure, --cafile FILE, or the system store.
#pragma once

#include <optional>
#include <string>

#include "arguments.hpp"
#include "wscore/transport/tls.hpp"

namespace wscore::cli {

// The backend --tls-backend names (mbedtls when absent); nullopt with a one-line `error` for an
// unknown name or one this build lacks.
std::optional<transport::TlsBackend> tls_backend_option(const Arguments& args, std::string& error);

// Makes `tls` on the backend the arguments name and loads into it what they ask for; a one-line
// error when a file cannot be used or the backend is unknown.
std::optional<std::string> load_client_trust(const Arguments& args,
                                             transport::TlsClientConfig& tls);

}  // namespace wscore::cli
