// SPDX-License-Identifier: MIT
// Built instead of the OpenSSL backend when CMake finds no OpenSSL 3: a config for it loads
// nothing and says why (tls_config.cpp), and the backend is reported unavailable.
#include "tls_engine.hpp"

namespace wscore::transport {
namespace detail {

std::unique_ptr<TlsConfigEngine> make_openssl_config(TlsRole) {
  return nullptr;
}

}  // namespace detail

bool tls_backend_available(TlsBackend backend) noexcept {
  return backend == TlsBackend::mbedtls;
}

}  // namespace wscore::transport
