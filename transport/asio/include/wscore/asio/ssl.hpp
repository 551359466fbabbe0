// SPDX-License-Identifier: MIT
// wscore::asio::Stream over asio::ssl::stream (OpenSSL): the opening handshake operations
// (async_accept, async_handshake) run the TLS handshake first, within the driver's handshake
// timeout, and closing sends close_notify (RFC 8446 §6.1) before the socket is closed.
// Certificates, verification and SNI are set up on the ssl::context and ssl::stream as usual.
#pragma once

#include <boost/asio/ssl.hpp>

#include "wscore/asio/stream.hpp"

namespace wscore::asio {

template <class Next>
struct LayerTraits<boost::asio::ssl::stream<Next>> {
  static constexpr bool tls = true;
  // close_notify reads as eof; a TCP close without it as stream_truncated. WebSocket has its
  // own closing handshake, so both end the stream the same way.
  static bool is_end_of_stream(const boost::system::error_code& error) noexcept {
    return error == boost::asio::error::eof || error == boost::asio::ssl::error::stream_truncated;
  }
};

}  // namespace wscore::asio
