// SPDX-License-Identifier: MIT
// permessage-deflate, sending (RFC 7692 §6, §7.2.1): the §7.2.3 examples as we compress them,
// RSV1 on the first frame only, control frames never compressed, the threshold and the
// per-message flag.
#include <gtest/gtest.h>

#include <random>

#include "support/factories.hpp"
#include "support/trace.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::compress_everything;
using test::concat;
using test::deflating;
using test::deflating_factory;
using test::hex;
using test::masked_frame;
using test::Trace;
using test::trace_at_every_split;

// --- RFC 7692 §7.2.1: sending ---

TEST(Rfc7692Section7_2_3_1, ServerSendsHelloCompressed) {
  Connection server = deflating(Role::server, {}, compress_everything());
  ASSERT_EQ(server.send_text("Hello"), ApiError::none);
  EXPECT_EQ(hex(server.pending_output()), "c107f248cdc9c90700");
}

TEST(Rfc7692Section7_2_3_2, ContextTakeoverSendsTheSecondHelloAsABackReference) {
  Connection server = deflating(Role::server, {}, compress_everything());
  ASSERT_EQ(server.send_text("Hello"), ApiError::none);
  ASSERT_EQ(server.send_text("Hello"), ApiError::none);
  EXPECT_EQ(hex(server.pending_output()), "c107f248cdc9c90700c105f200110000");
}

TEST(Rfc7692Section7_1_1_1, WithoutContextTakeoverEveryMessageIsCompressedAlone) {
  DeflateAgreement agreement;
  agreement.server_no_context_takeover = true;
  Connection server = deflating(Role::server, agreement, compress_everything());
  const std::string text = "Hello, Hello, Hello, Hello, Hello";
  ASSERT_EQ(server.send_text(text), ApiError::none);
  const std::string first = hex(server.pending_output());
  server.consume_output(server.pending_output().size());
  ASSERT_EQ(server.send_text(text), ApiError::none);
  EXPECT_EQ(hex(server.pending_output()), first);
  EXPECT_EQ(first.substr(0, 2), "c1");
  // "Hello" alone does not shrink (7 octets for 5): without takeover the compressor has
  // forgotten it already, so it goes out as is.
  ASSERT_EQ(server.send_text("Hello"), ApiError::none);
  EXPECT_EQ(hex(server.pending_output()), first + "810548656c6c6f");
}

TEST(Rfc7692Section7_2_3_1, ClientMasksTheCompressedPayload) {
  const MaskKey key = test::rfc_mask_key;
  Connection client = test::open_client(compress_everything(), key);
  ASSERT_EQ(client.enable_deflate({}), ApiError::none);
  ASSERT_EQ(client.send_text("Hello"), ApiError::none);
  const Bytes expected = masked_frame(0xc1, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), key);
  EXPECT_EQ(hex(client.pending_output()), hex(expected));
}

TEST(Rfc7692Section7_2_3_6, EmptyMessagesGoOutAsOneZeroOctet) {
  Connection server = deflating(Role::server, {}, compress_everything());
  ASSERT_EQ(server.send_text(""), ApiError::none);
  ASSERT_EQ(server.send_binary({}), ApiError::none);
  EXPECT_EQ(hex(server.pending_output()), "c10100c20100");
  // ...which a client reads back as two empty messages.
  EXPECT_EQ(
      trace_at_every_split(deflating_factory(Role::client),
                           Bytes(server.pending_output().begin(), server.pending_output().end())),
      (Trace{"text  rsv=4", "binary  rsv=4"}));
}

TEST(Rfc7692Section6_1, FragmentsOfACompressedMessageFormOneStreamWithRsv1OnTheFirst) {
  Connection server = deflating(Role::server, {}, compress_everything());
  ASSERT_EQ(server.send_fragment(MessageType::text, bytes_of("Hel"), false), ApiError::none);
  ASSERT_EQ(server.ping(bytes_of("p")), ApiError::none);  // control frames: never compressed
  ASSERT_EQ(server.send_fragment(MessageType::text, bytes_of("lo"), false), ApiError::none);
  ASSERT_EQ(server.send_fragment(MessageType::text, {}, true), ApiError::none);
  const Bytes wire(server.pending_output().begin(), server.pending_output().end());
  EXPECT_EQ(wire[0], std::byte{0x41});  // RSV1, text, not final
  EXPECT_EQ(trace_at_every_split(deflating_factory(Role::client), wire),
            (Trace{"ping p", "text Hello rsv=4"}));
}

TEST(Rfc7692Section6, ThresholdAndPerMessageFlagDecideWhatIsCompressed) {
  ConnectionOptions options;  // threshold 128 by default
  Connection server = deflating(Role::server, {}, options);
  const std::string small(127, 'a');
  const std::string large(128, 'a');
  ASSERT_EQ(server.send_text(small), ApiError::none);
  EXPECT_EQ(server.pending_output()[0], std::byte{0x81});  // under the threshold: as is
  server.consume_output(server.pending_output().size());
  ASSERT_EQ(server.send_text(large), ApiError::none);
  EXPECT_EQ(server.pending_output()[0], std::byte{0xc1});
  EXPECT_LT(server.pending_output().size(), 20u);
  server.consume_output(server.pending_output().size());
  ASSERT_EQ(server.send_text(large, Compression::never), ApiError::none);
  EXPECT_EQ(server.pending_output()[0], std::byte{0x81});
  server.consume_output(server.pending_output().size());
  // A fragmented message is compressed whatever its first piece's size...
  ASSERT_EQ(server.send_fragment(MessageType::binary, bytes_of("x"), false), ApiError::none);
  EXPECT_EQ(server.pending_output()[0], std::byte{0x42});
  ASSERT_EQ(server.send_fragment(MessageType::binary, bytes_of("y"), true), ApiError::none);
  server.consume_output(server.pending_output().size());
  // ...unless told not to, or it is whole in its first call.
  ASSERT_EQ(server.send_fragment(MessageType::binary, bytes_of("x"), false, Compression::never),
            ApiError::none);
  EXPECT_EQ(server.pending_output()[0], std::byte{0x02});
  ASSERT_EQ(server.send_fragment(MessageType::binary, bytes_of("y"), true), ApiError::none);
  server.consume_output(server.pending_output().size());
  ASSERT_EQ(server.send_fragment(MessageType::binary, bytes_of("x"), true), ApiError::none);
  EXPECT_EQ(server.pending_output()[0], std::byte{0x82});
}

TEST(Rfc7692Section6, ControlFramesAreNeverCompressed) {
  Connection server = deflating(Role::server, {}, compress_everything());
  ASSERT_EQ(server.ping(bytes_of("ping")), ApiError::none);
  ASSERT_EQ(server.pong(bytes_of("pong")), ApiError::none);
  ASSERT_EQ(server.close(1000, "bye"), ApiError::none);
  EXPECT_EQ(hex(server.pending_output()), "8904" + hex(bytes_of("ping")) + "8a04" +
                                              hex(bytes_of("pong")) + "880503e8" +
                                              hex(bytes_of("bye")));
}

TEST(Rfc7692Section6, IncompressibleMessageWithoutContextTakeoverGoesOutAsIs) {
  DeflateAgreement agreement;
  agreement.server_no_context_takeover = true;
  Connection server = deflating(Role::server, agreement);
  std::mt19937 random(7692);
  Bytes noise(1000);
  for (auto& b : noise)
    b = static_cast<std::byte>(random());
  ASSERT_EQ(server.send_binary(noise), ApiError::none);
  EXPECT_EQ(hex(ByteView(server.pending_output()).first(4)), "827e03e8");
}

}  // namespace
}  // namespace wscore
