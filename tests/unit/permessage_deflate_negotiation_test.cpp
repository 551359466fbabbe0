// SPDX-License-Identifier: MIT
// permessage-deflate negotiation (RFC 7692 §5, §7.1) in both roles: tables of offers and
// responses, each accepted, declined or failed as the RFC says.
#include <gtest/gtest.h>

#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes_of;
using test::Trace;

std::vector<ExtensionOffer> elements(std::string_view header_value) {
  std::vector<ExtensionOffer> out;
  EXPECT_TRUE(parse_extension_offers(header_value, out)) << header_value;
  return out;
}

// --- reading and writing the parameters ---

TEST(Rfc7692Section7_1, ParametersAreReadAndWrittenInOrder) {
  const auto offer = elements(
      "permessage-deflate; client_max_window_bits; server_max_window_bits=10; "
      "client_no_context_takeover; server_no_context_takeover");
  const DeflateParametersRead read = read_deflate_parameters(offer[0], DeflateElementKind::offer);
  ASSERT_TRUE(read.parameters);
  EXPECT_EQ(*read.parameters, (DeflateParameters{true, true, 10, DeflateParameters::no_value}));
  EXPECT_EQ(format_deflate_parameters(*read.parameters),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits");
  EXPECT_EQ(format_deflate_parameters({}), "permessage-deflate");
}

TEST(Rfc7692Section7_1, InvalidParametersAreRefusedWithAReason) {
  struct Row {
    const char* element;
    DeflateElementKind kind;
    bool valid;
  };
  constexpr auto offer = DeflateElementKind::offer;
  constexpr auto response = DeflateElementKind::response;
  const Row rows[] = {
      {"permessage-deflate", offer, true},
      {"permessage-deflate; x-unknown", offer, false},                         // §7.1
      {"permessage-deflate; server_no_context_takeover=1", offer, false},      // §7.1.1.1
      {"permessage-deflate; client_no_context_takeover=\"x\"", offer, false},  // §7.1.1.2
      {"permessage-deflate; server_no_context_takeover; server_no_context_takeover", offer, false},
      {"permessage-deflate; server_max_window_bits", offer, false},  // §7.1.2.1
      {"permessage-deflate; server_max_window_bits=8", offer, true},
      {"permessage-deflate; server_max_window_bits=15", offer, true},
      {"permessage-deflate; server_max_window_bits=\"12\"", offer, true},  // RFC 6455 §9.1
      {"permessage-deflate; server_max_window_bits=7", offer, false},
      {"permessage-deflate; server_max_window_bits=16", offer, false},
      {"permessage-deflate; server_max_window_bits=010", offer, false},  // no leading zeros
      {"permessage-deflate; server_max_window_bits=+9", offer, false},
      {"permessage-deflate; server_max_window_bits=10; server_max_window_bits=10", offer, false},
      {"permessage-deflate; client_max_window_bits", offer, true},  // §7.1.2.2
      {"permessage-deflate; client_max_window_bits", response, false},
      {"permessage-deflate; client_max_window_bits=9", response, true},
      {"permessage-deflate; client_max_window_bits=1", offer, false},
      {"permessage-deflate; client_max_window_bits; client_max_window_bits=9", offer, false},
      {"permessage-deflate; Server_No_Context_Takeover", offer, false},  // names are exact
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.element);
    const DeflateParametersRead read = read_deflate_parameters(elements(row.element)[0], row.kind);
    EXPECT_EQ(read.parameters.has_value(), row.valid);
    EXPECT_EQ(read.what.empty(), row.valid);
  }
}

// --- the server's choice (RFC 7692 §5.1, §7.1) ---

struct ServerRow {
  const char* offers;
  const char* response;  // nullptr: declined, no extension in the answer
  std::size_t accepted_index = 0;
};

void expect_server_answers(const DeflateOptions& options, std::initializer_list<ServerRow> rows) {
  for (const ServerRow& row : rows) {
    SCOPED_TRACE(row.offers);
    const auto acceptance = accept_deflate_offer(elements(row.offers), options);
    if (row.response == nullptr) {
      EXPECT_FALSE(acceptance);
      continue;
    }
    ASSERT_TRUE(acceptance);
    EXPECT_EQ(format_deflate_parameters(acceptance->response), row.response);
    EXPECT_EQ(acceptance->offer_index, row.accepted_index);
  }
}

TEST(Rfc7692Section7_1, ServerWithDefaultOptionsAnswersEachParameter) {
  // Defaults: we compress with a 4 KiB window and limit the client to 4 KiB when we may.
  expect_server_answers(
      DeflateOptions{},
      {
          // What browsers send.
          {"permessage-deflate; client_max_window_bits",
           "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"},
          {"permessage-deflate", "permessage-deflate; server_max_window_bits=12"},
          // §7.1.1.1: echoed. §7.1.1.2: the hint is echoed, which makes it binding.
          {"permessage-deflate; server_no_context_takeover",
           "permessage-deflate; server_no_context_takeover; server_max_window_bits=12"},
          {"permessage-deflate; client_no_context_takeover",
           "permessage-deflate; client_no_context_takeover; server_max_window_bits=12"},
          // §7.1.2.1: the same or a smaller value.
          {"permessage-deflate; server_max_window_bits=10",
           "permessage-deflate; server_max_window_bits=10"},
          {"permessage-deflate; server_max_window_bits=15",
           "permessage-deflate; server_max_window_bits=12"},
          {"permessage-deflate; server_max_window_bits=8",
           "permessage-deflate; server_max_window_bits=8"},
          // §7.1.2.2: the client's value is a hint; we answer with the smaller of it and ours.
          {"permessage-deflate; client_max_window_bits=9",
           "permessage-deflate; server_max_window_bits=12; client_max_window_bits=9"},
          {"permessage-deflate; client_max_window_bits=15",
           "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"},
          // §5.1: invalid offers are declined and the next is tried.
          {"permessage-deflate; x-unknown", nullptr},
          {"permessage-deflate; server_max_window_bits=16", nullptr},
          {"permessage-deflate; server_max_window_bits", nullptr},
          {"permessage-deflate; client_max_window_bits=0", nullptr},
          {"permessage-deflate; client_no_context_takeover; client_no_context_takeover", nullptr},
          {"permessage-deflate; x-unknown, permessage-deflate; server_max_window_bits=7, "
           "permessage-deflate; client_max_window_bits",
           "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12", 2},
          {"x-webkit-deflate-frame, permessage-deflate",
           "permessage-deflate; server_max_window_bits=12", 1},
          {"x-webkit-deflate-frame", nullptr},
          {"", nullptr},
          // The first acceptable offer wins, even if a later one is "better".
          {"permessage-deflate; server_no_context_takeover, permessage-deflate",
           "permessage-deflate; server_no_context_takeover; server_max_window_bits=12", 0},
      });
}

TEST(Rfc7692Section7_1, ServerOptionsShapeTheAnswer) {
  DeflateOptions full_window;
  full_window.window_bits = 15;
  full_window.peer_max_window_bits = std::nullopt;
  expect_server_answers(full_window,
                        {
                            {"permessage-deflate", "permessage-deflate"},
                            {"permessage-deflate; client_max_window_bits", "permessage-deflate"},
                            {"permessage-deflate; client_max_window_bits=10",
                             "permessage-deflate; client_max_window_bits=10"},
                            {"permessage-deflate; server_max_window_bits=11",
                             "permessage-deflate; server_max_window_bits=11"},
                        });
  DeflateOptions no_takeover = full_window;
  no_takeover.no_context_takeover = true;
  no_takeover.peer_no_context_takeover = true;
  expect_server_answers(
      no_takeover,
      {
          // §7.1.1.1 and §7.1.1.2: a server may add either on its own.
          {"permessage-deflate",
           "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
      });
  DeflateOptions tight;
  tight.peer_max_window_bits = 9;
  expect_server_answers(
      tight, {
                 {"permessage-deflate; client_max_window_bits=10",
                  "permessage-deflate; server_max_window_bits=12; client_max_window_bits=9"},
                 // Without client_max_window_bits in the offer we may not limit the client.
                 {"permessage-deflate", "permessage-deflate; server_max_window_bits=12"},
             });
}

TEST(Rfc7692Section7_1, ServerAgreementSaysWhatEachSideUses) {
  const auto acceptance = accept_deflate_offer(
      elements("permessage-deflate; client_max_window_bits=10; client_no_context_takeover"),
      DeflateOptions{});
  ASSERT_TRUE(acceptance);
  EXPECT_EQ(acceptance->agreement, (DeflateAgreement{false, true, 12, 10}));
  // With no limit of ours, the client's hint is what it will use, and is echoed.
  DeflateOptions unlimited;
  unlimited.peer_max_window_bits = std::nullopt;
  const auto hinted =
      accept_deflate_offer(elements("permessage-deflate; client_max_window_bits=11"), unlimited);
  ASSERT_TRUE(hinted);
  EXPECT_EQ(hinted->agreement.client_max_window_bits, 11);
  const auto plain = accept_deflate_offer(elements("permessage-deflate"), unlimited);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->agreement, (DeflateAgreement{false, false, 12, 15}));
}

// --- the client's offer and its check of the response (RFC 7692 §7.1) ---

TEST(Rfc7692Section7_1, ClientOffersWhatItsOptionsAskFor) {
  EXPECT_EQ(format_deflate_parameters(make_deflate_offer({})),
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits");
  DeflateOptions options;
  options.window_bits = 15;
  options.peer_max_window_bits = std::nullopt;
  EXPECT_EQ(format_deflate_parameters(make_deflate_offer(options)),
            "permessage-deflate; client_max_window_bits");
  options.no_context_takeover = true;
  options.peer_no_context_takeover = true;
  options.peer_max_window_bits = 9;
  EXPECT_EQ(format_deflate_parameters(make_deflate_offer(options)),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=9; client_max_window_bits");
}

struct ClientRow {
  const char* response;  // the server's Sec-WebSocket-Extensions value
  std::optional<DeflateAgreement> agreement;
  bool fails = false;
};

void expect_client_checks(const char* offer, std::initializer_list<ClientRow> rows) {
  const auto read = read_deflate_parameters(elements(offer)[0], DeflateElementKind::offer);
  ASSERT_TRUE(read.parameters);
  for (const ClientRow& row : rows) {
    SCOPED_TRACE(std::string(offer) + " -> " + row.response);
    const DeflateResponseCheck check =
        check_deflate_response(elements(row.response), *read.parameters);
    EXPECT_EQ(!check.what.empty(), row.fails) << check.what;
    EXPECT_EQ(check.agreement, row.agreement);
  }
}

constexpr auto failed = std::nullopt;

TEST(Rfc7692Section7_1, ClientChecksEachParameterOfTheResponse) {
  // Python websockets' and browsers' offer.
  expect_client_checks(
      "permessage-deflate; client_max_window_bits",
      {
          {"", std::nullopt},  // declined: no compression, no failure
          {"permessage-deflate", DeflateAgreement{false, false, 15, 15}},
          // §7.1.1: either side's reset may be required by the server.
          {"permessage-deflate; server_no_context_takeover", DeflateAgreement{true, false, 15, 15}},
          {"permessage-deflate; client_no_context_takeover", DeflateAgreement{false, true, 15, 15}},
          // §7.1.2.1: a server may state the window it uses without being asked.
          {"permessage-deflate; server_max_window_bits=10", DeflateAgreement{false, false, 10, 15}},
          {"permessage-deflate; server_max_window_bits=8", DeflateAgreement{false, false, 8, 15}},
          {"permessage-deflate; client_max_window_bits=9", DeflateAgreement{false, false, 15, 9}},
          {"permessage-deflate; client_max_window_bits=8", DeflateAgreement{false, false, 15, 8}},
          // Invalid responses fail the handshake.
          {"permessage-deflate; client_max_window_bits", failed, true},
          {"permessage-deflate; server_max_window_bits=16", failed, true},
          {"permessage-deflate; server_max_window_bits", failed, true},
          {"permessage-deflate; x-unknown", failed, true},
          {"permessage-deflate; server_no_context_takeover; server_no_context_takeover", failed,
           true},
          {"permessage-deflate; server_no_context_takeover=yes", failed, true},
          {"permessage-deflate, permessage-deflate", failed, true},
      });
}

TEST(Rfc7692Section7_1, ClientFailsWhenARequestedParameterIsNotAccepted) {
  // §7.1.1.1: a server that accepts must echo server_no_context_takeover.
  expect_client_checks(
      "permessage-deflate; server_no_context_takeover",
      {
          {"permessage-deflate; server_no_context_takeover", DeflateAgreement{true, false, 15, 15}},
          {"permessage-deflate", failed, true},
          // §7.1.2.2: not offered, so not allowed in the answer.
          {"permessage-deflate; server_no_context_takeover; "
           "client_max_window_bits=10",
           failed, true},
      });
  // §7.1.2.1: an offered server_max_window_bits must be answered with it, no larger.
  expect_client_checks(
      "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12",
      {
          {"permessage-deflate; server_max_window_bits=10", DeflateAgreement{false, false, 10, 12}},
          {"permessage-deflate; server_max_window_bits=9", DeflateAgreement{false, false, 9, 12}},
          {"permessage-deflate; server_max_window_bits=9; client_max_window_bits=11",
           DeflateAgreement{false, false, 9, 11}},
          {"permessage-deflate; server_max_window_bits=11", failed, true},
          {"permessage-deflate", failed, true},
          {"permessage-deflate; server_max_window_bits=10; client_max_window_bits=13", failed,
           true},
      });
  // §7.1.1.2: our offered client_no_context_takeover binds us whatever the answer.
  expect_client_checks("permessage-deflate; client_no_context_takeover",
                       {{"permessage-deflate", DeflateAgreement{false, true, 15, 15}}});
}

// For logs: the agreement as a Sec-WebSocket-Extensions element, window sizes only when not the
// default 15 (RFC 7692 §7.1.2).
TEST(Rfc7692Section7_1, AgreementIsWrittenAsAnElementWithoutDefaultWindows) {
  EXPECT_EQ(format_deflate_agreement(DeflateAgreement{}), "permessage-deflate");
  EXPECT_EQ(format_deflate_agreement(DeflateAgreement{true, false, 15, 12}),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=12");
}

}  // namespace
}  // namespace wscore
