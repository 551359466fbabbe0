// SPDX-License-Identifier: MIT
// What a Stream needs to know of the layer it runs over. A plain one (tcp::socket, or any
// AsyncReadStream/AsyncWriteStream with lowest_layer()) needs nothing more; TLS
// (asio::ssl::stream<...>) is described in wscore/asio/ssl.hpp, which must be included for it.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

namespace wscore::asio {

template <class NextLayer>
struct LayerTraits {
  static constexpr bool tls = false;
  // How the layer reports that the peer closed the stream.
  static bool is_end_of_stream(const boost::system::error_code& error) noexcept {
    return error == boost::asio::error::eof;
  }
};

// asio::ssl::stream has a handshake_type; a layer that has one and no TLS traits was meant to
// be a TLS stream.
template <class NextLayer>
concept LooksLikeTls = requires {
  typename NextLayer::handshake_type;
};

}  // namespace wscore::asio
