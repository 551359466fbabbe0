// SPDX-License-Identifier: MIT
// The request parser with plain_http (ConnectionOptions::plain_http): a request that does not ask
// for a WebSocket (RFC 6455 §4.2.1 item 3) is reported, held to RFC 9112; one that asks gets every
// handshake rule. Every input is replayed whole, byte by byte and at every 2-way split.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/http_heads.hpp"
#include "support/splits.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/handshake_request.hpp"

namespace wscore {
namespace {

using test::crlf;
using Status = HandshakeRequestParser::Status;

// "http_request GET /a?b host=x", "complete GET /chat", "failed 400", consumed bytes included.
std::string parse_plain(std::string_view input, bool plain_http = true) {
  return test::replay_every_split(input, [&](const std::vector<std::string_view>& pieces) {
    HandshakeRequestParser parser(HandshakeRequestParser::default_max_head_size, plain_http);
    std::size_t consumed = 0;
    for (const std::string_view piece : pieces) {
      consumed += parser.feed(as_bytes(piece)).bytes_consumed;
      if (parser.status() != Status::need_more) break;
    }
    const HandshakeRequest& request = parser.request();
    switch (parser.status()) {
      case Status::need_more:
        return "need_more " + std::to_string(consumed);
      case Status::failed:
        return "failed " + std::to_string(parser.error().status) + " at " +
               std::to_string(consumed);
      case Status::complete:
        return "complete " + std::string(request.method()) + " " + std::string(request.target());
      case Status::http_request:
        return "http_request " + std::string(request.method()) + " " +
               std::string(request.target()) + " path=" + std::string(request.path()) +
               " query=" + std::string(request.query()) + " host=" + std::string(request.host()) +
               " consumed=" + std::to_string(consumed);
    }
    return std::string("?");
  });
}

const std::string upgrade_headers =
    "Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Version: 13\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n";

TEST(PlainHttpRfc6455Section4_2_1, RequestWithoutUpgradeIsReportedWithItsParts) {
  const std::string head = crlf("GET /a/b?c=1 HTTP/1.1\nHost: example.com\nAccept: */*\n\n");
  EXPECT_EQ(parse_plain(head + "trailing"),
            "http_request GET /a/b?c=1 path=/a/b query=c=1 host=example.com consumed=" +
                std::to_string(head.size()));
}

TEST(PlainHttpRfc6455Section4_2_1, AnyMethodIsReportedForTheApplicationToAnswer) {
  EXPECT_EQ(parse_plain(crlf("POST /form HTTP/1.1\nHost: x\n\n")),
            "http_request POST /form path=/form query= host=x consumed=32");
  EXPECT_EQ(parse_plain(crlf("DELETE / HTTP/1.1\nHost: x\n\n")),
            "http_request DELETE / path=/ query= host=x consumed=30");
}

TEST(PlainHttpRfc9112Section3_2, Http11WithoutHostIs400AndHttp10MayOmitIt) {
  EXPECT_EQ(parse_plain(crlf("GET / HTTP/1.1\n\n")), "failed 400 at 18");
  EXPECT_EQ(parse_plain(crlf("GET / HTTP/1.0\n\n")),
            "http_request GET / path=/ query= host= consumed=18");
  EXPECT_EQ(parse_plain(crlf("GET / HTTP/1.1\nHost: a\nHost: b\n\n")), "failed 400 at 36");
  EXPECT_EQ(parse_plain(crlf("GET / HTTP/1.1\nHost: a b\n\n")), "failed 400 at 29");
}

TEST(PlainHttpRfc9112Section5, FieldLineThatIsNotNameColonValueIs400AtOnce) {
  // Checked line by line as the bytes arrive: the 24 bytes up to the bad line's end, before the
  // end of the head (RFC 9112 §5.1).
  EXPECT_EQ(parse_plain("GET / HTTP/1.1\r\n\x01\x02junk\r\n\r\n"), "failed 400 at 24");
}

TEST(PlainHttpRfc9112Section2_3, VersionOtherThan1xIs505AtTheStartLine) {
  EXPECT_EQ(parse_plain(crlf("GET / HTTP/2.0\nHost: x\n")), "failed 505 at 16");
}

TEST(PlainHttpRfc6455Section4_2_1_Item1, UpgradeStillNeedsGetAndHttp11) {
  EXPECT_EQ(parse_plain(crlf("GET /chat HTTP/1.1\nHost: x\n" + upgrade_headers + "\n")),
            "complete GET /chat");
  const std::string post = crlf("POST /chat HTTP/1.1\nHost: x\n" + upgrade_headers + "\n");
  EXPECT_EQ(parse_plain(post), "failed 405 at " + std::to_string(post.size()));
  const std::string old = crlf("GET /chat HTTP/1.0\nHost: x\n" + upgrade_headers + "\n");
  EXPECT_EQ(parse_plain(old), "failed 505 at " + std::to_string(old.size()));
}

TEST(PlainHttpRfc6455Section4_2_1_Item3, WithoutPlainHttpARequestWithoutUpgradeIs400) {
  EXPECT_EQ(parse_plain(crlf("GET / HTTP/1.1\nHost: x\n\n"), false), "failed 400 at 27");
  EXPECT_EQ(parse_plain(crlf("POST / HTTP/1.1\nHost: x\n"), false), "failed 405 at 17");
}

TEST(PlainHttpRfc9110Section15, ResponsesFromTheOneReasonPhraseTable) {
  std::string out;
  write_http_response(out, {.status = 404, .body = "none\n"});
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 5\r\nConnection: close\r\n\r\nnone\n");
  // RFC 9110 §9.3.2: HEAD gets the headers of GET, no body.
  out.clear();
  write_http_response(out, {.status = 200, .body = "hello", .head_only = true});
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  // RFC 9110 §15.5.6: a 405 lists the allowed methods, once.
  out.clear();
  write_http_response(out, {.status = 405, .body = ""});
  EXPECT_NE(out.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
  out.clear();
  const HttpHeader allow[] = {{"Allow", "GET"}};
  write_http_response(out, {.status = 405, .body = "", .headers = allow});
  EXPECT_EQ(out.find("Allow: GET, HEAD"), std::string::npos);
  EXPECT_NE(out.find("\r\nAllow: GET\r\n"), std::string::npos);
}

TEST(PlainHttpConnection, RespondRefusesMisuseAndHeadersThatInjectLines) {
  ConnectionOptions options;
  options.plain_http = true;
  Connection connection = Connection::server(options);
  connection.receive(test::bytes_of(crlf("GET / HTTP/1.1\nHost: x\n\n")));
  const auto event = connection.next_event();
  ASSERT_TRUE(event && std::holds_alternative<HttpRequestReceived>(*event));
  EXPECT_EQ(connection.accept(), ApiError::wrong_state) << "a plain request cannot be upgraded";
  const HttpHeader injected[] = {{"X-A", "b\r\nSet-Cookie: c"}};
  EXPECT_EQ(connection.respond({.status = 200, .headers = injected}), ApiError::invalid_header);
  EXPECT_EQ(connection.respond({.status = 200, .content_type = "text/plain\r\nX: y"}),
            ApiError::invalid_header);
  EXPECT_TRUE(connection.pending_output().empty()) << "a refused answer writes nothing";
  EXPECT_EQ(connection.respond({.status = 200, .body = "ok"}), ApiError::none);
  EXPECT_EQ(connection.state(), ConnectionState::closed);
  EXPECT_EQ(connection.transport_action(), TransportAction::close_when_flushed);
  EXPECT_EQ(connection.respond({.status = 200}), ApiError::wrong_state);

  Connection without = Connection::server();
  EXPECT_EQ(without.respond({.status = 200}), ApiError::plain_http_not_enabled);
}

}  // namespace
}  // namespace wscore
