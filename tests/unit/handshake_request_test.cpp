// SPDX-License-Identifier: MIT
// The server reading the client's opening handshake (RFC 6455 §4.2.1) and answering it
// (§4.2.2). Every request is replayed at every split point (support/splits.hpp).
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_heads.hpp"
#include "support/splits.hpp"
#include "wscore/handshake_request.hpp"

namespace wscore {
namespace {

using test::crlf;
using Status = HandshakeRequestParser::Status;

// Everything a parse produced, copied out so that outcomes of different splits compare.
struct RequestOutcome {
  Status status = Status::need_more;
  std::size_t bytes_consumed = 0;
  int error_status = 0;
  std::string error_what;
  std::string method, target, path, query, host, key;
  std::optional<std::string> origin;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> subprotocols;
  std::vector<ExtensionOffer> extensions;
  friend bool operator==(const RequestOutcome&, const RequestOutcome&) = default;
};

void PrintTo(const RequestOutcome& outcome, std::ostream* os) {
  constexpr const char* status_names[] = {"need_more", "complete", "http_request", "failed"};
  *os << "{" << status_names[static_cast<int>(outcome.status)] << ", consumed "
      << outcome.bytes_consumed << ", error " << outcome.error_status << " \"" << outcome.error_what
      << "\", target \"" << outcome.target << "\"}";
}

RequestOutcome snapshot(const HandshakeRequestParser& parser, std::size_t bytes_consumed) {
  RequestOutcome outcome;
  outcome.status = parser.status();
  outcome.bytes_consumed = bytes_consumed;
  outcome.error_status = parser.error().status;
  outcome.error_what = parser.error().what;
  if (parser.status() != Status::complete) return outcome;
  const HandshakeRequest& request = parser.request();
  outcome.method = request.method();
  outcome.target = request.target();
  outcome.path = request.path();
  outcome.query = request.query();
  outcome.host = request.host();
  outcome.key = request.key();
  if (request.origin()) outcome.origin = std::string(*request.origin());
  for (const HttpHeader& header : request.headers()) {
    outcome.headers.emplace_back(header.name, header.value);
  }
  for (const std::string_view protocol : request.subprotocols()) {
    outcome.subprotocols.emplace_back(protocol);
  }
  outcome.extensions.assign(request.extensions().begin(), request.extensions().end());
  return outcome;
}

// Feeds `input` to a fresh parser in every split and expects the same outcome from each.
RequestOutcome parse_request(
    std::string_view input,
    std::size_t max_head_size = HandshakeRequestParser::default_max_head_size) {
  return test::replay_every_split(input, [&](const std::vector<std::string_view>& pieces) {
    HandshakeRequestParser parser(max_head_size);
    std::size_t consumed = 0;
    for (const std::string_view piece : pieces) {
      const HandshakeRequestParser::Result result = parser.feed(as_bytes(piece));
      consumed += result.bytes_consumed;
      EXPECT_EQ(result.status, parser.status());
      if (result.status != Status::need_more) break;
      EXPECT_EQ(result.bytes_consumed, piece.size());  // need_more takes everything
    }
    return snapshot(parser, consumed);
  });
}

// The RFC 6455 §1.3 request, and variations of it with one header line changed.
std::string rfc_request() {
  return crlf(
      "GET /chat HTTP/1.1\n"
      "Host: server.example.com\n"
      "Upgrade: websocket\n"
      "Connection: Upgrade\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
      "Origin: http://example.com\n"
      "Sec-WebSocket-Protocol: chat, superchat\n"
      "Sec-WebSocket-Version: 13\n"
      "\n");
}

std::string rfc_request_replacing(std::string_view header, std::string_view lines) {
  return test::replace_header(rfc_request(), header, lines);
}

std::string rfc_request_without(std::string_view header) {
  return test::replace_header(rfc_request(), header, "");
}

std::string rfc_request_plus(std::string_view lines) {
  return test::add_headers(rfc_request(), lines);
}

void expect_rejected(const RequestOutcome& outcome, int status) {
  EXPECT_EQ(outcome.status, Status::failed);
  EXPECT_EQ(outcome.error_status, status) << outcome.error_what;
  EXPECT_FALSE(outcome.error_what.empty());
}

void expect_accepted(const RequestOutcome& outcome) {
  EXPECT_EQ(outcome.status, Status::complete) << outcome.error_status << " " << outcome.error_what;
}

// --- RFC 6455 §1.3: the example handshake ---------------------------------------------------

TEST(HandshakeRequest, Rfc6455Section1_3_ExampleRequestIsAccepted) {
  const std::string request = crlf(
      "GET /chat HTTP/1.1\n"
      "Host: server.example.com\n"
      "Upgrade: websocket\n"
      "Connection: Upgrade\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
      "Origin: http://example.com\n"
      "Sec-WebSocket-Protocol: chat, superchat\n"
      "Sec-WebSocket-Version: 13\n"
      "\n");
  const RequestOutcome outcome = parse_request(request);
  expect_accepted(outcome);
  EXPECT_EQ(outcome.bytes_consumed, request.size());
  EXPECT_EQ(outcome.method, "GET");
  EXPECT_EQ(outcome.target, "/chat");
  EXPECT_EQ(outcome.path, "/chat");
  EXPECT_EQ(outcome.query, "");
  EXPECT_EQ(outcome.host, "server.example.com");
  EXPECT_EQ(outcome.key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(outcome.origin, "http://example.com");
  EXPECT_EQ(outcome.subprotocols, (std::vector<std::string>{"chat", "superchat"}));
  EXPECT_TRUE(outcome.extensions.empty());
  EXPECT_EQ(outcome.headers, (std::vector<std::pair<std::string, std::string>>{
                                 {"Host", "server.example.com"},
                                 {"Upgrade", "websocket"},
                                 {"Connection", "Upgrade"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                 {"Origin", "http://example.com"},
                                 {"Sec-WebSocket-Protocol", "chat, superchat"},
                                 {"Sec-WebSocket-Version", "13"},
                             }));
}

TEST(HandshakeRequest, Rfc6455Section1_3_AcceptKeyOfTheExample) {
  EXPECT_EQ(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HandshakeRequest, Rfc6455Section1_3_ServerResponseToTheExample) {
  std::string out;
  write_accept_response(out, "dGhlIHNhbXBsZSBub25jZQ==", {.subprotocol = "chat"});
  EXPECT_EQ(out, crlf("HTTP/1.1 101 Switching Protocols\n"
                      "Upgrade: websocket\n"
                      "Connection: Upgrade\n"
                      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
                      "Sec-WebSocket-Protocol: chat\n"
                      "\n"));
}

// --- Incremental parsing ------------------------------------------------------------------------

TEST(HandshakeRequest, StopsAtTheEndOfTheHeadLeavingFramesForTheFrameParser) {
  const std::string head = rfc_request_without("Origin");
  // RFC 6455 §5.7: a masked "Hello" text frame right behind the head.
  const std::string frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  const RequestOutcome outcome = parse_request(head + frame);
  expect_accepted(outcome);
  EXPECT_EQ(outcome.bytes_consumed, head.size());
}

TEST(HandshakeRequest, FeedAfterTheEndTakesNothing) {
  const std::string head = rfc_request_without("Origin");
  HandshakeRequestParser parser;
  ASSERT_EQ(parser.feed(as_bytes(head)).status, Status::complete);
  const HandshakeRequestParser::Result again = parser.feed(as_bytes("GET / HTTP/1.1\r\n"));
  EXPECT_EQ(again.status, Status::complete);
  EXPECT_EQ(again.bytes_consumed, 0u);
  EXPECT_EQ(parser.request().target(), "/chat");
}

TEST(HandshakeRequest, EmptyInputNeedsMore) {
  HandshakeRequestParser parser;
  const HandshakeRequestParser::Result result = parser.feed({});
  EXPECT_EQ(result.status, Status::need_more);
  EXPECT_EQ(result.bytes_consumed, 0u);
}

// --- RFC 6455 §4.2.1 item 1: an HTTP/1.1 or higher GET with an origin-form target ---------------

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item1_PathAndQuery) {
  const std::string request = crlf(
      "GET /chat/room%201?user=ann&token=a/b?c HTTP/1.1\n"
      "Host: server.example.com\n"
      "Upgrade: websocket\n"
      "Connection: Upgrade\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
      "Sec-WebSocket-Version: 13\n"
      "\n");
  const RequestOutcome outcome = parse_request(request);
  expect_accepted(outcome);
  EXPECT_EQ(outcome.target, "/chat/room%201?user=ann&token=a/b?c");
  EXPECT_EQ(outcome.path, "/chat/room%201");
  EXPECT_EQ(outcome.query, "user=ann&token=a/b?c");
  EXPECT_EQ(outcome.origin, std::nullopt);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item1_EmptyQueryAfterQuestionMark) {
  const RequestOutcome outcome = parse_request(
      crlf("GET /?"
           " HTTP/1.1\nHost: a\nUpgrade: websocket\nConnection: upgrade\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n"));
  expect_accepted(outcome);
  EXPECT_EQ(outcome.path, "/");
  EXPECT_EQ(outcome.query, "");
}

TEST(HandshakeRequest, Rfc9112Section3_MalformedRequestLineIs400) {
  for (const std::string_view line : {
           "GET  /chat HTTP/1.1",   // two spaces
           "GET /chat  HTTP/1.1",   //
           "GET /chat HTTP/1.1 ",   // trailing space
           " GET /chat HTTP/1.1",   // leading space
           "GET /chat",             // no version
           "GET",                   //
           "",                      // empty line before the request line
           "GET /chat http/1.1",    // HTTP-name is case-sensitive
           "GET /chat HTTP/11",     //
           "GET /chat HTTP/1.1.1",  //
           "GET /chat HTTP/1.x",    //
           "GET\t/chat HTTP/1.1",   // only SP separates
           "G(T /chat HTTP/1.1",    // method is a token
       }) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(std::string(line) + "\r\n"), 400);
  }
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item1_TargetMustBeAnAbsolutePathIn400) {
  for (const std::string_view line : {
           "GET http://server.example.com/chat HTTP/1.1",  // absolute-form is not supported
           "GET * HTTP/1.1",                               // asterisk-form
           "GET server.example.com:80 HTTP/1.1",           // authority-form
           "GET chat HTTP/1.1",                            //
           "GET /chat#fragment HTTP/1.1",                  // fragments are never sent
           "GET /chat%2 HTTP/1.1",                         // truncated pct-encoding
           "GET /chat%zz HTTP/1.1",                        //
           "GET /ch\"at HTTP/1.1",                         //
           "GET /chat?a=<b> HTTP/1.1",                     //
           "GET /ch\x80t HTTP/1.1",                        // raw non-ASCII
       }) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(std::string(line) + "\r\n"), 400);
  }
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item1_MethodOtherThanGetIs405) {
  expect_rejected(parse_request(rfc_request().replace(0, 3, "POST")), 405);
  // RFC 9110 §9.1: methods are case-sensitive.
  expect_rejected(parse_request(rfc_request().replace(0, 3, "get")), 405);
  expect_rejected(parse_request(rfc_request().replace(0, 3, "CONNECT")), 405);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item1_MethodIsRejectedAsSoonAsTheRequestLineEnds) {
  const RequestOutcome outcome = parse_request("POST /chat HTTP/1.1\r\nHost: serv");
  expect_rejected(outcome, 405);
  EXPECT_EQ(outcome.bytes_consumed, std::string_view("POST /chat HTTP/1.1\r\n").size());
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item1_HttpBelow1_1Is505) {
  expect_rejected(parse_request("GET /chat HTTP/1.0\r\n"), 505);
  expect_rejected(parse_request("GET /chat HTTP/0.9\r\n"), 505);
  expect_rejected(parse_request("GET /chat HTTP/2.0\r\n"), 505);
  // A later 1.x minor version is handled as 1.1 (RFC 9110 §2.5).
  std::string request = rfc_request();
  expect_accepted(parse_request(request.replace(request.find("1.1"), 3, "1.2")));
}

// --- RFC 9112 §2.2 and §5: message head syntax ---------------------------------------------------

TEST(HandshakeRequest, Rfc9112Section2_2_NulIs400AtOnce) {
  const std::string input = std::string("GET /chat HTTP/1.1\r\nHost: a") + '\0';
  const RequestOutcome outcome = parse_request(input);
  expect_rejected(outcome, 400);
  EXPECT_EQ(outcome.bytes_consumed, input.size());
}

TEST(HandshakeRequest, Rfc9112Section2_2_BareCrIs400AtOnce) {
  expect_rejected(parse_request("GET /chat HTTP/1.1\r\nHost: a\rb"), 400);
  expect_rejected(parse_request("GET /chat HTTP/1.1\r\r\n"), 400);
  expect_rejected(parse_request("GET /chat HTTP/1.1\r\nHost: a\r\n\r\r\n"), 400);
}

TEST(HandshakeRequest, Rfc9112Section2_2_BareLfIs400AtOnce) {
  expect_rejected(parse_request("GET /chat HTTP/1.1\nHost: a"), 400);
  expect_rejected(parse_request("GET /chat HTTP/1.1\r\nHost: a\n"), 400);
  expect_rejected(parse_request("GET /chat HTTP/1.1\r\nHost: a\r\n\n"), 400);
}

TEST(HandshakeRequest, Rfc9112Section5_2_ObsFoldIs400) {
  expect_rejected(parse_request(rfc_request_replacing("Origin", "Origin: http://\r\n example.com")),
                  400);
  expect_rejected(
      parse_request(rfc_request_replacing("Origin", "Origin: http://\r\n\texample.com")), 400);
}

TEST(HandshakeRequest, Rfc9112Section2_2_WhitespaceBeforeTheFirstHeaderIs400) {
  expect_rejected(parse_request("GET /chat HTTP/1.1\r\n Host: server.example.com\r\n"), 400);
}

TEST(HandshakeRequest, Rfc9112Section5_1_WhitespaceBetweenNameAndColonIs400) {
  expect_rejected(parse_request(rfc_request_replacing("Host", "Host : server.example.com")), 400);
  expect_rejected(parse_request(rfc_request_replacing("Host", "Host\t: server.example.com")), 400);
}

TEST(HandshakeRequest, Rfc9112Section5_HeaderLineSyntaxErrorsAre400) {
  for (const std::string_view line : {
           "X-No-Colon",      //
           ": no name",       //
           "X(Bad): name",    // a name is a token
           "X-Ctl: a\x01z",   // control characters are not field-vchar
           "X-Del: a\x7fz",   //
           "X-Esc: \x1b[0m",  //
       }) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(rfc_request_plus(line)), 400);
  }
}

TEST(HandshakeRequest, Rfc9112Section5_ValuesAreTrimmedAndMayHoldObsText) {
  const RequestOutcome outcome =
      parse_request(rfc_request_plus("X-Name: \t Ren\xC3\xA9"
                                     "e  and\tfriends \t"));
  expect_accepted(outcome);
  ASSERT_FALSE(outcome.headers.empty());
  EXPECT_EQ(outcome.headers.back(), (std::pair<std::string, std::string>{"X-Name",
                                                                         "Ren\xC3\xA9"
                                                                         "e  and\tfriends"}));
}

TEST(HandshakeRequest, HeaderLookupIgnoresCaseAndFindsTheFirst) {
  const std::string request = rfc_request_plus("Cookie: a=1\r\nCOOKIE: b=2");
  EXPECT_EQ(parse_request(request).headers.size(), 9u);
  HandshakeRequestParser parser;
  ASSERT_EQ(parser.feed(as_bytes(request)).status, Status::complete);
  EXPECT_EQ(parser.request().header("cookie"), "a=1");
  EXPECT_EQ(parser.request().header("sec-websocket-key"), "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(parser.request().header("Authorization"), std::nullopt);
}

// --- Head size limit ----------------------------------------------------------------------------

TEST(HandshakeRequest, HeadOverTheLimitIs431) {
  const std::string request = rfc_request_without("Origin");
  expect_accepted(parse_request(request, request.size()));  // exactly at the limit
  const RequestOutcome outcome = parse_request(request, request.size() - 1);
  expect_rejected(outcome, 431);
  EXPECT_EQ(outcome.bytes_consumed, request.size());  // the byte past the limit
}

TEST(HandshakeRequest, HeadOverTheDefault8KiBLimitIs431WithoutWaitingForItsEnd) {
  // A long cookie that never ends: 431 once the 8193rd byte arrives.
  std::string input = rfc_request_without("Origin");
  input.resize(input.size() - 2);  // drop the blank line
  input += "Cookie: " + std::string(9000, 'c');
  const RequestOutcome outcome = parse_request(input);
  expect_rejected(outcome, 431);
  EXPECT_EQ(outcome.bytes_consumed, 8 * 1024 + 1);
}

TEST(HandshakeRequest, ManySmallHeadersWithinTheLimitAreAccepted) {
  std::string request = rfc_request_without("Origin");
  for (int i = 0; request.size() < 8000; ++i) {
    request.insert(request.size() - 2, "X-" + std::to_string(i) + ": v\r\n");
  }
  const RequestOutcome outcome = parse_request(request);
  expect_accepted(outcome);
  EXPECT_GT(outcome.headers.size(), 700u);
}

// --- RFC 6455 §4.2.1 item 2: Host --------------------------------------------------------------

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item2_MissingHostIs400) {
  expect_rejected(parse_request(rfc_request_without("Host")), 400);
}

TEST(HandshakeRequest, Rfc9112Section3_2_TwoHostHeadersAre400) {
  expect_rejected(parse_request(rfc_request_plus("Host: other.example.com")), 400);
}

TEST(HandshakeRequest, Rfc9112Section3_2_InvalidHostIs400) {
  for (const std::string_view line :
       {"Host:", "Host: server example com", "Host: a/b", "Host: user@host", "Host: a%zz"}) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(rfc_request_replacing("Host", line)), 400);
  }
}

TEST(HandshakeRequest, Rfc6455Section4_1_Item4_HostWithPortOrIpLiteral) {
  EXPECT_EQ(parse_request(rfc_request_replacing("Host", "Host: server.example.com:8080")).host,
            "server.example.com:8080");
  EXPECT_EQ(parse_request(rfc_request_replacing("Host", "Host: [::1]:8080")).host, "[::1]:8080");
  EXPECT_EQ(parse_request(rfc_request_replacing("Host", "host: 192.0.2.1")).host, "192.0.2.1");
}

// --- A request body cannot be delimited from the frames that follow ----------------------------

TEST(HandshakeRequest, RequestWithABodyIs400) {
  expect_rejected(parse_request(rfc_request_plus("Transfer-Encoding: chunked")), 400);
  expect_rejected(parse_request(rfc_request_plus("Content-Length: 5")), 400);
  expect_accepted(parse_request(rfc_request_plus("Content-Length: 0")));
}

// --- RFC 6455 §4.2.1 items 3 and 4: Upgrade and Connection -------------------------------------

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item3_MissingUpgradeIs400) {
  expect_rejected(parse_request(rfc_request_without("Upgrade")), 400);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item3_UpgradeWithoutWebsocketIs400) {
  expect_rejected(parse_request(rfc_request_replacing("Upgrade", "Upgrade: h2c")), 400);
  expect_rejected(parse_request(rfc_request_replacing("Upgrade", "Upgrade: websocket2")), 400);
  expect_rejected(parse_request(rfc_request_replacing("Upgrade", "Upgrade: web socket")), 400);
  expect_rejected(parse_request(rfc_request_replacing("Upgrade", "Upgrade:")), 400);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item3_UpgradeIsACaseInsensitiveList) {
  expect_accepted(parse_request(rfc_request_replacing("Upgrade", "Upgrade: WebSocket")));
  expect_accepted(parse_request(rfc_request_replacing("Upgrade", "Upgrade: h2c, websocket")));
  expect_accepted(parse_request(rfc_request_replacing("Upgrade", "Upgrade: h2c,,WEBSOCKET ,")));
  expect_accepted(
      parse_request(rfc_request_replacing("Upgrade", "Upgrade: h2c\r\nUpgrade: websocket")));
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item4_MissingConnectionIs400) {
  expect_rejected(parse_request(rfc_request_without("Connection")), 400);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item4_ConnectionWithoutUpgradeIs400) {
  expect_rejected(parse_request(rfc_request_replacing("Connection", "Connection: keep-alive")),
                  400);
  expect_rejected(parse_request(rfc_request_replacing("Connection", "Connection: Upgrade-x")), 400);
  expect_rejected(
      parse_request(rfc_request_replacing("Connection", "Connection: keep-alive upgrade")), 400);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item4_ConnectionIsACaseInsensitiveList) {
  for (const std::string_view line : {
           "Connection: upgrade",              //
           "Connection: keep-alive, Upgrade",  // Firefox sends this
           "Connection: keep-alive,UPGRADE",   //
           "Connection: \tUpgrade\t, close",   //
           "Connection: keep-alive\r\nConnection: Upgrade",
       }) {
    SCOPED_TRACE(line);
    expect_accepted(parse_request(rfc_request_replacing("Connection", line)));
  }
}

// --- RFC 6455 §4.2.1 item 6: Sec-WebSocket-Version ---------------------------------------------

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item6_MissingVersionIs426) {
  expect_rejected(parse_request(rfc_request_without("Sec-WebSocket-Version")), 426);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item6_VersionOtherThan13Is426) {
  for (const std::string_view line : {
           "Sec-WebSocket-Version: 8",      // hybi-08
           "Sec-WebSocket-Version: 25",     // RFC 6455 §4.4's example
           "Sec-WebSocket-Version: 013",    //
           "Sec-WebSocket-Version: 13, 8",  // a client names one version
           "Sec-WebSocket-Version:",        //
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13",
       }) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(rfc_request_replacing("Sec-WebSocket-Version", line)), 426);
  }
}

TEST(HandshakeRequest, Rfc6455Section4_2_2_Item4_VersionIsCheckedBeforeTheKey) {
  // An old-draft client (hybi-00 sends Sec-WebSocket-Key1/Key2 and no version) learns the
  // version we speak instead of hearing only that its key is missing.
  std::string request = rfc_request_without("Sec-WebSocket-Version");
  request = request.replace(request.find("Sec-WebSocket-Key:"), 18, "Sec-WebSocket-Key1:");
  expect_rejected(parse_request(request), 426);
}

// --- RFC 6455 §4.2.1 item 5: Sec-WebSocket-Key -------------------------------------------------

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item5_MissingKeyIs400) {
  expect_rejected(parse_request(rfc_request_without("Sec-WebSocket-Key")), 400);
}

TEST(HandshakeRequest, Rfc6455Section11_3_1_TwoKeysAre400) {
  expect_rejected(parse_request(rfc_request_plus("Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==")),
                  400);
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item5_KeyThatIsNotBase64Of16BytesIs400) {
  for (const std::string_view line : {
           "Sec-WebSocket-Key:",                              //
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ",       // padding is required
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=",      //
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ===",     //
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j",         // 15 bytes
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXM=",     // 17 bytes
           "Sec-WebSocket-Key: dGhlIHNhbXBs ZSBub25jZQ==",    // no inner whitespace
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==, x",  //
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ-_",     // not the URL-safe alphabet
       }) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(rfc_request_replacing("Sec-WebSocket-Key", line)), 400);
  }
}

TEST(HandshakeRequest, Rfc6455Section1_3_KeyIsTakenWithoutSurroundingWhitespace) {
  const RequestOutcome outcome = parse_request(rfc_request_replacing(
      "Sec-WebSocket-Key", "Sec-WebSocket-Key: \t dGhlIHNhbXBsZSBub25jZQ== \t"));
  expect_accepted(outcome);
  EXPECT_EQ(outcome.key, "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(HandshakeRequest, Rfc6455Section4_1_Item7_ExampleKeyIsAccepted) {
  // The RFC's example key has non-zero pad bits; it still decodes to 16 bytes.
  expect_accepted(parse_request(
      rfc_request_replacing("Sec-WebSocket-Key", "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEC==")));
}

// --- RFC 6455 §4.2.1 items 7-9: Origin, subprotocols, extensions -------------------------------

TEST(HandshakeRequest, Rfc6455Section4_2_1_Item7_OriginIsOptionalButNotRepeated) {
  EXPECT_EQ(parse_request(rfc_request_without("Origin")).origin, std::nullopt);
  EXPECT_EQ(parse_request(rfc_request_replacing("Origin", "Origin: null")).origin, "null");
  expect_rejected(parse_request(rfc_request_plus("Origin: http://evil.example")), 400);
}

TEST(HandshakeRequest, Rfc6455Section11_3_4_SubprotocolsFromSeveralHeadersInOrder) {
  const RequestOutcome outcome = parse_request(rfc_request_replacing(
      "Sec-WebSocket-Protocol",
      "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Protocol: ,v2.json.example ,"));
  expect_accepted(outcome);
  EXPECT_EQ(outcome.subprotocols,
            (std::vector<std::string>{"chat", "superchat", "v2.json.example"}));
}

TEST(HandshakeRequest, Rfc6455Section4_1_Item10_SubprotocolThatIsNotATokenIs400) {
  for (const std::string_view line : {
           "Sec-WebSocket-Protocol: chat/1",          // "/" is a separator
           "Sec-WebSocket-Protocol: chat superchat",  //
           "Sec-WebSocket-Protocol: \"chat\"",        //
           "Sec-WebSocket-Protocol: ch@t",            //
       }) {
    SCOPED_TRACE(line);
    expect_rejected(parse_request(rfc_request_replacing("Sec-WebSocket-Protocol", line)), 400);
  }
}

TEST(HandshakeRequest, Rfc6455Section4_1_Item10_RepeatedSubprotocolIs400) {
  expect_rejected(parse_request(rfc_request_replacing(
                      "Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat, superchat, chat")),
                  400);
  expect_rejected(parse_request(rfc_request_replacing(
                      "Sec-WebSocket-Protocol",
                      "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat")),
                  400);
}

TEST(HandshakeRequest, Rfc6455Section9_1_ExtensionOffersFromSeveralHeadersInOrder) {
  const RequestOutcome outcome = parse_request(rfc_request_plus(
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, foo\r\n"
      "sec-websocket-extensions: bar; baz=\"2\""));
  expect_accepted(outcome);
  EXPECT_EQ(outcome.extensions,
            (std::vector<ExtensionOffer>{
                {"permessage-deflate", {{"client_max_window_bits", std::nullopt}}},
                {"foo", {}},
                {"bar", {{"baz", "2"}}},
            }));
}

TEST(HandshakeRequest, Rfc6455Section9_1_MalformedExtensionsIs400) {
  expect_rejected(parse_request(rfc_request_plus("Sec-WebSocket-Extensions: permessage-deflate;")),
                  400);
  expect_rejected(parse_request(rfc_request_plus("Sec-WebSocket-Extensions: a b")), 400);
}

// --- The request object ------------------------------------------------------------------------

TEST(HandshakeRequest, CopiesAndMovesKeepTheirViewsValid) {
  std::optional<HandshakeRequest> original;
  {
    HandshakeRequestParser parser;
    ASSERT_EQ(parser.feed(as_bytes(rfc_request())).status, Status::complete);
    original = parser.take_request();
  }
  HandshakeRequest copy = *original;
  HandshakeRequest moved = std::move(*original);
  original.reset();
  for (const HandshakeRequest* request : {&copy, &moved}) {
    EXPECT_EQ(request->target(), "/chat");
    EXPECT_EQ(request->host(), "server.example.com");
    EXPECT_EQ(request->key(), "dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(request->origin(), "http://example.com");
    ASSERT_EQ(request->subprotocols().size(), 2u);
    EXPECT_EQ(request->subprotocols()[1], "superchat");
    ASSERT_EQ(request->headers().size(), 7u);
    EXPECT_EQ(request->headers()[0].name, "Host");
  }
  copy = moved;
  moved = HandshakeRequest();
  EXPECT_EQ(copy.header("upgrade"), "websocket");
}

// --- RFC 6455 §4.2.2: the server's answer ------------------------------------------------------

TEST(HandshakeRequest, Rfc6455Section4_2_2_Item5_AcceptWithExtensionsAndExtraHeaders) {
  std::string out;
  const HttpHeader extra[] = {{"Set-Cookie", "session=1"}};
  write_accept_response(
      out, "dGhlIHNhbXBsZSBub25jZQ==",
      {.extensions = "permessage-deflate; server_no_context_takeover", .extra_headers = extra});
  EXPECT_EQ(out, crlf("HTTP/1.1 101 Switching Protocols\n"
                      "Upgrade: websocket\n"
                      "Connection: Upgrade\n"
                      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
                      "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\n"
                      "Set-Cookie: session=1\n"
                      "\n"));
}

TEST(HandshakeRequest, Rfc6455Section4_2_1_ErrorResponseFor400) {
  std::string out = "(earlier bytes)";
  write_error_response(out, 400, "missing Host header");
  EXPECT_EQ(out, "(earlier bytes)" +
                     crlf("HTTP/1.1 400 Bad Request\n"
                          "Content-Type: text/plain\n"
                          "Content-Length: 20\n"
                          "Connection: close\n"
                          "\n") +
                     "missing Host header\n");
}

TEST(HandshakeRequest, Rfc6455Section4_2_2_Item4_426CarriesTheVersionWeSpeak) {
  std::string out;
  write_error_response(out, 426, "Sec-WebSocket-Version must be 13");
  EXPECT_EQ(out, crlf("HTTP/1.1 426 Upgrade Required\n"
                      "Content-Type: text/plain\n"
                      "Content-Length: 33\n"
                      "Connection: Upgrade, close\n"
                      "Upgrade: websocket\n"
                      "Sec-WebSocket-Version: 13\n"
                      "\n") +
                     "Sec-WebSocket-Version must be 13\n");
}

TEST(HandshakeRequest, ErrorResponseWithExtraHeaders) {
  std::string out;
  const HttpHeader allow[] = {{"Allow", "GET"}};
  write_error_response(out, 405, "the opening handshake must be a GET", allow);
  EXPECT_EQ(out, crlf("HTTP/1.1 405 Method Not Allowed\n"
                      "Content-Type: text/plain\n"
                      "Content-Length: 36\n"
                      "Connection: close\n"
                      "Allow: GET\n"
                      "\n") +
                     "the opening handshake must be a GET\n");
}

TEST(HandshakeRequest, ErrorResponseReasonPhrases) {
  const std::pair<int, std::string_view> expected[] = {
      {304, "Not Modified"},  // RFC 9110 §15.4.5 (wscore serve --static)
      {400, "Bad Request"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {426, "Upgrade Required"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {505, "HTTP Version Not Supported"},
      {599, ""},                      // no standard phrase: RFC 9112 §4 allows an empty reason
      {42, "Internal Server Error"},  // out of range is written as 500
  };
  for (const auto& [status, reason] : expected) {
    std::string out;
    write_error_response(out, status, "x");
    const std::string status_line = out.substr(0, out.find("\r\n"));
    const int written = status < 100 ? 500 : status;
    EXPECT_EQ(status_line, "HTTP/1.1 " + std::to_string(written) + " " + std::string(reason));
  }
}

}  // namespace
}  // namespace wscore
