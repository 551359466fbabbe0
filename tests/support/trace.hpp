// Test support: turn a Connection's events into a readable trace, and replay an input at every
// split point so that each parser test also proves the parser is incremental.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "wscore/connection.hpp"

namespace wscore::test {

using Bytes = std::vector<std::byte>;

Bytes bytes(std::initializer_list<int> values);
Bytes bytes_of(std::string_view text);
Bytes concat(std::initializer_list<Bytes> parts);
std::string hex(ByteView data);

// A masked frame as a client would send it (RFC 6455 §5.2, §5.3), built independently of the
// code under test.
Bytes masked_frame(std::uint8_t first_byte, ByteView payload,
                   MaskKey key = {std::byte{0x37}, std::byte{0xfa}, std::byte{0x21},
                                  std::byte{0x3d}});
Bytes unmasked_frame(std::uint8_t first_byte, ByteView payload);

// One line per event: "text Hello", "binary 256 sha=...", "ping Hello", "close 1000 bye",
// "error 1002 unmasked_frame_from_client", "fragment text fin=1 Hel", ...
std::string describe(const Event& event);

// Feeds `pieces` in order (copying each into a scratch buffer that is overwritten afterwards, to
// catch views that outlive their input) and returns the trace of every event.
std::vector<std::string> run_pieces(Connection& connection, const std::vector<Bytes>& pieces);

// Runs `input` through fresh connections from `make` whole, one byte at a time, and at every
// 2-way split; fails the current test if any trace differs from the whole-input trace, which it
// returns.
std::vector<std::string> trace_at_every_split(const std::function<Connection()>& make,
                                              const Bytes& input);

// A deterministic RandomSource for tests (never for production: §10.3).
RandomSource fixed_random(MaskKey key);

// An open connection in `role` with permessage-deflate in force as `agreement` says (the
// handshake happened elsewhere); fails the current test if enable_deflate() refuses.
Connection deflating(Role role, DeflateAgreement agreement = {}, ConnectionOptions options = {});
// The same as a factory, for trace_at_every_split.
std::function<Connection()> deflating_factory(Role role, DeflateAgreement agreement = {},
                                              ConnectionOptions options = {});

// Parses `wire` with a fresh open connection in `role` and returns its trace.
std::vector<std::string> parse_as(Role role, ByteView wire, ConnectionOptions options = {});

}  // namespace wscore::test
