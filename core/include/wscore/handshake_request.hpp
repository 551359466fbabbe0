// SPDX-License-Identifier: MIT
/// @file
/// Server side of the opening handshake (RFC 6455 §4.2): parse the client's request, then build
/// the 101 response or an error response.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/bytes.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/extension_offer.hpp"
#include "wscore/http_error.hpp"

namespace wscore {

/// One header field, as views: from HandshakeRequest::headers() (or HandshakeResponse's), views
/// of the request's storage; given by the caller (AcceptOptions, HttpResponse, ...), views of the
/// caller's strings, read during the call they are passed to and not kept.
struct HttpHeader {
  /// The field name, as sent (compare it case-insensitively).
  std::string_view name;
  std::string_view value;  ///< leading and trailing whitespace removed
};

/// A parsed, validated opening handshake request. Views point into storage the request owns;
/// they stay valid as long as the request object (moving it keeps them valid; a copy has views
/// into its own storage).
///
/// @lifetime Every view the accessors return (and those inside headers(), subprotocols() and
/// extensions()) points into the request's own copy of the head: valid until the request is
/// destroyed or assigned to. A copy, or the request moved into, has views of its own storage.
class HandshakeRequest {
 public:
  /// An empty request (every view empty).
  HandshakeRequest() = default;
  /// Copies the head; the copy's views point into its own storage.
  HandshakeRequest(const HandshakeRequest& other);
  /// Takes `other`'s head; the views follow it.
  HandshakeRequest(HandshakeRequest&& other) noexcept;
  /// Copies the head; the views point into this request's storage.
  HandshakeRequest& operator=(const HandshakeRequest& other);
  /// Takes `other`'s head; the views follow it.
  HandshakeRequest& operator=(HandshakeRequest&& other) noexcept;
  /// Frees the head: every view into it ends.
  ~HandshakeRequest() = default;

  /// The request method, case-sensitive: "GET" for an upgrade (RFC 6455 §4.2.1 item 1).
  std::string_view method() const noexcept { return method_; }
  std::string_view target() const noexcept { return target_; }  ///< path and query, as sent
  /// The target's path (origin-form, starting with '/'), percent-encoding kept.
  std::string_view path() const noexcept { return path_; }
  std::string_view query() const noexcept { return query_; }  ///< after '?', empty if none
  /// The Host header's value (RFC 9112 §3.2).
  std::string_view host() const noexcept { return host_; }
  /// The Origin header's value (RFC 6455 §4.2.1 item 7, §10.2), if the client sent one.
  std::optional<std::string_view> origin() const noexcept { return origin_; }
  std::string_view key() const noexcept { return key_; }  ///< Sec-WebSocket-Key, as sent
  /// Every header field, in the order sent.
  std::span<const HttpHeader> headers() const noexcept { return headers_; }
  /// The first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// Sec-WebSocket-Protocol tokens in the client's order of preference (RFC 6455 §4.1 item 10).
  std::span<const std::string_view> subprotocols() const noexcept { return subprotocols_; }
  /// Sec-WebSocket-Extensions offers in the client's order (RFC 6455 §9.1).
  /// @lifetime The offers are values (they own their strings); the span ends with the request.
  std::span<const ExtensionOffer> extensions() const noexcept { return extensions_; }

 private:
  friend class HandshakeRequestParser;
  // Re-points every view from a head that started at `old_base` into head_.
  void rebase_views(const char* old_base) noexcept;

  std::string head_;  // the raw head; every view below points into it
  std::string_view method_, target_, path_, query_, host_, key_;
  std::optional<std::string_view> origin_;
  std::vector<HttpHeader> headers_;
  std::vector<std::string_view> subprotocols_;
  std::vector<ExtensionOffer> extensions_;
};

/// Incremental parser: feed any split of the input; it stops at the end of the request head.
class HandshakeRequestParser {
 public:
  /// The longest head accepted by default; a longer one fails with 431.
  static constexpr std::size_t default_max_head_size = 8 * 1024;
  /// A parser for heads of at most `max_head_size` bytes. With `plain_http`, a request that does
  /// not ask for a WebSocket completes as http_request instead of failing (see feed()).
  explicit HandshakeRequestParser(std::size_t max_head_size = default_max_head_size,
                                  bool plain_http = false) noexcept
      : head_scanner_(max_head_size), plain_http_(plain_http) {}

  /// Where the parse is: more bytes needed, a WebSocket request, a plain HTTP request (with
  /// plain_http), or a failure (error()).
  enum class Status { need_more, complete, http_request, failed };
  /// What one feed() did.
  struct Result {
    /// The parser's status after the call.
    Status status;
    std::size_t bytes_consumed;  ///< never past the end of the head: later bytes are frames
  };

  /// Takes bytes up to the end of the head. On failure, error() says why, with the status to
  /// answer with. Checks run in this order; the first that fails decides the status:
  ///
  /// @verbatim
  ///   while reading the head (so the error does not wait for the end of the head):
  ///     400  request line not `token SP origin-form SP HTTP-version` (RFC 9112 §3; an
  ///          absolute-form or asterisk-form target is rejected too)
  ///     505  HTTP version other than 1.1 or a later 1.x (RFC 6455 §4.2.1 item 1)
  ///     405  method other than GET (case-sensitive; RFC 6455 §4.2.1 item 1)
  ///     400  NUL, bare CR or LF, obs-fold, bad header syntax (RFC 9112 §2.2, §5)
  ///     431  head longer than max_head_size without its blank line
  ///   once the head is complete:
  ///     400  Host missing, repeated, empty or not a valid authority (RFC 9112 §3.2)
  ///     400  Transfer-Encoding, or Content-Length other than 0 (the bytes after the head are
  ///          frames, so a request body cannot be framed)
  ///     400  Upgrade without a "websocket" element (RFC 6455 §4.2.1 item 3)
  ///     400  Connection without an "upgrade" element (RFC 6455 §4.2.1 item 4)
  ///     426  not exactly one Sec-WebSocket-Version, or its value is not 13 (§4.2.1 item 6,
  ///          §4.2.2 item 4); write_error_response adds `Sec-WebSocket-Version: 13`
  ///     400  Sec-WebSocket-Key missing, repeated (§11.3.1) or not base64 of 16 bytes (item 5)
  ///     400  Origin repeated
  ///     400  Sec-WebSocket-Protocol element that is not a token, or repeated (§4.1 item 10)
  ///     400  Sec-WebSocket-Extensions that does not follow the §9.1 grammar
  /// @endverbatim
  /// With plain_http, the version (other than 1.x) and method checks wait for the end of the head;
  /// a head without an Upgrade naming "websocket" then completes as http_request once it passes
  /// RFC 9112's checks (400 for a bad request line or field, a missing or repeated Host in
  /// HTTP/1.1, an invalid Host; 505 for a version other than 1.x), with any method; every other
  /// head goes through the checks above.
  /// bytes_consumed counts the bytes taken by this call; on failure it runs up to and including
  /// the byte at which the error was found. After complete or failed, feed() takes nothing.
  /// The parser copies what it takes: `input` may be reused after the call.
  Result feed(ByteView input);

  /// Where the parse is.
  Status status() const noexcept { return status_; }
  /// When complete or http_request (then only method, target, path, query, host and headers).
  /// @lifetime The request is the parser's: valid until take_request() or the parser's end.
  const HandshakeRequest& request() const noexcept { return request_; }
  /// Moves the request out of the parser (request() is empty afterwards).
  HandshakeRequest take_request() noexcept { return std::move(request_); }
  HttpError error() const noexcept { return error_; }  ///< when failed; `what` is a literal

 private:
  Result fail(int status, std::string_view what, std::size_t bytes_consumed) noexcept;
  // Checks the complete head and fills in request_'s views; returns an error if it fails.
  std::optional<HttpError> finish_request();
  std::optional<HttpError> finish_upgrade_request();

  detail::HttpHeadScanner head_scanner_;
  bool plain_http_;
  Status status_ = Status::need_more;
  HandshakeRequest request_;
  HttpError error_;
};

/// True if `header.name` is an HTTP token and `header.value` holds no CR, LF, NUL or other
/// control character but HTAB (RFC 9110 §5.5): caller-supplied headers cannot inject lines.
[[nodiscard]] bool is_valid_header(const HttpHeader& header) noexcept;

/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) (RFC 6455 §4.2.2 item 5.4).
[[nodiscard]] std::string compute_accept_key(std::string_view key);

/// What a 101 response carries beside the accept key (write_accept_response()). The views are
/// the caller's, read during the call only.
struct AcceptResponse {
  std::string_view subprotocol{};  ///< empty: no Sec-WebSocket-Protocol header
  std::string_view extensions{};   ///< formatted Sec-WebSocket-Extensions value, or empty
  /// More header fields, written as given (check them with is_valid_header()).
  std::span<const HttpHeader> extra_headers{};
};

/// Appends "HTTP/1.1 101 Switching Protocols" with Upgrade, Connection, Sec-WebSocket-Accept and
/// the chosen subprotocol and extensions (RFC 6455 §4.2.2 item 5).
void write_accept_response(std::string& out, std::string_view key, const AcceptResponse& fields);

/// A plain HTTP response to a request that did not ask for a WebSocket (Connection::respond(),
/// write_http_response()). The views are the caller's, read during the call only: they may point
/// into the request being answered.
struct HttpResponse {
  /// The status code; its reason phrase comes from the standard table.
  int status = 404;
  /// The Content-Type header's value.
  std::string_view content_type = "text/plain; charset=utf-8";
  /// The body; Content-Length is its size.
  std::string_view body = "not found\n";
  std::span<const HttpHeader> headers = {};  ///< more header fields (validated by respond())
  bool head_only = false;  ///< the request was HEAD: the same headers, no body (RFC 9110 §9.3.2)
};

/// Appends a whole HTTP/1.1 response: the status line with the reason phrase of the one table
/// (detail::reason_phrase), Content-Type, Content-Length, Connection: close (we answer one request
/// per connection), `Allow: GET, HEAD` on a 405 that names none (RFC 9110 §15.5.6), the extra
/// headers, then the body unless head_only.
void write_http_response(std::string& out, const HttpResponse& response);

/// Appends an error response: status line with the standard reason phrase (empty for a status
/// without one; a status outside 100-599 is written as 500), Content-Type text/plain,
/// Content-Length, Connection: close, the extra headers, and `body` (a short explanation)
/// followed by a newline. On 426 it also sends `Sec-WebSocket-Version: 13` (RFC 6455 §4.2.2
/// item 4) and `Upgrade: websocket`, with "Upgrade" added to Connection (RFC 9110 §15.5.22, §7.8).
void write_error_response(std::string& out, int status, std::string_view body,
                          std::span<const HttpHeader> extra_headers = {});

}  // namespace wscore
