// SPDX-License-Identifier: MIT
#include "client_tls.hpp"

namespace wscore::cli {

std::optional<std::string> load_client_trust(const Arguments& args,
                                             transport::TlsClientConfig& tls) {
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
