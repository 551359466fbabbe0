// SPDX-License-Identifier: MIT
// Client side of the opening handshake (RFC 6455 §4.1): the request and the response parser.
#include "wscore/handshake_response.hpp"

#include <algorithm>

#include "wscore/detail/base64.hpp"

namespace wscore {
namespace {

using detail::equals_ignore_case;
using detail::find_headers;

struct StatusLine {
  detail::HttpVersion version;
  int status = 0;
  std::string_view reason;
};

// RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ], where
// status-code = 3DIGIT (100-599 are the valid values, RFC 9110 §15) and
// reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
std::optional<StatusLine> parse_status_line(std::string_view line) {
  constexpr std::size_t version_size = 8;  // "HTTP/1.1"
  constexpr std::size_t reason_begin = version_size + 5;
  if (line.size() < reason_begin || line[version_size] != ' ' || line[reason_begin - 1] != ' ') {
    return std::nullopt;
  }
  StatusLine parsed;
  const std::optional<detail::HttpVersion> version =
      detail::parse_http_version(line.substr(0, version_size));
  if (!version || version->major != 1) return std::nullopt;
  parsed.version = *version;
  for (std::size_t i = version_size + 1; i < reason_begin - 1; ++i) {
    if (line[i] < '0' || line[i] > '9') return std::nullopt;
    parsed.status = parsed.status * 10 + (line[i] - '0');
  }
  if (parsed.status < 100 || parsed.status > 599) return std::nullopt;
  parsed.reason = line.substr(reason_begin);
  for (const char c : parsed.reason) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte != '\t' && (byte < 0x20 || byte == 0x7F)) return std::nullopt;
  }
  return parsed;
}

bool contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::string write_client_request(std::string& out, const ClientRequestOptions& options,
                                 const HandshakeNonce& nonce) {
  // RFC 6455 §4.1, the client's handshake items 1-11.
  std::string key = detail::base64_encode(nonce);
  out.append("GET ");
  out.append(options.target.empty() ? std::string_view("/") : options.target);
  out.append(" HTTP/1.1\r\n");
  detail::append_header_line(out, "Host", options.host);
  detail::append_header_line(out, "Upgrade", "websocket");
  detail::append_header_line(out, "Connection", "Upgrade");
  detail::append_header_line(out, "Sec-WebSocket-Key", key);
  if (!options.origin.empty()) detail::append_header_line(out, "Origin", options.origin);
  if (!options.subprotocols.empty()) {
    out.append("Sec-WebSocket-Protocol: ");
    for (std::size_t i = 0; i < options.subprotocols.size(); ++i) {
      if (i != 0) out.append(", ");
      out.append(options.subprotocols[i]);
    }
    out.append("\r\n");
  }
  detail::append_header_line(out, "Sec-WebSocket-Version", "13");
  if (!options.extensions.empty()) {
    detail::append_header_line(out, "Sec-WebSocket-Extensions", options.extensions);
  }
  for (const HttpHeader& header : options.extra_headers) {
    detail::append_header_line(out, header.name, header.value);
  }
  out.append("\r\n");
  return key;
}

HandshakeResponse::HandshakeResponse(const HandshakeResponse& other) {
  *this = other;
}

HandshakeResponse::HandshakeResponse(HandshakeResponse&& other) noexcept {
  *this = std::move(other);
}

HandshakeResponse& HandshakeResponse::operator=(const HandshakeResponse& other) {
  if (this == &other) return *this;
  head_ = other.head_;
  status_ = other.status_;
  reason_ = other.reason_;
  subprotocol_ = other.subprotocol_;
  headers_ = other.headers_;
  extensions_ = other.extensions_;
  rebase_views(other.head_.data());
  return *this;
}

HandshakeResponse& HandshakeResponse::operator=(HandshakeResponse&& other) noexcept {
  if (this == &other) return *this;
  // A short string moves by copying its characters, so the views must follow them.
  const char* old_base = other.head_.data();
  head_ = std::move(other.head_);
  status_ = other.status_;
  reason_ = other.reason_;
  subprotocol_ = other.subprotocol_;
  headers_ = std::move(other.headers_);
  extensions_ = std::move(other.extensions_);
  rebase_views(old_base);
  return *this;
}

void HandshakeResponse::rebase_views(const char* old_base) noexcept {
  const char* new_base = head_.data();
  reason_ = detail::rebase_view(reason_, old_base, new_base);
  subprotocol_ = detail::rebase_view(subprotocol_, old_base, new_base);
  for (HttpHeader& header : headers_) {
    header.name = detail::rebase_view(header.name, old_base, new_base);
    header.value = detail::rebase_view(header.value, old_base, new_base);
  }
}

std::optional<std::string_view> HandshakeResponse::header(std::string_view name) const noexcept {
  for (const HttpHeader& header : headers_) {
    if (equals_ignore_case(header.name, name)) return header.value;
  }
  return std::nullopt;
}

HandshakeResponseParser::HandshakeResponseParser(std::string expected_key,
                                                 std::vector<std::string> offered_subprotocols,
                                                 std::vector<std::string> offered_extension_names,
                                                 std::size_t max_head_size)
    : expected_accept_(compute_accept_key(expected_key)),
      offered_subprotocols_(std::move(offered_subprotocols)),
      offered_extension_names_(std::move(offered_extension_names)),
      head_scanner_(max_head_size) {}

HandshakeResponseParser::Result HandshakeResponseParser::feed(ByteView input) {
  using Event = detail::HttpHeadScanner::Event;
  if (status_ != Status::need_more) return {status_, 0};
  std::size_t consumed = 0;
  for (;;) {
    const detail::HttpHeadScanner::Step step =
        head_scanner_.scan(input.subspan(consumed), response_.head_);
    consumed += step.bytes_consumed;
    switch (step.event) {
      case Event::need_more:
        return {Status::need_more, consumed};
      case Event::malformed:
      case Event::too_large:
        return fail(0, head_scanner_.what(), consumed);
      case Event::start_line: {
        const std::optional<StatusLine> line =
            parse_status_line(head_scanner_.start_line(response_.head_));
        if (!line) return fail(0, "malformed status line", consumed);
        response_.status_ = line->status;
        break;
      }
      case Event::end_of_head: {
        const std::optional<HttpError> error = finish_response();
        if (error) return fail(error->status, error->what, consumed);
        status_ = Status::complete;
        return {Status::complete, consumed};
      }
    }
  }
}

HandshakeResponseParser::Result HandshakeResponseParser::fail(int status, std::string_view what,
                                                              std::size_t bytes_consumed) noexcept {
  status_ = Status::failed;
  error_ = {status, what};
  return {Status::failed, bytes_consumed};
}

std::optional<HttpError> HandshakeResponseParser::finish_response() {
  HandshakeResponse& response = response_;
  const std::string_view head = response.head_;
  const StatusLine line = *parse_status_line(head.substr(0, head.find("\r\n")));  // checked
  response.reason_ = line.reason;
  response.headers_.reserve(head_scanner_.field_count());
  for (std::size_t i = 0; i < head_scanner_.field_count(); ++i) {
    const detail::HttpHeadScanner::Field field = head_scanner_.field(head, i);
    response.headers_.push_back({field.name, field.value});
  }
  const std::vector<HttpHeader>& headers = response.headers_;
  const int status = response.status_;

  // RFC 6455 §4.1, the client's checks of the server's response, in order.
  // 1. Anything but 101 means HTTP semantics still apply (redirect, authentication, ...).
  if (status != 101) return HttpError{status, "server did not switch protocols"};
  if (line.version.minor < 1) return HttpError{status, "101 response is not HTTP/1.1"};

  // 2. Upgrade must be "websocket" (case-insensitive) and nothing else.
  bool upgrade_is_websocket = false;
  for (const HttpHeader& header : headers) {
    if (!equals_ignore_case(header.name, "Upgrade")) continue;
    std::string_view rest = header.value;
    std::string_view element;
    while (detail::next_list_element(rest, element)) {
      if (!equals_ignore_case(element, "websocket")) {
        return HttpError{status, "Upgrade header is not websocket"};
      }
      upgrade_is_websocket = true;
    }
  }
  if (!upgrade_is_websocket) return HttpError{status, "missing Upgrade: websocket"};

  // 3. Connection must include the token "Upgrade" (case-insensitive).
  bool connection_upgrade = false;
  for (const HttpHeader& header : headers) {
    if (equals_ignore_case(header.name, "Connection") &&
        detail::list_contains(header.value, "upgrade")) {
      connection_upgrade = true;
    }
  }
  if (!connection_upgrade) return HttpError{status, "Connection header does not name upgrade"};

  // 4. Sec-WebSocket-Accept, once (§11.3.3), equal to the key's accept value.
  const detail::HeaderOccurrences accept = find_headers(headers, "Sec-WebSocket-Accept");
  if (accept.count == 0) return HttpError{status, "missing Sec-WebSocket-Accept header"};
  if (accept.count > 1) return HttpError{status, "more than one Sec-WebSocket-Accept header"};
  if (accept.first_value != expected_accept_) {
    return HttpError{status, "Sec-WebSocket-Accept does not match the key"};
  }

  // 5. Extensions: at most one field in a response (§11.3.2), each one offered by us.
  const detail::HeaderOccurrences extensions = find_headers(headers, "Sec-WebSocket-Extensions");
  if (extensions.count > 1) {
    return HttpError{status, "more than one Sec-WebSocket-Extensions header"};
  }
  if (extensions.count == 1) {
    if (!parse_extension_offers(extensions.first_value, response.extensions_)) {
      return HttpError{status, "malformed Sec-WebSocket-Extensions header"};
    }
    for (const ExtensionOffer& extension : response.extensions_) {
      if (!contains(offered_extension_names_, extension.name)) {
        return HttpError{status, "server accepted an extension that was not offered"};
      }
    }
  }

  // 6. Subprotocol: at most one field (§11.3.4), a single token (§4.3), one we offered.
  const detail::HeaderOccurrences protocol = find_headers(headers, "Sec-WebSocket-Protocol");
  if (protocol.count > 1) return HttpError{status, "more than one Sec-WebSocket-Protocol header"};
  if (protocol.count == 1) {
    if (!detail::is_token(protocol.first_value)) {
      return HttpError{status, "Sec-WebSocket-Protocol is not a single token"};
    }
    if (!contains(offered_subprotocols_, protocol.first_value)) {
      return HttpError{status, "server chose a subprotocol that was not offered"};
    }
    response.subprotocol_ = protocol.first_value;
  }
  return std::nullopt;
}

}  // namespace wscore
