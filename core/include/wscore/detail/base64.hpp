// SPDX-License-Identifier: MIT
// Base64 with the standard alphabet (RFC 4648 §4), as the handshake uses it for
// Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4.1 item 7, §4.2.2 item 5.4).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/bytes.hpp"

namespace wscore::detail {

// Appends the padded encoding of `data` to `out`.
void base64_encode(ByteView data, std::string& out);
[[nodiscard]] std::string base64_encode(ByteView data);

// Strict decoding: the length must be a multiple of 4, padding is required, and whitespace or
// any character outside the alphabet gives nullopt. Non-zero pad bits (a non-canonical encoding,
// RFC 4648 §3.5) are tolerated and dropped.
[[nodiscard]] std::optional<std::vector<std::byte>> base64_decode(std::string_view text);

}  // namespace wscore::detail
