// SPDX-License-Identifier: MIT
// The test support itself (tests/support): the splits every parser test is replayed at, and the
// trace of what a connection wrote, since every other test leans on them.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/factories.hpp"
#include "support/splits.hpp"
#include "support/trace.hpp"
#include "support/write_trace.hpp"

namespace wscore {
namespace {

using test::Bytes;
using test::bytes;
using test::bytes_of;
using test::concat;
using test::masked_frame;
using test::Split;
using test::Trace;
using test::unmasked_frame;
using test::with_writes;

TEST(TestSupport, SplitsAreTheWholeInputOneByteAtATimeAndEvery2WaySplit) {
  Trace splits;
  test::for_each_split(3, [&](const Split& split) {
    splits.push_back(test::describe_split(split, 3));
    return true;
  });
  EXPECT_EQ(splits, (Trace{"the whole input", "one byte at a time", "2 pieces of 0 and 3 bytes",
                           "2 pieces of 1 and 2 bytes", "2 pieces of 2 and 1 bytes",
                           "2 pieces of 3 and 0 bytes"}));
  using Pieces = std::vector<std::string_view>;
  const std::string_view input = "abc";
  EXPECT_EQ(test::pieces_of(input, Split{Split::Kind::whole}), Pieces{"abc"});
  EXPECT_EQ(test::pieces_of(input, Split{Split::Kind::bytewise}), (Pieces{"a", "b", "c"}));
  EXPECT_EQ(test::pieces_of(input, Split{Split::Kind::two_way, 1}), (Pieces{"a", "bc"}));
  EXPECT_EQ(test::pieces_of(input, Split{Split::Kind::two_way, 3}), (Pieces{"abc", ""}));
}

TEST(TestSupport, ReplayEverySplitReportsTheFirstSplitThatDiffers) {
  // An "incremental parser" whose outcome is how many pieces it saw.
  EXPECT_NONFATAL_FAILURE(test::replay_every_split(std::string_view("abc"),
                                                   [](const std::vector<std::string_view>& pieces) {
                                                     return pieces.size();
                                                   }),
                          "one byte at a time gives 3 but the whole input gives 1");
}

TEST(TestSupport, WritesAreDescribedAsThePeerReadsThem) {
  // A server's response head and frames, read by a client.
  const Bytes from_server =
      concat({bytes_of("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
              unmasked_frame(0x01, bytes_of("Hel")), unmasked_frame(0x8A, bytes_of("p")),
              unmasked_frame(0x80, bytes_of("lo")), unmasked_frame(0xC2, bytes({0xf2, 0x00})),
              unmasked_frame(0x88, {}), unmasked_frame(0x88, bytes({0x03})),
              unmasked_frame(0x88, bytes({0x03, 0xe9, 'b', 'y', 'e'}))});
  EXPECT_EQ(
      test::describe_written(Role::server, from_server),
      (Trace{"wrote 101 response", "wrote text fin=0 Hel", "wrote pong p", "wrote continuation lo",
             "wrote binary rsv=4 f200", "wrote close", "wrote close 03", "wrote close 1001 bye"}));
  EXPECT_EQ(test::describe_written(
                Role::server, bytes_of("HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n")),
            Trace{"wrote 403 response: no"});
  // A client's request and masked frames, read by a server.
  EXPECT_EQ(test::describe_written(Role::client,
                                   concat({bytes_of("GET /chat HTTP/1.1\r\nHost: x\r\n\r\n"),
                                           masked_frame(0x89, bytes_of("Hello"))})),
            (Trace{"wrote GET /chat request", "wrote ping Hello"}));
  // What the peer would refuse, and what is cut short.
  EXPECT_EQ(test::describe_written(Role::server, masked_frame(0x81, bytes_of("x"))),
            Trace{"wrote violation masked_frame_from_server"});
  EXPECT_EQ(test::describe_written(Role::server, bytes({0x81, 0x05, 'H'})),
            Trace{"wrote unfinished frame"});
  EXPECT_EQ(test::describe_written(Role::server, bytes_of("HTTP/1.1 101 Switching")),
            Trace{"wrote unfinished head HTTP/1.1 101 Switching"});
}

TEST(TestSupport, RunPiecesRecordsWhatWasWrittenAfterEachPiece) {
  const Bytes ping_a = masked_frame(0x89, bytes_of("a"));
  const Bytes ping_b = masked_frame(0x89, bytes_of("b"));
  Connection recording = test::open_server();
  EXPECT_EQ(test::run_pieces(recording, {ping_a, ping_b}, with_writes),
            (Trace{"ping a", "wrote pong a", "ping b", "wrote pong b"}));
  EXPECT_TRUE(recording.pending_output().empty());  // consumed
  Connection not_recording = test::open_server();
  EXPECT_EQ(test::run_pieces(not_recording, {ping_a, ping_b}), (Trace{"ping a", "ping b"}));
  EXPECT_EQ(test::describe_written(Role::server, not_recording.pending_output()),
            (Trace{"wrote pong a", "wrote pong b"}));
}

TEST(TestSupport, TraceAtEverySplitComparesTheBytesWrittenEvenWhenItReturnsTheEventsOnly) {
  // 26 Pings in one piece leave 16 Pongs unsent, the last replaced by the latest (RFC 6455
  // §5.5.3); one byte at a time, each Pong is written before the next Ping arrives. The events
  // are the same; the bytes written are not.
  Bytes pings;
  for (char c = 'a'; c <= 'z'; ++c)
    pings = concat({pings, masked_frame(0x89, bytes_of(std::string(1, c)))});
  EXPECT_NONFATAL_FAILURE(test::trace_at_every_split(test::server_factory(), pings),
                          "one byte at a time gives");
}

}  // namespace
}  // namespace wscore
