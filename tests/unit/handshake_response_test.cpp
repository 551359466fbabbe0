// SPDX-License-Identifier: MIT
// The client's side of the opening handshake: writing the request (RFC 6455 §4.1) and
// validating the server's response (§4.1, the client's checks 1-6). Every response is replayed
// at every split point (support/splits.hpp).
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_heads.hpp"
#include "support/splits.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/handshake_response.hpp"

namespace wscore {
namespace {

using test::crlf;
using Status = HandshakeResponseParser::Status;

constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";  // base64("the sample nonce")

HandshakeNonce nonce_of(std::string_view sixteen_bytes) {
  HandshakeNonce nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = std::byte(sixteen_bytes.at(i));
  return nonce;
}

struct ResponseOutcome {
  Status status = Status::need_more;
  std::size_t bytes_consumed = 0;
  int error_status = 0;
  std::string error_what;
  int http_status = 0;
  std::string reason, subprotocol;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<ExtensionOffer> extensions;
  friend bool operator==(const ResponseOutcome&, const ResponseOutcome&) = default;
};

void PrintTo(const ResponseOutcome& outcome, std::ostream* os) {
  constexpr const char* status_names[] = {"need_more", "complete", "failed"};
  *os << "{" << status_names[static_cast<int>(outcome.status)] << ", consumed "
      << outcome.bytes_consumed << ", error " << outcome.error_status << " \"" << outcome.error_what
      << "\", HTTP " << outcome.http_status << "}";
}

ResponseOutcome snapshot(const HandshakeResponseParser& parser, std::size_t bytes_consumed) {
  ResponseOutcome outcome;
  outcome.status = parser.status();
  outcome.bytes_consumed = bytes_consumed;
  outcome.error_status = parser.error().status;
  outcome.error_what = parser.error().what;
  const HandshakeResponse& response = parser.response();
  outcome.http_status = response.status();
  outcome.reason = response.reason();
  outcome.subprotocol = response.subprotocol();
  for (const HttpHeader& header : response.headers()) {
    outcome.headers.emplace_back(header.name, header.value);
  }
  outcome.extensions.assign(response.extensions().begin(), response.extensions().end());
  return outcome;
}

struct Offer {
  std::vector<std::string> subprotocols = {"chat", "superchat"};  // as in RFC 6455 §1.3
  std::vector<std::string> extension_names = {};
  std::size_t max_head_size = HandshakeResponseParser::default_max_head_size;
};

// Feeds `input` to a fresh parser (expecting the §1.3 key) in every split and expects the same
// outcome from each.
ResponseOutcome parse_response(std::string_view input, const Offer& offer = {}) {
  return test::replay_every_split(input, [&](const std::vector<std::string_view>& pieces) {
    HandshakeResponseParser parser(std::string(rfc_key), offer.subprotocols, offer.extension_names,
                                   offer.max_head_size);
    std::size_t consumed = 0;
    for (const std::string_view piece : pieces) {
      const HandshakeResponseParser::Result result = parser.feed(as_bytes(piece));
      consumed += result.bytes_consumed;
      EXPECT_EQ(result.status, parser.status());
      if (result.status != Status::need_more) break;
      EXPECT_EQ(result.bytes_consumed, piece.size());
    }
    return snapshot(parser, consumed);
  });
}

// The server's response of RFC 6455 §1.3, and variations of it.
std::string rfc_response() {
  return crlf(
      "HTTP/1.1 101 Switching Protocols\n"
      "Upgrade: websocket\n"
      "Connection: Upgrade\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
      "Sec-WebSocket-Protocol: chat\n"
      "\n");
}

std::string rfc_response_replacing(std::string_view header, std::string_view lines) {
  return test::replace_header(rfc_response(), header, lines);
}

std::string rfc_response_without(std::string_view header) {
  return test::replace_header(rfc_response(), header, "");
}

std::string rfc_response_plus(std::string_view lines) {
  return test::add_headers(rfc_response(), lines);
}

void expect_failed(const ResponseOutcome& outcome, int error_status) {
  EXPECT_EQ(outcome.status, Status::failed);
  EXPECT_EQ(outcome.error_status, error_status) << outcome.error_what;
  EXPECT_FALSE(outcome.error_what.empty());
}

void expect_accepted(const ResponseOutcome& outcome) {
  EXPECT_EQ(outcome.status, Status::complete) << outcome.error_status << " " << outcome.error_what;
}

// --- RFC 6455 §1.3: the example handshake ---------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section1_3_ClientRequestOfTheExample) {
  std::string out;
  const std::string_view subprotocols[] = {"chat", "superchat"};
  const std::string key = write_client_request(out,
                                               {.host = "server.example.com",
                                                .target = "/chat",
                                                .origin = "http://example.com",
                                                .subprotocols = subprotocols},
                                               nonce_of("the sample nonce"));
  EXPECT_EQ(key, rfc_key);
  EXPECT_EQ(out, crlf("GET /chat HTTP/1.1\n"
                      "Host: server.example.com\n"
                      "Upgrade: websocket\n"
                      "Connection: Upgrade\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
                      "Origin: http://example.com\n"
                      "Sec-WebSocket-Protocol: chat, superchat\n"
                      "Sec-WebSocket-Version: 13\n"
                      "\n"));
}

TEST(HandshakeResponse, Rfc6455Section1_3_ExampleResponseIsAccepted) {
  const std::string response = rfc_response();
  const ResponseOutcome outcome = parse_response(response);
  expect_accepted(outcome);
  EXPECT_EQ(outcome.bytes_consumed, response.size());
  EXPECT_EQ(outcome.http_status, 101);
  EXPECT_EQ(outcome.reason, "Switching Protocols");
  EXPECT_EQ(outcome.subprotocol, "chat");
  EXPECT_TRUE(outcome.extensions.empty());
  EXPECT_EQ(outcome.headers, (std::vector<std::pair<std::string, std::string>>{
                                 {"Upgrade", "websocket"},
                                 {"Connection", "Upgrade"},
                                 {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
                                 {"Sec-WebSocket-Protocol", "chat"},
                             }));
}

// --- RFC 6455 §4.1: the client's request --------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_MinimalRequest) {
  std::string out;
  const std::string key = write_client_request(out, {.host = "example.com"},
                                               nonce_of("\x01\x02\x03\x04\x05\x06\x07\x08"
                                                        "\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"));
  // RFC 6455 §4.1 item 7's nonce; its example "...DQ4PEC==" has stray pad bits.
  EXPECT_EQ(key, "AQIDBAUGBwgJCgsMDQ4PEA==");
  EXPECT_EQ(out, crlf("GET / HTTP/1.1\n"
                      "Host: example.com\n"
                      "Upgrade: websocket\n"
                      "Connection: Upgrade\n"
                      "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\n"
                      "Sec-WebSocket-Version: 13\n"
                      "\n"));
}

TEST(HandshakeResponse, Rfc6455Section4_1_Items11And12_ExtensionsAndExtraHeaders) {
  std::string out = "(earlier bytes)";
  const HttpHeader extra[] = {{"Authorization", "Basic ZWRuYW1vZGU6bm9jYXBlcyE="},
                              {"Cookie", "a=1"}};
  (void)write_client_request(out,
                             {.host = "example.com:8080",
                              .target = "/feed?since=10",
                              .extensions = "permessage-deflate; client_max_window_bits",
                              .extra_headers = extra},
                             nonce_of("the sample nonce"));
  EXPECT_EQ(out, "(earlier bytes)" +
                     crlf("GET /feed?since=10 HTTP/1.1\n"
                          "Host: example.com:8080\n"
                          "Upgrade: websocket\n"
                          "Connection: Upgrade\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
                          "Sec-WebSocket-Version: 13\n"
                          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\n"
                          "Authorization: Basic ZWRuYW1vZGU6bm9jYXBlcyE=\n"
                          "Cookie: a=1\n"
                          "\n"));
}

TEST(HandshakeResponse, Rfc6455Section4_1_RequestIsAcceptedByTheServerParser) {
  std::string request;
  const std::string_view subprotocols[] = {"v2.chat", "chat"};
  const std::string key =
      write_client_request(request,
                           {.host = "server.example.com",
                            .target = "/chat?room=1",
                            .subprotocols = subprotocols,
                            .extensions = "permessage-deflate; client_max_window_bits"},
                           nonce_of("0123456789abcdef"));
  HandshakeRequestParser server;
  ASSERT_EQ(server.feed(as_bytes(request)).status, HandshakeRequestParser::Status::complete);
  const HandshakeRequest& parsed = server.request();
  EXPECT_EQ(parsed.key(), key);
  EXPECT_EQ(parsed.path(), "/chat");
  ASSERT_EQ(parsed.subprotocols().size(), 2u);
  EXPECT_EQ(parsed.subprotocols()[0], "v2.chat");
  ASSERT_EQ(parsed.extensions().size(), 1u);
  EXPECT_EQ(parsed.extensions()[0].name, "permessage-deflate");

  // ... and the server's answer is accepted by the client.
  std::string response;
  write_accept_response(response, parsed.key(),
                        {.subprotocol = "chat", .extensions = "permessage-deflate"});
  HandshakeResponseParser client(key, {"v2.chat", "chat"}, {"permessage-deflate"});
  ASSERT_EQ(client.feed(as_bytes(response)).status, Status::complete) << client.error().what;
  EXPECT_EQ(client.response().subprotocol(), "chat");
  ASSERT_EQ(client.response().extensions().size(), 1u);
  EXPECT_EQ(client.response().extensions()[0].name, "permessage-deflate");
}

// --- Incremental parsing ------------------------------------------------------------------------

TEST(HandshakeResponse, StopsAtTheEndOfTheHeadLeavingFramesForTheFrameParser) {
  const std::string head = rfc_response();
  // RFC 6455 §5.7: an unmasked "Hello" text frame right behind the head.
  const ResponseOutcome outcome = parse_response(head + "\x81\x05Hello");
  expect_accepted(outcome);
  EXPECT_EQ(outcome.bytes_consumed, head.size());
}

TEST(HandshakeResponse, FeedAfterTheEndTakesNothing) {
  HandshakeResponseParser parser(std::string(rfc_key), {"chat"}, {});
  ASSERT_EQ(parser.feed(as_bytes(rfc_response())).status, Status::complete);
  const HandshakeResponseParser::Result again = parser.feed(as_bytes("\x81\x05Hello"));
  EXPECT_EQ(again.status, Status::complete);
  EXPECT_EQ(again.bytes_consumed, 0u);
}

// --- Check 1: the status ------------------------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_Check1_StatusOtherThan101FailsWithThatStatus) {
  const std::string response = crlf(
      "HTTP/1.1 403 Forbidden\n"
      "Content-Type: text/plain\n"
      "Content-Length: 14\n"
      "\n");
  const ResponseOutcome outcome = parse_response(response + "origin refused");
  expect_failed(outcome, 403);
  EXPECT_EQ(outcome.bytes_consumed, response.size());  // the body is left to the caller
  EXPECT_EQ(outcome.reason, "Forbidden");
  EXPECT_EQ(outcome.headers, (std::vector<std::pair<std::string, std::string>>{
                                 {"Content-Type", "text/plain"},
                                 {"Content-Length", "14"},
                             }));
}

TEST(HandshakeResponse, Rfc6455Section4_4_426CarriesTheServersVersions) {
  const ResponseOutcome outcome =
      parse_response(crlf("HTTP/1.1 426 Upgrade Required\n"
                          "Sec-WebSocket-Version: 13, 8, 7\n"
                          "\n"));
  expect_failed(outcome, 426);
  ASSERT_EQ(outcome.headers.size(), 1u);
  EXPECT_EQ(outcome.headers[0].second, "13, 8, 7");
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check1_RedirectFailsWithItsStatus) {
  const ResponseOutcome outcome =
      parse_response(crlf("HTTP/1.1 302 Found\n"
                          "Location: wss://other.example.com/chat\n"
                          "\n"));
  expect_failed(outcome, 302);
  EXPECT_EQ(outcome.headers[0].second, "wss://other.example.com/chat");
}

TEST(HandshakeResponse, Rfc6455Section4_2_2_Item5_1_101MustBeHttp1_1) {
  std::string response = rfc_response();
  expect_failed(parse_response(response.replace(0, 8, "HTTP/1.0")), 101);
}

TEST(HandshakeResponse, Rfc9112Section4_MalformedStatusLineFailsWithStatus0) {
  for (const std::string_view line : {
           "HTTP/1.1 101",                       // SP before the reason is required
           "HTTP/1.1  101 Switching Protocols",  //
           "HTTP/1.1 1010 Switching Protocols",  //
           "HTTP/1.1 10 Switching Protocols",    //
           "HTTP/1.1 1o1 Switching Protocols",   //
           "HTTP/1.1 099 Too Low",               // 100-599 only (RFC 9110 §15)
           "HTTP/1.1 600 Too High",              //
           "http/1.1 101 Switching Protocols",   //
           "HTTP/2 101 Switching Protocols",     //
           "HTTP/2.0 101 Switching Protocols",   // only HTTP/1.x speaks this head format
           "HTTP/1.1 101 Switching\x01Protocols",
           "",
       }) {
    SCOPED_TRACE(line);
    const ResponseOutcome outcome = parse_response(std::string(line) + "\r\n");
    expect_failed(outcome, 0);
  }
}

TEST(HandshakeResponse, Rfc9112Section4_EmptyReasonPhraseIsAccepted) {
  std::string response = rfc_response();
  const ResponseOutcome outcome =
      parse_response(response.replace(0, response.find("\r\n"), "HTTP/1.1 101 "));
  expect_accepted(outcome);
  EXPECT_EQ(outcome.reason, "");
}

// --- Message head syntax: failures with status 0, detected as bytes arrive -------------------

TEST(HandshakeResponse, Rfc9112Section2_2_NulBareCrAndBareLfFailAtOnce) {
  expect_failed(parse_response(std::string("HTTP/1.1 101 Switching") + '\0'), 0);
  expect_failed(parse_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: a\rb"), 0);
  expect_failed(parse_response("HTTP/1.1 101 Switching Protocols\nUpgrade"), 0);
}

TEST(HandshakeResponse, Rfc9112Section5_2_ObsFoldFails) {
  expect_failed(parse_response(rfc_response_replacing("Sec-WebSocket-Protocol",
                                                      "Sec-WebSocket-Protocol:\r\n chat")),
                0);
}

TEST(HandshakeResponse, Rfc9112Section5_1_WhitespaceBeforeTheColonFails) {
  expect_failed(parse_response(rfc_response_replacing("Upgrade", "Upgrade : websocket")), 0);
}

TEST(HandshakeResponse, HeadOverTheLimitFailsWithStatus0) {
  const std::string response = rfc_response();
  expect_accepted(parse_response(response, {.max_head_size = response.size()}));
  const ResponseOutcome outcome = parse_response(response, {.max_head_size = response.size() - 1});
  expect_failed(outcome, 0);
  EXPECT_EQ(outcome.bytes_consumed, response.size());
}

// --- Check 2: Upgrade ---------------------------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_Check2_MissingUpgradeFails) {
  expect_failed(parse_response(rfc_response_without("Upgrade")), 101);
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check2_UpgradeOtherThanWebsocketFails) {
  for (const std::string_view line :
       {"Upgrade: h2c", "Upgrade: websocket, h2c", "Upgrade: websockets", "Upgrade:"}) {
    SCOPED_TRACE(line);
    expect_failed(parse_response(rfc_response_replacing("Upgrade", line)), 101);
  }
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check2_UpgradeIsCaseInsensitive) {
  expect_accepted(parse_response(rfc_response_replacing("Upgrade", "upgrade: WebSocket")));
  expect_accepted(parse_response(rfc_response_replacing("Upgrade", "Upgrade: WEBSOCKET")));
}

// --- Check 3: Connection ------------------------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_Check3_MissingConnectionFails) {
  expect_failed(parse_response(rfc_response_without("Connection")), 101);
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check3_ConnectionWithoutUpgradeFails) {
  expect_failed(parse_response(rfc_response_replacing("Connection", "Connection: keep-alive")),
                101);
  expect_failed(parse_response(rfc_response_replacing("Connection", "Connection: upgraded")), 101);
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check3_ConnectionIsACaseInsensitiveTokenList) {
  expect_accepted(parse_response(rfc_response_replacing("Connection", "Connection: upgrade")));
  expect_accepted(
      parse_response(rfc_response_replacing("Connection", "Connection: keep-alive, UPGRADE")));
}

// --- Check 4: Sec-WebSocket-Accept --------------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_Check4_MissingAcceptFails) {
  expect_failed(parse_response(rfc_response_without("Sec-WebSocket-Accept")), 101);
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check4_WrongAcceptFails) {
  for (const std::string_view line : {
           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOq=",  // one character off
           "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=",  // base64 is case-sensitive
           "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==",      // the key itself
           "Sec-WebSocket-Accept:",                               //
       }) {
    SCOPED_TRACE(line);
    expect_failed(parse_response(rfc_response_replacing("Sec-WebSocket-Accept", line)), 101);
  }
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check4_AcceptIgnoresSurroundingWhitespace) {
  expect_accepted(parse_response(rfc_response_replacing(
      "Sec-WebSocket-Accept", "Sec-WebSocket-Accept: \t s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  ")));
}

TEST(HandshakeResponse, Rfc6455Section11_3_3_TwoAcceptHeadersFail) {
  expect_failed(
      parse_response(rfc_response_plus("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")), 101);
}

// --- Check 5: Sec-WebSocket-Extensions ----------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_Check5_OfferedExtensionIsAccepted) {
  const ResponseOutcome outcome = parse_response(
      rfc_response_plus("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                        "client_max_window_bits=10"),
      {.extension_names = {"permessage-deflate"}});
  expect_accepted(outcome);
  EXPECT_EQ(outcome.extensions,
            (std::vector<ExtensionOffer>{{"permessage-deflate",
                                          {{"server_no_context_takeover", std::nullopt},
                                           {"client_max_window_bits", "10"}}}}));
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check5_ExtensionNotOfferedFails) {
  expect_failed(
      parse_response(rfc_response_plus("Sec-WebSocket-Extensions: x-webkit-deflate-frame"),
                     {.extension_names = {"permessage-deflate"}}),
      101);
  expect_failed(parse_response(rfc_response_plus("Sec-WebSocket-Extensions: permessage-deflate")),
                101);  // nothing offered
  expect_failed(
      parse_response(rfc_response_plus("Sec-WebSocket-Extensions: permessage-deflate, mux"),
                     {.extension_names = {"permessage-deflate"}}),
      101);
}

TEST(HandshakeResponse, Rfc6455Section9_1_MalformedExtensionsFails) {
  expect_failed(parse_response(rfc_response_plus("Sec-WebSocket-Extensions: permessage-deflate;"),
                               {.extension_names = {"permessage-deflate"}}),
                101);
}

TEST(HandshakeResponse, Rfc6455Section11_3_2_TwoExtensionsHeadersFail) {
  expect_failed(parse_response(rfc_response_plus("Sec-WebSocket-Extensions: a\r\n"
                                                 "Sec-WebSocket-Extensions: b"),
                               {.extension_names = {"a", "b"}}),
                101);
}

// --- Check 6: Sec-WebSocket-Protocol ------------------------------------------------------------

TEST(HandshakeResponse, Rfc6455Section4_1_Check6_SubprotocolNotOfferedFails) {
  expect_failed(parse_response(rfc_response_replacing("Sec-WebSocket-Protocol",
                                                      "Sec-WebSocket-Protocol: mqtt")),
                101);
  // Subprotocol names compare case-sensitively.
  expect_failed(parse_response(rfc_response_replacing("Sec-WebSocket-Protocol",
                                                      "Sec-WebSocket-Protocol: Chat")),
                101);
}

TEST(HandshakeResponse, Rfc6455Section4_1_Check6_SubprotocolWhenNoneWasOfferedFails) {
  expect_failed(parse_response(rfc_response(), {.subprotocols = {}}), 101);
}

TEST(HandshakeResponse, Rfc6455Section4_1_NoSubprotocolIsTheNullValue) {
  const ResponseOutcome outcome = parse_response(rfc_response_without("Sec-WebSocket-Protocol"));
  expect_accepted(outcome);
  EXPECT_EQ(outcome.subprotocol, "");
}

TEST(HandshakeResponse, Rfc6455Section4_3_ServerSubprotocolIsASingleToken) {
  for (const std::string_view line :
       {"Sec-WebSocket-Protocol: chat, superchat", "Sec-WebSocket-Protocol:"}) {
    SCOPED_TRACE(line);
    expect_failed(parse_response(rfc_response_replacing("Sec-WebSocket-Protocol", line)), 101);
  }
}

TEST(HandshakeResponse, Rfc6455Section11_3_4_TwoProtocolHeadersFail) {
  expect_failed(parse_response(rfc_response_plus("Sec-WebSocket-Protocol: chat")), 101);
}

// --- The response object ------------------------------------------------------------------------

TEST(HandshakeResponse, CopiesAndMovesKeepTheirViewsValid) {
  std::optional<HandshakeResponse> original;
  {
    HandshakeResponseParser parser(std::string(rfc_key), {"chat"}, {});
    ASSERT_EQ(parser.feed(as_bytes(rfc_response())).status, Status::complete);
    original = parser.response();
  }
  HandshakeResponse copy = *original;
  HandshakeResponse moved = std::move(*original);
  original.reset();
  for (const HandshakeResponse* response : {&copy, &moved}) {
    EXPECT_EQ(response->status(), 101);
    EXPECT_EQ(response->reason(), "Switching Protocols");
    EXPECT_EQ(response->subprotocol(), "chat");
    EXPECT_EQ(response->header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    ASSERT_EQ(response->headers().size(), 4u);
    EXPECT_EQ(response->headers()[0].name, "Upgrade");
  }
}

}  // namespace
}  // namespace wscore
