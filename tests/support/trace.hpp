// SPDX-License-Identifier: MIT
// Test support: a Connection's exchange as a readable protocol trace (bytes in, events out, bytes
// written), and the replay of an input at every split (splits.hpp) so that each parser test also
// proves the parser is incremental.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "support/factories.hpp"
#include "wscore/connection.hpp"

namespace wscore::test {

using Bytes = std::vector<std::byte>;
// One line per event or per thing written, as below.
using Trace = std::vector<std::string>;

Bytes bytes(std::initializer_list<int> values);
Bytes bytes_of(std::string_view text);
Bytes concat(std::initializer_list<Bytes> parts);
std::string hex(ByteView data);

// A masked frame as a client would send it (RFC 6455 §5.2, §5.3), built independently of the
// code under test.
Bytes masked_frame(std::uint8_t first_byte, ByteView payload, MaskKey key = rfc_mask_key);
Bytes unmasked_frame(std::uint8_t first_byte, ByteView payload);

// Short payloads verbatim (`text`) or in hex; long ones by size and a checksum
// ("256 bytes fnv=...").
std::string summarize(ByteView data, bool text);

// One line per event: "text Hello", "binary 256 bytes fnv=...", "ping Hello", "close 1000 bye",
// "error 1002 unmasked_frame_from_client", "fragment text fin=1 Hel", ...
std::string describe(const Event& event);

// What a trace holds besides the events.
enum class Record {
  events,             // the events only
  events_and_writes,  // and what the connection wrote, consumed and described after each piece
};
inline constexpr Record with_writes = Record::events_and_writes;

// Feeds `pieces` in order (copying each into a scratch buffer that is overwritten afterwards, to
// catch views that outlive their input) and returns the trace of every event. With
// `with_writes`, what the connection had written before the first piece and after each piece's
// events (write_trace.hpp: "wrote pong Hello") follows them, and its output is consumed; otherwise
// the output is left as it is.
Trace run_pieces(Connection& connection, const std::vector<Bytes>& pieces,
                 Record record = Record::events);

// Runs `input` through fresh connections from `make` at every split (splits.hpp) and through
// the copying receive(); fails the current test if any gives other events or other bytes
// written than the whole input, and returns the trace of the whole input (run_pieces with
// `record`). Comparable across splits: the events with the pieces of a streamed message joined,
// and what was written, in order.
Trace trace_at_every_split(const ConnectionFactory& make, const Bytes& input,
                           Record record = Record::events);

// Parses `wire` with a fresh open connection in `role` and returns its trace.
Trace parse_as(Role role, ByteView wire, ConnectionOptions options = {});

}  // namespace wscore::test
