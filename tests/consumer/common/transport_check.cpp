// SPDX-License-Identifier: MIT
// A program built against wscore::transport as an embedder builds one: it makes an epoll
// EventLoop and the two TLS configurations (which seed mbedTLS's random generator), and loads a
// certificate that is not there, which must fail with a message naming the file. Linking it
// needs mbedTLS and Threads as the package declares them; it exits non-zero on any mismatch.
#include <cstdio>
#include <string>

#include "wscore/transport/event_loop.hpp"
#include "wscore/transport/tls.hpp"

int main() {
  wscore::transport::EventLoop loop;
  bool ok = true;
  loop.post([&] { loop.stop(); });
  loop.run(std::chrono::milliseconds(10), [] {});  // runs the posted task, which stops it

  wscore::transport::TlsServerConfig server_config;
  const auto failure = server_config.load("missing-cert.pem", "missing-key.pem");
  if (!failure || failure->message.find("missing-cert.pem") == std::string::npos) {
    std::printf("loading a missing certificate: %s\n",
                failure ? failure->message.c_str() : "no error");
    ok = false;
  } else {
    std::printf("TlsServerConfig::load: %s\n", failure->message.c_str());
  }
  if (server_config.loaded()) ok = false;

  wscore::transport::TlsClientConfig client_config;
  if (!client_config.verifies_peer()) {
    std::printf("a new TlsClientConfig does not verify its peer\n");
    ok = false;
  }
  return ok ? 0 : 1;
}
