// SPDX-License-Identifier: MIT
#include "client_tls.hpp"

namespace wscore::cli {

std::optional<transport::TlsBackend> tls_backend_option(const Arguments& args, std::string& error) {
  const std::string name = args.value("tls-backend").value_or("mbedtls");
  const auto backend = transport::parse_tls_backend(name);
  if (!backend) {
    error = "--tls-backend is mbedtls or openssl, not '" + name + "'";
    return std::nullopt;
  }
  if (!transport::tls_backend_available(*backend)) {
    error = "--tls-backend " + name + ": this build has no " + name +
            " (libssl-dev was not found); use --tls-backend mbedtls";
    return std::nullopt;
  }
  return backend;
}

std::optional<std::string> load_client_trust(const Arguments& args,
                                             transport::TlsClientConfig& tls) {
  std::string error;
  const auto backend = tls_backend_option(args, error);
  if (!backend) return error;
  if (*backend != tls.backend()) tls = transport::TlsClientConfig(*backend);
  if (args.has("insecure")) {
    tls.disable_verification();
    return std::nullopt;
  }
  const auto cafile = args.value("cafile");
  const auto failure = cafile ? tls.load_ca(*cafile) : tls.load_system_ca();
  if (failure) return failure->message;
  return std::nullopt;
}

}  // namespace wscore::cli
