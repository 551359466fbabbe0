// SPDX-License-Identifier: MIT
// permessage-deflate, receiving (RFC 7692 §6, §7.2.2): the §7.2.3 examples byte for byte in both
// roles and both delivery modes, at every split; RSV1 rules; invalid data and text.
#include <gtest/gtest.h>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::concat;
using test::deflating;
using test::deflating_factory;
using test::hex;
using test::masked_frame;
using test::streaming_delivery;
using test::Trace;
using test::trace_at_every_split;
using test::with_writes;

// The same frames as the server sends them (unmasked) and as the client does (masked).
Bytes as_client_frames(const Bytes& unmasked_wire) {
  Bytes out;
  for (std::size_t at = 0; at < unmasked_wire.size();) {
    const auto first = static_cast<std::uint8_t>(unmasked_wire[at]);
    const std::size_t length = static_cast<std::size_t>(unmasked_wire[at + 1]);  // all < 126
    const Bytes payload(unmasked_wire.begin() + static_cast<std::ptrdiff_t>(at + 2),
                        unmasked_wire.begin() + static_cast<std::ptrdiff_t>(at + 2 + length));
    out = concat({out, masked_frame(first, payload)});
    at += 2 + length;
  }
  return out;
}

// Streamed pieces joined into messages: "fragment text fin=0 Hel", "fragment text fin=1 lo"
// become "text Hello" (for short texts, whose pieces the trace shows verbatim).
Trace joined_messages(const Trace& trace) {
  Trace out;
  std::string data;
  for (const auto& line : trace) {
    if (line.rfind("fragment ", 0) != 0) {
      out.push_back(line);
      continue;
    }
    const std::size_t type_end = line.find(' ', 9);
    data += line.substr(type_end + 7);
    if (line.compare(type_end + 1, 5, "fin=1") == 0) {
      out.push_back(line.substr(9, type_end - 9) + " " + data);
      data.clear();
    }
  }
  return out;
}

// Replays `wire` (as the server sends it) into a client, and masked into a server, in both
// delivery modes, at every split; expects `whole` (whole messages) from each.
void expect_in_both_roles(const Bytes& wire, const Trace& whole, DeflateAgreement agreement = {}) {
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client, agreement), wire), whole)
      << "client";
  EXPECT_EQ(
      trace_at_every_split(deflating_factory(Role::server, agreement), as_client_frames(wire)),
      whole)
      << "server";
  Trace without_rsv;
  for (const auto& line : whole)
    without_rsv.push_back(line.substr(0, line.rfind(" rsv=4")));
  EXPECT_EQ(joined_messages(trace_at_every_split(
                deflating_factory(Role::client, agreement, streaming_delivery()), wire)),
            without_rsv)
      << "client, streaming";
}

// --- RFC 7692 §7.2.3: the examples, received ---

TEST(Rfc7692Section7_2_3_1, HelloCompressedInOneFrame) {
  expect_in_both_roles(bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}),
                       Trace{"text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_1, HelloCompressedInTwoFragments) {
  // RSV1 on the first frame only (RFC 7692 §6.1); the payloads form one DEFLATE stream.
  expect_in_both_roles(bytes({0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}),
                       Trace{"text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_2, SecondHelloRefersBackIntoTheSharedWindow) {
  const Bytes wire = bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00,  //
                            0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00});
  expect_in_both_roles(wire, Trace{"text Hello rsv=4", "text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_2, WithoutContextTakeoverTheBackReferenceIsInvalidData) {
  // Our decompressor empties its window after each message when the sender promised to.
  const Bytes wire = bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00,  //
                            0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00});
  DeflateAgreement agreement;
  agreement.server_no_context_takeover = true;
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client, agreement), wire, with_writes),
            (Trace{"text Hello rsv=4", "error 1007 invalid_compressed_data",
                   "wrote close 1007 invalid compressed data (RFC 7692 7.2.2)"}));
}

TEST(Rfc7692Section7_2_3_3, DeflateBlockWithNoCompression) {
  expect_in_both_roles(
      bytes({0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}),
      Trace{"text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_4, DeflateBlockWithBfinalSet) {
  expect_in_both_roles(bytes({0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}),
                       Trace{"text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_4, AfterABfinalBlockTheWindowIsKeptAndTheNextMessageDecodes) {
  // The §7.2.3.4 message, then the §7.2.3.2 second "Hello" that refers back five octets.
  const Bytes wire = bytes({0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00,  //
                            0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00,                    //
                            0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
  expect_in_both_roles(wire, Trace{"text Hello rsv=4", "text Hello rsv=4", "text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_4, BfinalBlockWithoutTheTrailingOctetStillEndsTheMessage) {
  const Bytes wire = bytes({0xc1, 0x07, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00,  //
                            0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
  expect_in_both_roles(wire, Trace{"text Hello rsv=4", "text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_5, TwoDeflateBlocksInOneMessage) {
  expect_in_both_roles(bytes({0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca,
                              0xc9, 0xc9, 0x07, 0x00}),
                       Trace{"text Hello rsv=4"});
}

TEST(Rfc7692Section7_2_3_6, CompressedEmptyMessages) {
  // 00: an empty stored block once 00 00 ff ff is appended; 02 00: an empty fixed-Huffman block.
  expect_in_both_roles(bytes({0xc1, 0x01, 0x00, 0xc2, 0x02, 0x02, 0x00}),
                       Trace{"text  rsv=4", "binary  rsv=4"});
}

TEST(Rfc7692Section7_2_3_6, AnEmptyCompressedPayloadIsAnEmptyMessageAndLeavesTheWindowAlone) {
  // Not valid DEFLATE once 00 00 ff ff is appended, but sent by some peers for "".
  const Bytes wire = bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00,  //
                            0xc1, 0x00,                                            //
                            0x41, 0x00, 0x80, 0x00,                                //
                            0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00});
  expect_in_both_roles(wire,
                       Trace{"text Hello rsv=4", "text  rsv=4", "text  rsv=4", "text Hello rsv=4"});
}

TEST(Rfc6455Section7_1_5, StreamEndingInsideACompressedMessageIsLost) {
  Connection client = deflating(Role::client);
  client.receive(ByteView(bytes({0x41, 0x03, 0xf2, 0x48, 0xcd})));
  client.receive_eof();
  Trace trace;
  while (auto event = client.next_event())
    trace.push_back(test::describe(*event));
  EXPECT_EQ(trace, Trace{"lost 1006"});
}

TEST(Rfc7692Section6, UncompressedMessagesMixWithCompressedOnes) {
  // RFC 7692 §6: RSV1 clear means the message is sent as is, even with the extension in force.
  const Bytes wire = bytes({0x81, 0x02, 0x48, 0x69,  //
                            0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client), wire),
            (Trace{"text Hi", "text Hello rsv=4"}));
}

TEST(Rfc7692Section6_1, ControlFramesInterleaveWithACompressedMessage) {
  const Bytes wire = bytes({0x41, 0x03, 0xf2, 0x48, 0xcd, 0x89, 0x01, 0x70,  //
                            0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00});
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client), wire),
            (Trace{"ping p", "text Hello rsv=4"}));
}

// --- RSV1 rules (RFC 7692 §6, §6.1) ---

TEST(Rfc7692Section6_1, Rsv1OnAContinuationFrameFailsWith1002) {
  const Bytes wire = bytes({0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00});
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client), wire, with_writes),
            (Trace{"error 1002 rsv_without_extension",
                   "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
}

TEST(Rfc7692Section6_1, Rsv1OnAControlFrameFailsWith1002) {
  EXPECT_EQ(
      trace_at_every_split(deflating_factory(Role::client), bytes({0xc9, 0x01, 0x00}), with_writes),
      (Trace{"error 1002 rsv_without_extension",
             "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
}

TEST(Rfc7692Section6, Rsv1WithoutTheExtensionFailsWith1002) {
  EXPECT_EQ(trace_at_every_split(test::client_factory(),
                                 bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}),
                                 with_writes),
            (Trace{"error 1002 rsv_without_extension",
                   "wrote close 1002 RSV bit set without an extension (RFC 6455 5.2)"}));
}

TEST(Rfc7692Section7_2_2, DataThatIsNotDeflateFailsWith1007) {
  // BTYPE 11 is reserved (RFC 1951 §3.2.3).
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client), bytes({0xc2, 0x02, 0x07, 0x00}),
                                 with_writes),
            (Trace{"error 1007 invalid_compressed_data",
                   "wrote close 1007 invalid compressed data (RFC 7692 7.2.2)"}));
}

TEST(Rfc7692Section7_2_2, TextIsValidatedAfterInflating) {
  // A stored block holding C3 28: invalid UTF-8 once inflated.
  const Bytes wire = bytes({0xc1, 0x07, 0x00, 0x02, 0x00, 0xfd, 0xff, 0xc3, 0x28});
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client), wire, with_writes),
            (Trace{"error 1007 invalid_utf8",
                   "wrote close 1007 invalid UTF-8 in a text message (RFC 6455 8.1)"}));
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client, {}, streaming_delivery()), wire,
                                 with_writes),
            (Trace{"error 1007 invalid_utf8",
                   "wrote close 1007 invalid UTF-8 in a text message (RFC 6455 8.1)"}));
}

}  // namespace
}  // namespace wscore
