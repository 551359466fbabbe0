// SPDX-License-Identifier: MIT
// Sec-WebSocket-Extensions values (RFC 6455 §9.1).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/extension_offer.hpp"

namespace wscore {
namespace {

std::optional<std::vector<ExtensionOffer>> parse(std::string_view value) {
  std::vector<ExtensionOffer> offers;
  if (!parse_extension_offers(value, offers)) return std::nullopt;
  return offers;
}

ExtensionParameter flag(std::string name) {
  return {std::move(name), std::nullopt};
}
ExtensionParameter param(std::string name, std::string value) {
  return {std::move(name), std::move(value)};
}

TEST(ExtensionOffer, Rfc6455Section9_1_SingleExtension) {
  EXPECT_EQ(parse("deflate-stream"), (std::vector<ExtensionOffer>{{"deflate-stream", {}}}));
  EXPECT_EQ(parse("private-extension"), (std::vector<ExtensionOffer>{{"private-extension", {}}}));
}

TEST(ExtensionOffer, Rfc6455Section9_1_ParametersAndSeveralExtensions) {
  // "mux; max-channels=4; flow-control, deflate-stream", as in §9.1 (unfolded).
  EXPECT_EQ(parse("mux; max-channels=4; flow-control, deflate-stream"),
            (std::vector<ExtensionOffer>{
                {"mux", {param("max-channels", "4"), flag("flow-control")}},
                {"deflate-stream", {}},
            }));
}

TEST(ExtensionOffer, Rfc6455Section9_1_SplitHeadersAreTheSameAsOneCombinedHeader) {
  // "Sec-WebSocket-Extensions: foo" + "Sec-WebSocket-Extensions: bar; baz=2" is exactly
  // "Sec-WebSocket-Extensions: foo, bar; baz=2".
  std::vector<ExtensionOffer> split;
  ASSERT_TRUE(parse_extension_offers("foo", split));
  ASSERT_TRUE(parse_extension_offers("bar; baz=2", split));
  EXPECT_EQ(parse("foo, bar; baz=2"), split);
  EXPECT_EQ(split, (std::vector<ExtensionOffer>{{"foo", {}}, {"bar", {param("baz", "2")}}}));
}

TEST(ExtensionOffer, Rfc6455Section4_3_ImpliedLinearWhitespaceAroundSeparators) {
  EXPECT_EQ(parse("  foo ;bar= 1 ;\tbaz  ,qux  "),
            (std::vector<ExtensionOffer>{{"foo", {param("bar", "1"), flag("baz")}}, {"qux", {}}}));
  EXPECT_EQ(parse("foo;bar=1,qux"),
            (std::vector<ExtensionOffer>{{"foo", {param("bar", "1")}}, {"qux", {}}}));
}

TEST(ExtensionOffer, Rfc6455Section9_1_QuotedValueIsUnquoted) {
  // RFC 7692 §7.1.2.1 shows client_max_window_bits="10" style values.
  EXPECT_EQ(parse(R"(permessage-deflate; client_max_window_bits="10")"),
            (std::vector<ExtensionOffer>{
                {"permessage-deflate", {param("client_max_window_bits", "10")}}}));
  EXPECT_EQ(parse(R"(x; a="\1\0")"), (std::vector<ExtensionOffer>{{"x", {param("a", "10")}}}));
}

TEST(ExtensionOffer, Rfc6455Section9_1_QuotedValueMustBeATokenOnceUnquoted) {
  EXPECT_FALSE(parse(R"(x; a="1 0")"));
  EXPECT_FALSE(parse(R"(x; a="")"));
  EXPECT_FALSE(parse(R"(x; a="a,b")"));
  EXPECT_FALSE(parse(R"(x; a="\"")"));
}

TEST(ExtensionOffer, Rfc9110Section5_6_1_EmptyListElementsAreIgnored) {
  EXPECT_EQ(parse(""), std::vector<ExtensionOffer>{});
  EXPECT_EQ(parse(" , ,"), std::vector<ExtensionOffer>{});
  EXPECT_EQ(parse(", foo,, bar ,"), (std::vector<ExtensionOffer>{{"foo", {}}, {"bar", {}}}));
}

TEST(ExtensionOffer, Rfc6455Section9_1_SyntaxErrorsAreRejected) {
  for (const std::string_view value : {
           "foo;",             // a parameter needs a name
           "foo; ;bar",        //
           "foo;=1",           //
           "foo; bar=",        // "=" needs a value
           "foo; bar==1",      //
           "=foo",             //
           ";foo",             // an extension needs a name
           "foo bar",          // two tokens without a separator
           "foo; bar=1 2",     //
           "foo/1",            // "/" is not a token character
           "foo; bar=\"1",     // unterminated quoted-string
           "foo; bar=\"1\\",   // quoted-pair cut short
           "foo; bar=\"1\"x",  // text after the quoted-string
           "foo; b@r=1",       //
           "f\xC3\xBCo",       // non-ASCII is not a token
       }) {
    EXPECT_FALSE(parse(value)) << value;
  }
}

TEST(ExtensionOffer, FormatWritesTheCanonicalForm) {
  EXPECT_EQ(format_extension_offers({}), "");
  EXPECT_EQ(format_extension_offers({
                {"permessage-deflate",
                 {flag("client_no_context_takeover"), param("server_max_window_bits", "10")}},
                {"x-private", {}},
            }),
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=10, "
            "x-private");
}

TEST(ExtensionOffer, FormatQuotesValuesThatAreNotTokens) {
  EXPECT_EQ(
      format_extension_offers({{"x", {param("a", "b c"), param("q", "\"\\"), param("e", "")}}}),
      R"(x; a="b c"; q="\"\\"; e="")");
}

TEST(ExtensionOffer, FormatThenParseRoundTrips) {
  const std::vector<ExtensionOffer> offers = {
      {"permessage-deflate",
       {flag("client_max_window_bits"), param("server_max_window_bits", "15")}},
      {"permessage-deflate", {}},
      {"mux", {param("max-channels", "4"), flag("flow-control")}},
  };
  EXPECT_EQ(parse(format_extension_offers(offers)), offers);
}

}  // namespace
}  // namespace wscore
