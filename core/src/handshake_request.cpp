// SPDX-License-Identifier: MIT
// Server side of the opening handshake (RFC 6455 §4.2): the request parser, the accept key and
// the responses.
#include "wscore/handshake_request.hpp"

#include <algorithm>
#include <string>

#include "wscore/detail/base64.hpp"
#include "wscore/detail/sha1.hpp"

namespace wscore {
namespace {

using detail::equals_ignore_case;
using detail::find_headers;

struct RequestLine {
  std::string_view method, target;
  int minor_version = 1;
};

// RFC 9112 §3: request-line = method SP request-target SP HTTP-version, with single spaces.
// Checks the syntax (400), then the version (505), then, for an opening handshake, that it may
// upgrade: HTTP/1.1 or later (505) and GET (405).
std::optional<HttpError> parse_request_line(std::string_view line, RequestLine& parsed,
                                            bool as_handshake) {
  const std::size_t method_end = line.find(' ');
  if (method_end == std::string_view::npos) return HttpError{400, "malformed request line"};
  const std::size_t target_end = line.find(' ', method_end + 1);
  if (target_end == std::string_view::npos) return HttpError{400, "malformed request line"};
  parsed.method = line.substr(0, method_end);
  parsed.target = line.substr(method_end + 1, target_end - method_end - 1);
  const std::optional<detail::HttpVersion> version =
      detail::parse_http_version(line.substr(target_end + 1));
  if (!detail::is_token(parsed.method) || !version) {
    return HttpError{400, "malformed request line"};
  }
  if (!detail::is_origin_form(parsed.target)) {
    return HttpError{400, "request target is not an absolute path (origin-form)"};
  }
  parsed.minor_version = version->minor;
  if (!as_handshake) {
    if (version->major != 1) return HttpError{505, "HTTP version not supported"};
    return std::nullopt;
  }
  // RFC 6455 §4.2.1 item 1: "An HTTP/1.1 or higher GET request". A later 1.x minor version is
  // understood as 1.1 (RFC 9110 §2.5); HTTP/1.0 cannot upgrade.
  if (version->major != 1 || version->minor < 1) {
    return HttpError{505, "WebSocket needs HTTP/1.1"};
  }
  if (parsed.method != "GET") return HttpError{405, "the opening handshake must be a GET"};
  return std::nullopt;
}

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

}  // namespace

HandshakeRequest::HandshakeRequest(const HandshakeRequest& other) {
  *this = other;
}

HandshakeRequest::HandshakeRequest(HandshakeRequest&& other) noexcept {
  *this = std::move(other);
}

HandshakeRequest& HandshakeRequest::operator=(const HandshakeRequest& other) {
  if (this == &other) return *this;
  head_ = other.head_;
  method_ = other.method_;
  target_ = other.target_;
  path_ = other.path_;
  query_ = other.query_;
  host_ = other.host_;
  key_ = other.key_;
  origin_ = other.origin_;
  headers_ = other.headers_;
  subprotocols_ = other.subprotocols_;
  extensions_ = other.extensions_;
  rebase_views(other.head_.data());
  return *this;
}

HandshakeRequest& HandshakeRequest::operator=(HandshakeRequest&& other) noexcept {
  if (this == &other) return *this;
  // A short string moves by copying its characters, so the views must follow them.
  const char* old_base = other.head_.data();
  head_ = std::move(other.head_);
  method_ = other.method_;
  target_ = other.target_;
  path_ = other.path_;
  query_ = other.query_;
  host_ = other.host_;
  key_ = other.key_;
  origin_ = other.origin_;
  headers_ = std::move(other.headers_);
  subprotocols_ = std::move(other.subprotocols_);
  extensions_ = std::move(other.extensions_);
  rebase_views(old_base);
  return *this;
}

void HandshakeRequest::rebase_views(const char* old_base) noexcept {
  const char* new_base = head_.data();
  const auto rebase = [&](std::string_view& view) {
    view = detail::rebase_view(view, old_base, new_base);
  };
  for (std::string_view* view : {&method_, &target_, &path_, &query_, &host_, &key_}) {
    rebase(*view);
  }
  if (origin_) rebase(*origin_);
  for (HttpHeader& header : headers_) {
    rebase(header.name);
    rebase(header.value);
  }
  for (std::string_view& subprotocol : subprotocols_)
    rebase(subprotocol);
}

std::optional<std::string_view> HandshakeRequest::header(std::string_view name) const noexcept {
  for (const HttpHeader& header : headers_) {
    if (equals_ignore_case(header.name, name)) return header.value;
  }
  return std::nullopt;
}

HandshakeRequestParser::Result HandshakeRequestParser::feed(ByteView input) {
  using Event = detail::HttpHeadScanner::Event;
  if (status_ != Status::need_more) return {status_, 0};
  std::size_t consumed = 0;
  for (;;) {
    const detail::HttpHeadScanner::Step step =
        head_scanner_.scan(input.subspan(consumed), request_.head_);
    consumed += step.bytes_consumed;
    switch (step.event) {
      case Event::need_more:
        return {Status::need_more, consumed};
      case Event::malformed:
        return fail(400, head_scanner_.what(), consumed);
      case Event::too_large:
        return fail(431, head_scanner_.what(), consumed);
      case Event::start_line: {
        // Checked now, so a wrong method or version is reported before the rest arrives.
        RequestLine line;
        const std::optional<HttpError> error =
            parse_request_line(head_scanner_.start_line(request_.head_), line, !plain_http_);
        if (error) return fail(error->status, error->what, consumed);
        break;
      }
      case Event::end_of_head: {
        const std::optional<HttpError> error = finish_request();
        if (error) return fail(error->status, error->what, consumed);
        return {status_, consumed};
      }
    }
  }
}

HandshakeRequestParser::Result HandshakeRequestParser::fail(int status, std::string_view what,
                                                            std::size_t bytes_consumed) noexcept {
  status_ = Status::failed;
  error_ = {status, what};
  return {Status::failed, bytes_consumed};
}

std::optional<HttpError> HandshakeRequestParser::finish_request() {
  HandshakeRequest& request = request_;
  const std::string_view head = request.head_;

  RequestLine line;
  // Checked at start_line (without the handshake rules in plain_http mode).
  (void)parse_request_line(head.substr(0, head.find("\r\n")), line, false);
  request.method_ = line.method;
  request.target_ = line.target;
  const std::size_t question = line.target.find('?');
  request.path_ = line.target.substr(0, question);
  if (question != std::string_view::npos) request.query_ = line.target.substr(question + 1);

  request.headers_.reserve(head_scanner_.field_count());
  for (std::size_t i = 0; i < head_scanner_.field_count(); ++i) {
    const detail::HttpHeadScanner::Field field = head_scanner_.field(head, i);
    request.headers_.push_back({field.name, field.value});
  }
  const std::vector<HttpHeader>& headers = request.headers_;

  // RFC 9112 §3.2: exactly one Host in HTTP/1.1, with a valid value; RFC 6455 §4.2.1 item 2.
  // (HTTP/1.0 may omit it; only a plain request can be 1.0 here.)
  const detail::HeaderOccurrences host = find_headers(headers, "Host");
  if (host.count == 0 && line.minor_version >= 1) return HttpError{400, "missing Host header"};
  if (host.count > 1) return HttpError{400, "more than one Host header"};
  if (host.count == 1 && !detail::is_valid_host(host.first_value)) {
    return HttpError{400, "invalid Host header"};
  }
  request.host_ = host.first_value;

  // RFC 6455 §4.2.1 item 3: only a request whose Upgrade names websocket asks for one.
  const bool asks_for_websocket =
      std::any_of(headers.begin(), headers.end(), [](const HttpHeader& header) {
        return equals_ignore_case(header.name, "Upgrade") &&
               detail::list_contains(header.value, "websocket");
      });
  if (plain_http_ && !asks_for_websocket) {
    status_ = Status::http_request;
    return std::nullopt;
  }
  if (plain_http_) {
    // The handshake's own request-line rules, which plain_http mode left for now.
    const std::optional<HttpError> error =
        parse_request_line(head.substr(0, head.find("\r\n")), line, true);
    if (error) return error;
  }
  status_ = Status::complete;
  return finish_upgrade_request();
}

std::optional<HttpError> HandshakeRequestParser::finish_upgrade_request() {
  HandshakeRequest& request = request_;
  const std::vector<HttpHeader>& headers = request.headers_;
  bool has_upgrade_websocket = false;
  bool has_connection_upgrade = false;
  for (const HttpHeader& header : headers) {
    // Everything after the head is WebSocket frames, so a request body cannot be delimited;
    // accepting one would let a proxy and this server disagree on where frames start.
    if (equals_ignore_case(header.name, "Transfer-Encoding")) {
      return HttpError{400, "request has a body (Transfer-Encoding)"};
    }
    if (equals_ignore_case(header.name, "Content-Length") && header.value != "0") {
      return HttpError{400, "request has a body (Content-Length)"};
    }
    // RFC 6455 §4.2.1 items 3 and 4; both fields are comma lists and may be repeated.
    if (equals_ignore_case(header.name, "Upgrade") &&
        detail::list_contains(header.value, "websocket")) {
      has_upgrade_websocket = true;
    }
    if (equals_ignore_case(header.name, "Connection") &&
        detail::list_contains(header.value, "upgrade")) {
      has_connection_upgrade = true;
    }
  }
  if (!has_upgrade_websocket) return HttpError{400, "Upgrade header does not name websocket"};
  if (!has_connection_upgrade) return HttpError{400, "Connection header does not name upgrade"};

  // RFC 6455 §4.2.1 item 6, §4.2.2 item 4: another version gets 426 and the versions we speak.
  const detail::HeaderOccurrences version = find_headers(headers, "Sec-WebSocket-Version");
  if (version.count != 1 || version.first_value != "13") {
    return HttpError{426, "Sec-WebSocket-Version must be 13"};
  }

  // RFC 6455 §4.2.1 item 5 and §11.3.1: one key, the base64 encoding of 16 bytes.
  const detail::HeaderOccurrences key = find_headers(headers, "Sec-WebSocket-Key");
  if (key.count == 0) return HttpError{400, "missing Sec-WebSocket-Key header"};
  if (key.count > 1) return HttpError{400, "more than one Sec-WebSocket-Key header"};
  const std::optional<std::vector<std::byte>> nonce = detail::base64_decode(key.first_value);
  if (!nonce || nonce->size() != 16) {
    return HttpError{400, "Sec-WebSocket-Key is not the base64 of 16 bytes"};
  }
  request.key_ = key.first_value;

  // RFC 6455 §4.2.1 item 7: optional; two would leave an origin check ambiguous.
  const detail::HeaderOccurrences origin = find_headers(headers, "Origin");
  if (origin.count > 1) return HttpError{400, "more than one Origin header"};
  if (origin.count == 1) request.origin_ = origin.first_value;

  // RFC 6455 §4.1 item 10, §11.3.4: 1#token, possibly over several fields, all unique.
  for (const HttpHeader& header : headers) {
    if (!equals_ignore_case(header.name, "Sec-WebSocket-Protocol")) continue;
    std::string_view rest = header.value;
    std::string_view element;
    while (detail::next_list_element(rest, element)) {
      if (!detail::is_token(element)) {
        return HttpError{400, "Sec-WebSocket-Protocol element is not a token"};
      }
      request.subprotocols_.push_back(element);
    }
  }
  std::vector<std::string_view> sorted_subprotocols = request.subprotocols_;
  std::sort(sorted_subprotocols.begin(), sorted_subprotocols.end());
  if (std::adjacent_find(sorted_subprotocols.begin(), sorted_subprotocols.end()) !=
      sorted_subprotocols.end()) {
    return HttpError{400, "Sec-WebSocket-Protocol lists a subprotocol twice"};
  }

  // RFC 6455 §9.1, §11.3.2: the offers of every Sec-WebSocket-Extensions field, in order.
  for (const HttpHeader& header : headers) {
    if (!equals_ignore_case(header.name, "Sec-WebSocket-Extensions")) continue;
    if (!parse_extension_offers(header.value, request.extensions_)) {
      return HttpError{400, "malformed Sec-WebSocket-Extensions header"};
    }
  }
  return std::nullopt;
}

bool is_valid_header(const HttpHeader& header) noexcept {
  if (!detail::is_token(header.name)) return false;
  for (const char c : header.value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) return false;
  }
  return true;
}

std::string compute_accept_key(std::string_view key) {
  detail::Sha1 hash;
  hash.update(as_bytes(key));
  hash.update(as_bytes(websocket_guid));
  const detail::Sha1Digest digest = hash.finish();
  return detail::base64_encode(digest);
}

void write_accept_response(std::string& out, std::string_view key, const AcceptResponse& options) {
  // RFC 6455 §4.2.2 item 5.
  out.append("HTTP/1.1 101 Switching Protocols\r\n");
  detail::append_header_line(out, "Upgrade", "websocket");
  detail::append_header_line(out, "Connection", "Upgrade");
  detail::append_header_line(out, "Sec-WebSocket-Accept", compute_accept_key(key));
  if (!options.subprotocol.empty()) {
    detail::append_header_line(out, "Sec-WebSocket-Protocol", options.subprotocol);
  }
  if (!options.extensions.empty()) {
    detail::append_header_line(out, "Sec-WebSocket-Extensions", options.extensions);
  }
  for (const HttpHeader& header : options.extra_headers) {
    detail::append_header_line(out, header.name, header.value);
  }
  out.append("\r\n");
}

namespace {

void append_status_line(std::string& out, int status) {
  if (status < 100 || status > 599) status = 500;
  out.append("HTTP/1.1 ");
  out += char('0' + status / 100);
  out += char('0' + status / 10 % 10);
  out += char('0' + status % 10);
  out += ' ';
  out.append(detail::reason_phrase(status));
  out.append("\r\n");
}

}  // namespace

void write_http_response(std::string& out, const HttpResponse& response) {
  append_status_line(out, response.status);
  detail::append_header_line(out, "Content-Type", response.content_type);
  detail::append_header_line(out, "Content-Length", std::to_string(response.body.size()));
  detail::append_header_line(out, "Connection", "close");
  const bool names_allow = std::any_of(
      response.headers.begin(), response.headers.end(),
      [](const HttpHeader& header) { return equals_ignore_case(header.name, "Allow"); });
  // RFC 9110 §15.5.6: a 405 lists the methods the resource supports.
  if (response.status == 405 && !names_allow) {
    detail::append_header_line(out, "Allow", "GET, HEAD");
  }
  for (const HttpHeader& header : response.headers) {
    detail::append_header_line(out, header.name, header.value);
  }
  out.append("\r\n");
  if (!response.head_only) out.append(response.body);
}

void write_error_response(std::string& out, int status, std::string_view body,
                          std::span<const HttpHeader> extra_headers) {
  append_status_line(out, status);
  detail::append_header_line(out, "Content-Type", "text/plain");
  detail::append_header_line(out, "Content-Length", std::to_string(body.size() + 1));
  if (status == 426) {
    // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to; §7.8: a sender of Upgrade
    // lists "Upgrade" in Connection. RFC 6455 §4.2.2 item 4: the versions the server speaks.
    detail::append_header_line(out, "Connection", "Upgrade, close");
    detail::append_header_line(out, "Upgrade", "websocket");
    detail::append_header_line(out, "Sec-WebSocket-Version", "13");
  } else {
    detail::append_header_line(out, "Connection", "close");
  }
  for (const HttpHeader& header : extra_headers) {
    detail::append_header_line(out, header.name, header.value);
  }
  out.append("\r\n");
  out.append(body);
  out.append("\n");
}

}  // namespace wscore
