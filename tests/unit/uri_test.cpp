// SPDX-License-Identifier: MIT
// ws:// and wss:// URIs (RFC 6455 §3) and the RFC 3986 productions they use. Each test reads
// as URI in, outcome out: the /secure/ flag, /host/, /port/, /resource name/ and Host header a
// client would use (RFC 6455 §4.1), or the reason the URI is refused. The parser takes a whole
// string, not a stream, so there are no splits to replay.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "wscore/uri.hpp"

namespace wscore {
namespace {

// Everything a parse produced, copied out so that outcomes compare and print.
struct Outcome {
  bool accepted = false;
  std::string error;
  bool secure = false;
  std::string host;
  std::uint16_t port = 0;
  std::string resource_name;
  std::string host_header;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

void PrintTo(const Outcome& outcome, std::ostream* os) {
  if (!outcome.accepted) {
    *os << "refused \"" << outcome.error << "\"";
    return;
  }
  *os << "{" << (outcome.secure ? "secure" : "plain") << ", host \"" << outcome.host << "\", port "
      << outcome.port << ", resource \"" << outcome.resource_name << "\", Host: \""
      << outcome.host_header << "\", error \"" << outcome.error << "\"}";
}

Outcome parse(std::string_view text) {
  const UriParseResult result = parse_websocket_uri(text);
  Outcome outcome;
  outcome.error = result.error;
  if (!result.uri) return outcome;
  outcome.accepted = true;
  outcome.secure = result.uri->secure;
  outcome.host = result.uri->host;
  outcome.port = result.uri->port;
  outcome.resource_name = result.uri->resource_name;
  outcome.host_header = result.uri->host_header;
  return outcome;
}

struct Expected {
  bool secure = false;
  std::string host;
  std::uint16_t port = 0;
  std::string resource_name;
  std::string host_header;
};

Outcome accepted(Expected expected) {
  return Outcome{true,
                 "",
                 expected.secure,
                 std::move(expected.host),
                 expected.port,
                 std::move(expected.resource_name),
                 std::move(expected.host_header)};
}

Outcome refused(std::string_view error) {
  Outcome outcome;
  outcome.error = error;
  return outcome;
}

constexpr std::string_view not_websocket = "not a ws:// or wss:// URI";
constexpr std::string_view fragment = "fragment (#) is not allowed in a WebSocket URI";
constexpr std::string_view userinfo = "userinfo (user@) is not allowed in a WebSocket URI";
constexpr std::string_view empty_host = "empty host";
constexpr std::string_view unclosed_bracket = "unclosed '[' in IPv6 literal";
constexpr std::string_view after_bracket = "only \":port\" may follow ']'";
constexpr std::string_view ipv6_character = "character not allowed in IPv6 literal";
constexpr std::string_view malformed_ipv6 = "malformed IPv6 literal";
constexpr std::string_view host_character = "character not allowed in host";
constexpr std::string_view bad_port = "bad port";
constexpr std::string_view path_character = "character not allowed in path";
constexpr std::string_view query_character = "character not allowed in query";
constexpr std::string_view bad_percent = "bad percent-encoding";

// Bytes that are in none of RFC 3986's pchar, "/" or "?": what could end or split a request
// line (space, CR, LF, NUL, controls), non-ASCII, and the ASCII characters RFC 3986 leaves out.
constexpr std::string_view never_allowed_characters[] = {
    " ",    "\r",   "\n",   "\t",   std::string_view("\0", 1),
    "\x01", "\x1f", "\x7f", "\x80", "\xc3\xa9",
    "\xff", "\"",   "<",    ">",    "\\",
    "^",    "`",    "{",    "|",    "}",
    "[",    "]"};

std::string with(std::string_view before, std::string_view middle, std::string_view after) {
  std::string text(before);
  text.append(middle);
  text.append(after);
  return text;
}

// --- RFC 6455 §3: secure flag, default ports, resource-name, fragments -----------------------

TEST(Rfc6455Section3, WsDefaultsToPort80) {
  EXPECT_EQ(parse("ws://example.com/chat"), accepted({.host = "example.com",
                                                      .port = 80,
                                                      .resource_name = "/chat",
                                                      .host_header = "example.com"}));
}

TEST(Rfc6455Section3, WssIsSecureAndDefaultsToPort443) {
  EXPECT_EQ(parse("wss://example.com/chat"), accepted({.secure = true,
                                                       .host = "example.com",
                                                       .port = 443,
                                                       .resource_name = "/chat",
                                                       .host_header = "example.com"}));
}

TEST(Rfc6455Section3, NonDefaultPortIsInHostHeader) {
  EXPECT_EQ(parse("ws://example.com:8080/chat"), accepted({.host = "example.com",
                                                           .port = 8080,
                                                           .resource_name = "/chat",
                                                           .host_header = "example.com:8080"}));
  EXPECT_EQ(parse("wss://example.com:8443/"), accepted({.secure = true,
                                                        .host = "example.com",
                                                        .port = 8443,
                                                        .resource_name = "/",
                                                        .host_header = "example.com:8443"}));
  // Each scheme's default is the other's non-default.
  EXPECT_EQ(parse("ws://example.com:443/"), accepted({.host = "example.com",
                                                      .port = 443,
                                                      .resource_name = "/",
                                                      .host_header = "example.com:443"}));
  EXPECT_EQ(parse("wss://example.com:80/"), accepted({.secure = true,
                                                      .host = "example.com",
                                                      .port = 80,
                                                      .resource_name = "/",
                                                      .host_header = "example.com:80"}));
}

TEST(Rfc6455Section3, DefaultPortWrittenOutIsNotInHostHeader) {
  // RFC 6455 §4.1 item 4: ":port" only "when not using the default port".
  EXPECT_EQ(parse("ws://example.com:80/chat"), accepted({.host = "example.com",
                                                         .port = 80,
                                                         .resource_name = "/chat",
                                                         .host_header = "example.com"}));
  EXPECT_EQ(parse("wss://example.com:443/chat"), accepted({.secure = true,
                                                           .host = "example.com",
                                                           .port = 443,
                                                           .resource_name = "/chat",
                                                           .host_header = "example.com"}));
}

TEST(Rfc6455Section3, EmptyPathGivesSlash) {
  EXPECT_EQ(
      parse("ws://example.com"),
      accepted(
          {.host = "example.com", .port = 80, .resource_name = "/", .host_header = "example.com"}));
  EXPECT_EQ(parse("wss://example.com:9000"), accepted({.secure = true,
                                                       .host = "example.com",
                                                       .port = 9000,
                                                       .resource_name = "/",
                                                       .host_header = "example.com:9000"}));
}

TEST(Rfc6455Section3, QueryIsKeptInResourceName) {
  EXPECT_EQ(parse("ws://example.com/chat?room=1&user=%C3%A9"),
            accepted({.host = "example.com",
                      .port = 80,
                      .resource_name = "/chat?room=1&user=%C3%A9",
                      .host_header = "example.com"}));
}

TEST(Rfc6455Section3, QueryWithoutPathGetsSlash) {
  EXPECT_EQ(
      parse("ws://host?x=1"),
      accepted({.host = "host", .port = 80, .resource_name = "/?x=1", .host_header = "host"}));
  EXPECT_EQ(
      parse("ws://host:81?x=1"),
      accepted({.host = "host", .port = 81, .resource_name = "/?x=1", .host_header = "host:81"}));
}

TEST(Rfc6455Section3, EmptyQueryAddsNoQuestionMark) {
  // §3 resource-name: "?" only "if the query component is non-empty".
  EXPECT_EQ(
      parse("ws://host/chat?"),
      accepted({.host = "host", .port = 80, .resource_name = "/chat", .host_header = "host"}));
  EXPECT_EQ(parse("ws://host?"),
            accepted({.host = "host", .port = 80, .resource_name = "/", .host_header = "host"}));
}

TEST(Rfc6455Section3, PathIsKeptAsWritten) {
  // No normalisation: dot segments, empty segments, a trailing slash and escapes stay.
  EXPECT_EQ(parse("ws://host/a//b/../c/%7Ex/"), accepted({.host = "host",
                                                          .port = 80,
                                                          .resource_name = "/a//b/../c/%7Ex/",
                                                          .host_header = "host"}));
}

TEST(Rfc6455Section3, FragmentIsRefused) {
  EXPECT_EQ(parse("ws://example.com/chat#section"), refused(fragment));
  EXPECT_EQ(parse("ws://example.com/chat?x=1#section"), refused(fragment));
  EXPECT_EQ(parse("ws://example.com#"), refused(fragment));
  EXPECT_EQ(parse("wss://example.com/#"), refused(fragment));
  EXPECT_EQ(parse("ws://exam#ple.com/"), refused(fragment));
  EXPECT_EQ(parse("ws://[::1]#/"), refused(fragment));
}

TEST(Rfc6455Section3, EscapedHashIsData) {
  // §3: a '#' that does not start a fragment MUST be escaped as %23.
  EXPECT_EQ(
      parse("ws://host/a%23b?c=%23"),
      accepted(
          {.host = "host", .port = 80, .resource_name = "/a%23b?c=%23", .host_header = "host"}));
}

TEST(Rfc6455Section3, UserinfoIsRefused) {
  // §3 has no userinfo and §4.1 no way to send it: refused rather than silently dropped.
  EXPECT_EQ(parse("ws://user:password@example.com/"), refused(userinfo));
  EXPECT_EQ(parse("ws://user@example.com"), refused(userinfo));
  EXPECT_EQ(parse("wss://@example.com/"), refused(userinfo));
  EXPECT_EQ(parse("ws://user@[::1]:9000/"), refused(userinfo));
  EXPECT_EQ(parse("ws://user:password@example.com:8080?x"), refused(userinfo));
}

TEST(Rfc6455Section3, AtSignInPathOrQueryIsNotUserinfo) {
  // RFC 3986 §3.3: '@' is a pchar; the authority ended at the first '/' or '?'.
  EXPECT_EQ(parse("ws://host/user@x?mail=a@b"), accepted({.host = "host",
                                                          .port = 80,
                                                          .resource_name = "/user@x?mail=a@b",
                                                          .host_header = "host"}));
}

// --- RFC 3986 §3.1: the scheme -----------------------------------------------------------------

TEST(Rfc3986Section3_1, SchemeIsCaseInsensitive) {
  // Only the scheme's case is ignored; host and path are kept as written.
  EXPECT_EQ(parse("WS://Example.COM/Chat"), accepted({.host = "Example.COM",
                                                      .port = 80,
                                                      .resource_name = "/Chat",
                                                      .host_header = "Example.COM"}));
  EXPECT_EQ(parse("WSS://example.com/"), accepted({.secure = true,
                                                   .host = "example.com",
                                                   .port = 443,
                                                   .resource_name = "/",
                                                   .host_header = "example.com"}));
  EXPECT_EQ(parse("wSs://example.com/"), accepted({.secure = true,
                                                   .host = "example.com",
                                                   .port = 443,
                                                   .resource_name = "/",
                                                   .host_header = "example.com"}));
}

TEST(Rfc3986Section3_1, OtherSchemesAreRefused) {
  EXPECT_EQ(parse("http://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("https://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("wsx://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("w://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("ws+unix://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse(" ws://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("ws ://example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("//example.com/"), refused(not_websocket));
  EXPECT_EQ(parse("example.com/chat"), refused(not_websocket));
  EXPECT_EQ(parse(""), refused(not_websocket));
}

TEST(Rfc3986Section3_1, SchemeWithoutDoubleSlashIsRefused) {
  // RFC 6455 §3: "ws:" "//" host; ws: URIs without an authority are not WebSocket URIs.
  EXPECT_EQ(parse("ws:example.com/chat"), refused(not_websocket));
  EXPECT_EQ(parse("ws:/example.com/chat"), refused(not_websocket));
  EXPECT_EQ(parse("wss:"), refused(not_websocket));
  EXPECT_EQ(parse("ws:\\\\example.com/"), refused(not_websocket));
}

// --- RFC 3986 §3.2.2: the host -----------------------------------------------------------------

TEST(Rfc3986Section3_2_2, Ipv4AndRegNameHosts) {
  EXPECT_EQ(parse("ws://127.0.0.1:9000/"), accepted({.host = "127.0.0.1",
                                                     .port = 9000,
                                                     .resource_name = "/",
                                                     .host_header = "127.0.0.1:9000"}));
  // reg-name = *( unreserved / pct-encoded / sub-delims ), pct-encoding kept as written.
  EXPECT_EQ(
      parse("ws://a-b.c_d~e/"),
      accepted(
          {.host = "a-b.c_d~e", .port = 80, .resource_name = "/", .host_header = "a-b.c_d~e"}));
  EXPECT_EQ(parse("ws://a!$&'()*+,;=b/"), accepted({.host = "a!$&'()*+,;=b",
                                                    .port = 80,
                                                    .resource_name = "/",
                                                    .host_header = "a!$&'()*+,;=b"}));
  EXPECT_EQ(
      parse("ws://ex%41mple/"),
      accepted(
          {.host = "ex%41mple", .port = 80, .resource_name = "/", .host_header = "ex%41mple"}));
}

TEST(Rfc3986Section3_2_2, Ipv6LiteralWithoutPort) {
  EXPECT_EQ(
      parse("ws://[::1]/chat"),
      accepted({.host = "::1", .port = 80, .resource_name = "/chat", .host_header = "[::1]"}));
  EXPECT_EQ(parse("ws://[::1]"),
            accepted({.host = "::1", .port = 80, .resource_name = "/", .host_header = "[::1]"}));
  EXPECT_EQ(parse("wss://[::1]:443?x"), accepted({.secure = true,
                                                  .host = "::1",
                                                  .port = 443,
                                                  .resource_name = "/?x",
                                                  .host_header = "[::1]"}));
}

TEST(Rfc3986Section3_2_2, Ipv6LiteralWithPort) {
  EXPECT_EQ(
      parse("ws://[::1]:9000"),
      accepted({.host = "::1", .port = 9000, .resource_name = "/", .host_header = "[::1]:9000"}));
  EXPECT_EQ(parse("wss://[2001:DB8::8a2e:370:7334]:8443/chat?x=1"),
            accepted({.secure = true,
                      .host = "2001:DB8::8a2e:370:7334",
                      .port = 8443,
                      .resource_name = "/chat?x=1",
                      .host_header = "[2001:DB8::8a2e:370:7334]:8443"}));
}

TEST(Rfc3986Section3_2_2, Ipv6AddressForms) {
  for (const std::string_view address :
       {"1:2:3:4:5:6:7:8", "::", "::1", "1::", "1::8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4", "::ffff:192.0.2.1", "::1.2.3.4", "1::255.255.255.255",
        "abcd:EF01::", "0000:0000:0000:0000:0000:0000:0000:0001"}) {
    const std::string bracketed = with("[", address, "]");
    EXPECT_EQ(parse(with("ws://", bracketed, "/")), accepted({.host = std::string(address),
                                                              .port = 80,
                                                              .resource_name = "/",
                                                              .host_header = bracketed}));
  }
}

TEST(Rfc3986Section3_2_2, EmptyHostIsRefused) {
  EXPECT_EQ(parse("ws://"), refused(empty_host));
  EXPECT_EQ(parse("ws:///chat"), refused(empty_host));
  EXPECT_EQ(parse("ws://?x=1"), refused(empty_host));
  EXPECT_EQ(parse("ws://:80/"), refused(empty_host));
  EXPECT_EQ(parse("ws://:/"), refused(empty_host));
  EXPECT_EQ(parse("ws://[]/"), refused(empty_host));
  EXPECT_EQ(parse("ws://[]:80/"), refused(empty_host));
}

TEST(Rfc3986Section3_2_2, UnclosedBracketIsRefused) {
  EXPECT_EQ(parse("ws://[::1"), refused(unclosed_bracket));
  EXPECT_EQ(parse("ws://[::1/chat"), refused(unclosed_bracket));
  EXPECT_EQ(parse("ws://[::1:9000/"), refused(unclosed_bracket));
  EXPECT_EQ(parse("ws://[?x=]"), refused(unclosed_bracket));
}

TEST(Rfc3986Section3_2_2, OnlyPortMayFollowIpv6Literal) {
  EXPECT_EQ(parse("ws://[::1]x/"), refused(after_bracket));
  EXPECT_EQ(parse("ws://[::1]]/"), refused(after_bracket));
  EXPECT_EQ(parse("ws://[::1][::2]/"), refused(after_bracket));
  EXPECT_EQ(parse("ws://[::1].example.com/"), refused(after_bracket));
}

TEST(Rfc3986Section3_2_2, Ipv6LiteralHoldsOnlyHexDigitsColonsAndDots) {
  EXPECT_EQ(parse("ws://[::1%25eth0]/"), refused(ipv6_character));  // RFC 6874 zone: not in §3
  EXPECT_EQ(parse("ws://[fe80::1%251]/"), refused(ipv6_character));
  EXPECT_EQ(parse("ws://[v1.fe]/"), refused(ipv6_character));  // IPvFuture
  EXPECT_EQ(parse("ws://[::g]/"), refused(ipv6_character));
  EXPECT_EQ(parse("ws://[ ::1]/"), refused(ipv6_character));
  EXPECT_EQ(parse("ws://[::1\r\n]/"), refused(ipv6_character));
  EXPECT_EQ(parse("ws://[example.com]/"), refused(ipv6_character));
}

TEST(Rfc3986Section3_2_2, MalformedIpv6LiteralIsRefused) {
  for (const std::string_view address : {"1",
                                         "1.2.3.4",
                                         ":",
                                         ":::",
                                         "1:::2",
                                         "1::2::3",
                                         ":1::",
                                         "::1:",
                                         "1:2:3:4:5:6:7",
                                         "1:2:3:4:5:6:7:8:9",
                                         "1:2:3:4:5:6:7::8",
                                         "12345::",
                                         "::1.2.3",
                                         "::1.2.3.4.5",
                                         "::256.0.0.1",
                                         "::01.2.3.4",
                                         "1.2.3.4::",
                                         "::1.2.3.4:1",
                                         "1:2:3:4:5:6:7:1.2.3.4",
                                         "..",
                                         "::."}) {
    EXPECT_EQ(parse(with("ws://[", address, "]/")), refused(malformed_ipv6)) << address;
  }
}

TEST(Rfc3986Section3_2_2, HostCharactersOutsideRegNameAreRefused) {
  for (const std::string_view character : never_allowed_characters) {
    EXPECT_EQ(parse(with("ws://exa", character, "mple.com/")), refused(host_character))
        << testing::PrintToString(std::string(character));
  }
  EXPECT_EQ(parse("ws://example.com:80 /"), refused(bad_port));  // after ':' it is the port
  EXPECT_EQ(parse("ws://a[::1]/"), refused(host_character));     // '[' only opens the host
}

TEST(Rfc3986Section3_2_2, BadPercentEncodingInHostIsRefused) {
  EXPECT_EQ(parse("ws://ex%/"), refused(bad_percent));
  EXPECT_EQ(parse("ws://ex%4/"), refused(bad_percent));
  EXPECT_EQ(parse("ws://ex%4"), refused(bad_percent));
  EXPECT_EQ(parse("ws://ex%zz/"), refused(bad_percent));
}

// --- RFC 3986 §3.2.3: the port -----------------------------------------------------------------

TEST(Rfc3986Section3_2_3, ExplicitPortsAtTheEndsOfTheRange) {
  EXPECT_EQ(parse("ws://host:1/"),
            accepted({.host = "host", .port = 1, .resource_name = "/", .host_header = "host:1"}));
  EXPECT_EQ(
      parse("ws://host:65535/"),
      accepted({.host = "host", .port = 65535, .resource_name = "/", .host_header = "host:65535"}));
  // port = *DIGIT: leading zeros are digits too; the Host header carries the number.
  EXPECT_EQ(parse("ws://host:0080/"),
            accepted({.host = "host", .port = 80, .resource_name = "/", .host_header = "host"}));
  EXPECT_EQ(
      parse("ws://host:000000000000009000/"),
      accepted({.host = "host", .port = 9000, .resource_name = "/", .host_header = "host:9000"}));
}

TEST(Rfc3986Section3_2_3, EmptyPortMeansTheDefault) {
  EXPECT_EQ(
      parse("ws://host:/chat"),
      accepted({.host = "host", .port = 80, .resource_name = "/chat", .host_header = "host"}));
  EXPECT_EQ(parse("wss://host:"), accepted({.secure = true,
                                            .host = "host",
                                            .port = 443,
                                            .resource_name = "/",
                                            .host_header = "host"}));
  EXPECT_EQ(parse("wss://[::1]:?x"), accepted({.secure = true,
                                               .host = "::1",
                                               .port = 443,
                                               .resource_name = "/?x",
                                               .host_header = "[::1]"}));
}

TEST(Rfc3986Section3_2_3, BadPortIsRefused) {
  for (const std::string_view port :
       {"0", "00", "65536", "99999", "4294967376", "99999999999999999999999", "-1", "+80", "8a",
        "0x50", " 80", "80 ", "80:81", "\xef\xbc\x98\xef\xbc\x90" /* fullwidth 80 */}) {
    EXPECT_EQ(parse(with("ws://host:", port, "/")), refused(bad_port)) << port;
    EXPECT_EQ(parse(with("ws://[::1]:", port, "/")), refused(bad_port)) << port;
  }
}

// --- RFC 3986 §3.3: the path -------------------------------------------------------------------

TEST(Rfc3986Section3_3, EveryPcharIsAccepted) {
  constexpr std::string_view path =
      "/azAZ09-._~!$&'()*+,;=:@/%2F%20%0D%0A%c3%A9";  // unreserved, sub-delims, ':', '@', escapes
  EXPECT_EQ(
      parse(with("ws://host", path, "")),
      accepted(
          {.host = "host", .port = 80, .resource_name = std::string(path), .host_header = "host"}));
}

TEST(Rfc3986Section3_3, RequestLineInjectionIsRefused) {
  // The resource name goes into "GET <resource name> HTTP/1.1" (RFC 6455 §4.1 item 2).
  EXPECT_EQ(parse("ws://host/chat HTTP/1.1\r\nX-Injected: 1\r\n\r\n"), refused(path_character));
  EXPECT_EQ(parse("ws://host/chat\r\nX-Injected: 1"), refused(path_character));
  EXPECT_EQ(parse("ws://host/chat\nX-Injected:1"), refused(path_character));
  EXPECT_EQ(parse("ws://host/chat\rX"), refused(path_character));
  EXPECT_EQ(parse(std::string_view("ws://host/chat\0x", 16)), refused(path_character));
  EXPECT_EQ(parse("ws://host?x=1\r\nX-Injected: 1"), refused(query_character));
}

TEST(Rfc3986Section3_3, CharactersOutsidePcharAreRefused) {
  for (const std::string_view character : never_allowed_characters) {
    EXPECT_EQ(parse(with("ws://host/a", character, "b")), refused(path_character))
        << testing::PrintToString(std::string(character));
  }
}

TEST(Rfc3986Section3_3, BadPercentEncodingInPathIsRefused) {
  EXPECT_EQ(parse("ws://host/%"), refused(bad_percent));
  EXPECT_EQ(parse("ws://host/%2"), refused(bad_percent));
  EXPECT_EQ(parse("ws://host/%2?x"), refused(bad_percent));
  EXPECT_EQ(parse("ws://host/%g0"), refused(bad_percent));
  EXPECT_EQ(parse("ws://host/100%"), refused(bad_percent));
}

// --- RFC 3986 §3.4: the query ------------------------------------------------------------------

TEST(Rfc3986Section3_4, QueryMayHoldSlashAndQuestionMark) {
  EXPECT_EQ(parse("ws://host/chat?next=/a/b?c=d&e=:@"),
            accepted({.host = "host",
                      .port = 80,
                      .resource_name = "/chat?next=/a/b?c=d&e=:@",
                      .host_header = "host"}));
  EXPECT_EQ(parse("ws://host??"),
            accepted({.host = "host", .port = 80, .resource_name = "/??", .host_header = "host"}));
}

TEST(Rfc3986Section3_4, CharactersOutsideQueryAreRefused) {
  for (const std::string_view character : never_allowed_characters) {
    EXPECT_EQ(parse(with("ws://host/chat?a", character, "b")), refused(query_character))
        << testing::PrintToString(std::string(character));
  }
}

TEST(Rfc3986Section3_4, BadPercentEncodingInQueryIsRefused) {
  EXPECT_EQ(parse("ws://host/?q=%"), refused(bad_percent));
  EXPECT_EQ(parse("ws://host/?q=%4"), refused(bad_percent));
  EXPECT_EQ(parse("ws://host?%zz"), refused(bad_percent));
}

// --- The result itself -------------------------------------------------------------------------

TEST(WebSocketUri, ErrorIsEmptyExactlyWhenAUriIsReturned) {
  const UriParseResult good = parse_websocket_uri("ws://host/");
  EXPECT_TRUE(good.uri.has_value());
  EXPECT_TRUE(good.error.empty());
  const UriParseResult bad = parse_websocket_uri("ws://host/#x");
  EXPECT_FALSE(bad.uri.has_value());
  EXPECT_FALSE(bad.error.empty());
}

TEST(WebSocketUri, ErrorOutlivesTheInput) {
  // `error` names a static string, never a piece of the input.
  UriParseResult result;
  {
    std::string text = "ws://user@host/";
    result = parse_websocket_uri(text);
    text.assign(text.size(), 'x');
  }
  EXPECT_EQ(result.error, userinfo);
}

TEST(WebSocketUri, ResultDoesNotPointIntoTheInput) {
  std::string text = "wss://[::1]:9000/chat?x=1";
  const UriParseResult result = parse_websocket_uri(text);
  text.assign(text.size(), 'x');
  ASSERT_TRUE(result.uri.has_value());
  EXPECT_EQ(result.uri->host, "::1");
  EXPECT_EQ(result.uri->resource_name, "/chat?x=1");
  EXPECT_EQ(result.uri->host_header, "[::1]:9000");
}

}  // namespace
}  // namespace wscore
