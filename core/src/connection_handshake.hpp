// SPDX-License-Identifier: MIT
// Connection's opening-handshake state, private to the core: the parser of the request (server)
// or of the response (client), and what the handshake has decided so far.
#pragma once

#include <optional>

#include "wscore/connection.hpp"

namespace wscore {

struct Connection::HandshakeState {
  std::optional<HandshakeRequestParser> request_parser;    // server role
  HandshakeRequest request;                                // server role, once parsed
  std::optional<HandshakeResponseParser> response_parser;  // client role
  std::optional<DeflateParameters> deflate_offer;          // client role, if we offered it
  bool plain_http = false;  // server role: the request was reported as HttpRequestReceived
};

}  // namespace wscore
