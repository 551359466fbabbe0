// SPDX-License-Identifier: MIT
// Client side of the opening handshake (RFC 6455 §4.1): build the request, then parse and
// validate the server's response.
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

using HandshakeNonce = std::array<std::byte, 16>;

struct ClientRequestOptions {
  std::string_view host{};    // Host header value, with ":port" when not the default
  std::string_view target{};  // "/path?query"; empty means "/"
  std::string_view origin{};  // empty: no Origin header
  std::span<const std::string_view> subprotocols{};
  std::string_view extensions{};  // formatted Sec-WebSocket-Extensions offer value, or empty
  std::span<const HttpHeader> extra_headers{};
};

// Appends the GET request (RFC 6455 §4.1) and returns the Sec-WebSocket-Key it used:
// base64 of `nonce`, which the caller must draw from an unpredictable source (§10.3, §4.1).
// Header order: Host, Upgrade, Connection, Sec-WebSocket-Key, Origin, Sec-WebSocket-Protocol
// (the subprotocols joined with ", "), Sec-WebSocket-Version, Sec-WebSocket-Extensions, then
// the extra headers. The options are written as given: the caller must not pass CR, LF or other
// characters that are invalid in a header value.
std::string write_client_request(std::string& out, const ClientRequestOptions& options,
                                 const HandshakeNonce& nonce);

// The server's response head. Views point into storage the object owns (moving or copying it
// keeps them valid).
class HandshakeResponse {
 public:
  HandshakeResponse() = default;
  HandshakeResponse(const HandshakeResponse& other);
  HandshakeResponse(HandshakeResponse&& other) noexcept;
  HandshakeResponse& operator=(const HandshakeResponse& other);
  HandshakeResponse& operator=(HandshakeResponse&& other) noexcept;
  ~HandshakeResponse() = default;

  int status() const noexcept { return status_; }
  std::string_view reason() const noexcept { return reason_; }
  std::span<const HttpHeader> headers() const noexcept { return headers_; }
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  std::string_view subprotocol() const noexcept { return subprotocol_; }  // empty if none
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

// Incremental parser of the server's response, validating it against what the client sent.
class HandshakeResponseParser {
 public:
  static constexpr std::size_t default_max_head_size = 8 * 1024;
  HandshakeResponseParser(std::string expected_key, std::vector<std::string> offered_subprotocols,
                          std::vector<std::string> offered_extension_names,
                          std::size_t max_head_size = default_max_head_size);

  enum class Status { need_more, complete, failed };
  struct Result {
    Status status;
    std::size_t bytes_consumed;  // never past the end of the head
  };

  // Takes bytes up to the end of the head. On failure error().what says why and
  // error().status is:
  //   0    the head is malformed or too large (checked as bytes arrive, as on the server side:
  //        NUL, bare CR or LF, obs-fold, bad header syntax; a status line that is not
  //        "HTTP/1.x SP 3DIGIT SP reason-phrase" with a status in 100-599, RFC 9112 §4);
  //   the response's status, once the head is complete and well-formed:
  //        any status other than 101 (RFC 6455 §4.1 check 1; response() still has the headers);
  //        101 with: an HTTP/1.0 status line; Upgrade not exactly "websocket" (check 2);
  //        Connection without "upgrade" (check 3); Sec-WebSocket-Accept missing, repeated or
  //        wrong (check 4, §11.3.3); Sec-WebSocket-Extensions repeated (§11.3.2), malformed
  //        or naming an extension not offered (check 5; names compare case-sensitively);
  //        Sec-WebSocket-Protocol repeated (§11.3.4), not a token, or not one that was
  //        offered (check 6; case-sensitive), or present when none was offered.
  // bytes_consumed never runs past the end of the head; a non-101 response's body is left to
  // the caller. After complete or failed, feed() takes nothing.
  Result feed(ByteView input);

  Status status() const noexcept { return status_; }
  const HandshakeResponse& response() const noexcept { return response_; }  // complete or failed
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
