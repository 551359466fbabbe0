// SPDX-License-Identifier: MIT
/// @file
/// Client side of the opening handshake (RFC 6455 §4.1): build the request, then parse and
/// validate the server's response.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/bytes.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/extension_offer.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/http_error.hpp"

namespace wscore {

/// The 16 random bytes whose base64 is the Sec-WebSocket-Key (RFC 6455 §4.1 item 7).
using HandshakeNonce = std::array<std::byte, 16>;

/// What goes into a client's opening request (write_client_request(), Connection::client()).
/// Every view is the caller's and is read during that call only: the request is written then.
struct ClientRequestOptions {
  std::string_view host{};    ///< Host header value, with ":port" when not the default
  std::string_view target{};  ///< "/path?query"; empty means "/"
  std::string_view origin{};  ///< empty: no Origin header
  /// Sec-WebSocket-Protocol tokens to offer, in our order of preference; none: no header.
  std::span<const std::string_view> subprotocols{};
  std::string_view extensions{};  ///< formatted Sec-WebSocket-Extensions offer value, or empty
  /// More header fields, written after the others.
  std::span<const HttpHeader> extra_headers{};
};

/// Appends the GET request (RFC 6455 §4.1) and returns the Sec-WebSocket-Key it used:
/// base64 of `nonce`, which the caller must draw from an unpredictable source (§10.3, §4.1).
/// Header order: Host, Upgrade, Connection, Sec-WebSocket-Key, Origin, Sec-WebSocket-Protocol
/// (the subprotocols joined with ", "), Sec-WebSocket-Version, Sec-WebSocket-Extensions, then
/// the extra headers. The options are written as given: the caller must not pass CR, LF or other
/// characters that are invalid in a header value.
std::string write_client_request(std::string& out, const ClientRequestOptions& options,
                                 const HandshakeNonce& nonce);

/// The server's response head. Views point into storage the object owns (moving or copying it
/// keeps them valid).
///
/// @lifetime Every view the accessors return points into the response's own copy of the head:
/// valid until the response is destroyed or assigned to. A copy, or the response moved into,
/// has views of its own storage.
class HandshakeResponse {
 public:
  /// An empty response (status 0, every view empty).
  HandshakeResponse() = default;
  /// Copies the head; the copy's views point into its own storage.
  HandshakeResponse(const HandshakeResponse& other);
  /// Takes `other`'s head; the views follow it.
  HandshakeResponse(HandshakeResponse&& other) noexcept;
  /// Copies the head; the views point into this response's storage.
  HandshakeResponse& operator=(const HandshakeResponse& other);
  /// Takes `other`'s head; the views follow it.
  HandshakeResponse& operator=(HandshakeResponse&& other) noexcept;
  /// Frees the head: every view into it ends.
  ~HandshakeResponse() = default;

  /// The status code (101 when the server switched protocols).
  int status() const noexcept { return status_; }
  /// The reason phrase, as sent.
  std::string_view reason() const noexcept { return reason_; }
  /// Every header field, in the order sent.
  std::span<const HttpHeader> headers() const noexcept { return headers_; }
  /// The first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  std::string_view subprotocol() const noexcept { return subprotocol_; }  ///< empty if none
  /// The extensions the server accepted (Sec-WebSocket-Extensions), in its order.
  std::span<const ExtensionOffer> extensions() const noexcept { return extensions_; }

 private:
  friend class HandshakeResponseParser;
  void rebase_views(const char* old_base) noexcept;

  std::string head_;
  int status_ = 0;
  std::string_view reason_, subprotocol_;
  std::vector<HttpHeader> headers_;
  std::vector<ExtensionOffer> extensions_;
};

/// Incremental parser of the server's response, validating it against what the client sent.
class HandshakeResponseParser {
 public:
  /// The longest head accepted by default.
  static constexpr std::size_t default_max_head_size = 8 * 1024;
  /// A parser that expects the accept key for `expected_key` (the Sec-WebSocket-Key sent) and
  /// allows only the subprotocols and extension names offered; it keeps its own copies.
  HandshakeResponseParser(std::string expected_key, std::vector<std::string> offered_subprotocols,
                          std::vector<std::string> offered_extension_names,
                          std::size_t max_head_size = default_max_head_size);

  /// Where the parse is: more bytes needed, a valid 101, or a failure (error()).
  enum class Status { need_more, complete, failed };
  /// What one feed() did.
  struct Result {
    /// The parser's status after the call.
    Status status;
    std::size_t bytes_consumed;  ///< never past the end of the head
  };

  /// Takes bytes up to the end of the head. On failure error().what says why and
  /// error().status is:
  /// @verbatim
  ///   0    the head is malformed or too large (checked as bytes arrive, as on the server side:
  ///        NUL, bare CR or LF, obs-fold, bad header syntax; a status line that is not
  ///        "HTTP/1.x SP 3DIGIT SP reason-phrase" with a status in 100-599, RFC 9112 §4);
  ///   the response's status, once the head is complete and well-formed:
  ///        any status other than 101 (RFC 6455 §4.1 check 1; response() still has the headers);
  ///        101 with: an HTTP/1.0 status line; Upgrade not exactly "websocket" (check 2);
  ///        Connection without "upgrade" (check 3); Sec-WebSocket-Accept missing, repeated or
  ///        wrong (check 4, §11.3.3); Sec-WebSocket-Extensions repeated (§11.3.2), malformed
  ///        or naming an extension not offered (check 5; names compare case-sensitively);
  ///        Sec-WebSocket-Protocol repeated (§11.3.4), not a token, or not one that was
  ///        offered (check 6; case-sensitive), or present when none was offered.
  /// @endverbatim
  /// bytes_consumed never runs past the end of the head; a non-101 response's body is left to
  /// the caller. After complete or failed, feed() takes nothing. The parser copies what it
  /// takes: `input` may be reused after the call.
  Result feed(ByteView input);

  /// Where the parse is.
  Status status() const noexcept { return status_; }
  const HandshakeResponse& response() const noexcept { return response_; }  ///< complete or failed
  /// Why the response was refused (when failed); `what` is a string literal.
  HttpError error() const noexcept { return error_; }

 private:
  Result fail(int status, std::string_view what, std::size_t bytes_consumed) noexcept;
  // Checks the complete head and fills in response_'s views; returns an error if it fails.
  std::optional<HttpError> finish_response();

  std::string expected_accept_;
  std::vector<std::string> offered_subprotocols_;
  std::vector<std::string> offered_extension_names_;
  detail::HttpHeadScanner head_scanner_;
  Status status_ = Status::need_more;
  HandshakeResponse response_;
  HttpError error_;
};

}  // namespace wscore
