// SPDX-License-Identifier: MIT
// A program built against wscore::core the way an embedder builds one (an installed package,
// pkg-config or add_subdirectory): a client and a server Driver talk to each other in memory —
// the opening handshake (RFC 6455 §4), a text and a binary message echoed back, and the close
// handshake (§7.1.2) with 1000 on both ends, after which the server closes first (§7.1.1). Prints
// what each end saw and exits non-zero on any difference from the expected trace.
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wscore/driver.hpp"
#include "wscore/version.hpp"

namespace {

using namespace std::chrono_literals;
using Trace = std::vector<std::string>;

std::string describe(wscore::MessageType type, wscore::ByteView data) {
  if (type == wscore::MessageType::text) return "text " + std::string(wscore::as_text(data));
  std::string hex = "binary";
  for (const std::byte byte : data) {
    std::array<char, 4> digits{};
    std::snprintf(digits.data(), digits.size(), " %02x", static_cast<unsigned>(byte));
    hex += digits.data();
  }
  return hex;
}

// Reads every event of one end into its trace; the server accepts the request and echoes each
// message with its type.
void drain(wscore::Driver& driver, Trace& trace) {
  while (auto event = driver.next_event()) {
    std::visit(wscore::Overloaded{
                   [&](const wscore::RequestReceived& request) {
                     trace.push_back("request " + std::string(request.request->target()));
                     if (driver.accept() != wscore::ApiError::none)
                       trace.push_back("accept failed");
                   },
                   [&](const wscore::HandshakeCompleted&) { trace.push_back("open"); },
                   [&](const wscore::MessageReceived& message) {
                     trace.push_back(describe(message.type, message.data));
                     if (driver.connection().role() == wscore::Role::server &&
                         driver.send(message.type, message.data) != wscore::ApiError::none) {
                       trace.push_back("echo refused");
                     }
                   },
                   [&](const wscore::CloseReceived& close) {
                     std::string line = "close " + std::to_string(close.code);
                     if (!close.reason.empty()) line += " " + std::string(close.reason);
                     trace.push_back(line);
                   },
                   [&](const auto&) { trace.push_back("unexpected event"); },
               },
               *event);
  }
}

// Moves what `from` has written to `to` (the wire, in memory) and reads `to`'s events.
void deliver(wscore::Driver& from, wscore::Driver& to, Trace& trace) {
  const std::vector<std::byte> wire(from.pending_output().begin(), from.pending_output().end());
  from.consume_output(wire.size());
  to.receive(wire, 0ms);
  drain(to, trace);
}

bool expect(const char* end, const Trace& seen, const Trace& expected) {
  std::printf("%s:", end);
  for (const std::string& line : seen)
    std::printf(" [%s]", line.c_str());
  std::printf("\n");
  if (seen == expected) return true;
  std::printf("%s: expected", end);
  for (const std::string& line : expected)
    std::printf(" [%s]", line.c_str());
  std::printf("\n");
  return false;
}

}  // namespace

int main() {
  std::printf("wscore %s\n", wscore::version_string);
#ifdef WSCORE_EXPECTED_VERSION
  // The header the compiler found is the one the package (version file, .pc) describes.
  if (std::string_view(wscore::version_string) != WSCORE_EXPECTED_VERSION) {
    std::printf("version.hpp says %s, the package %s\n", wscore::version_string,
                WSCORE_EXPECTED_VERSION);
    return 1;
  }
#endif

  // Fixed bytes stand in for the nonce and the masking keys; a real client draws both from a
  // CSPRNG such as getrandom(2) (RFC 6455 §10.3).
  wscore::ClientHandshake handshake{};
  handshake.request.host = "example.com";
  handshake.request.target = "/consumer";
  handshake.nonce.fill(std::byte{0x5a});
  std::uint8_t next_random = 0;
  const wscore::RandomSource random = [&](wscore::MutableByteView bytes) {
    for (std::byte& byte : bytes)
      byte = static_cast<std::byte>(next_random++);
  };

  wscore::Driver server = wscore::Driver::server({}, {}, 0ms);
  wscore::Driver client = wscore::Driver::client(handshake, {}, random, {}, 0ms);
  Trace server_trace, client_trace;

  deliver(client, server, server_trace);  // the request; the server accepts it
  deliver(server, client, client_trace);  // the 101 response
  const std::array<std::byte, 4> binary{std::byte{0x00}, std::byte{0x01}, std::byte{0xfe},
                                        std::byte{0xff}};
  bool sent = client.send(wscore::MessageType::text, wscore::as_bytes("hello, wscore")) ==
                  wscore::ApiError::none &&
              client.send(wscore::MessageType::binary, binary) == wscore::ApiError::none;
  deliver(client, server, server_trace);  // both messages; the server echoes them
  deliver(server, client, client_trace);
  sent = sent && client.close(wscore::close_code::normal, "done") == wscore::ApiError::none;
  deliver(client, server, server_trace);  // our Close; the server answers with its own
  deliver(server, client, client_trace);
  // The server closes TCP once its Close is written; the client sees the end of the stream.
  const bool server_closes = server.should_close();
  client.receive_eof(0ms);
  drain(client, client_trace);

  bool ok =
      expect("server", server_trace,
             {"request /consumer", "text hello, wscore", "binary 00 01 fe ff", "close 1000 done"});
  ok = expect("client", client_trace,
              {"open", "text hello, wscore", "binary 00 01 fe ff", "close 1000"}) &&
       ok;
  if (!sent) std::printf("a send or close call was refused\n");
  if (!server_closes || !client.should_close()) std::printf("the transports were not closed\n");
  return ok && sent && server_closes && client.should_close() ? 0 : 1;
}
