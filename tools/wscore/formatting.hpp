// SPDX-License-Identifier: MIT
// How the client commands (connect, bench) write figures and payloads for people and for
// programs: durations and sizes in the unit that fits, hex, and JSON strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wscore/bytes.hpp"

namespace wscore::cli {

// "850 ns", "12.3 µs", "264.8 ms", "1.25 s": the largest unit the value reaches.
[[nodiscard]] std::string format_duration(double nanoseconds);
// "125.0 B", "3.4 KB", "1.2 GB" (powers of 1000).
[[nodiscard]] std::string format_bytes(double bytes);
// Lowercase hex, two digits a byte, nothing between them.
[[nodiscard]] std::string to_hex(ByteView bytes);
// A payload for a person: the text when it is printable UTF-8, else "0x" and its hex;
// "(empty)" when there is none.
[[nodiscard]] std::string describe_payload(ByteView bytes);
// `text` quoted for an error line: in single quotes, CR, LF, TAB and other control characters
// written as \r, \n, \t and \xNN so that the line stays one line.
[[nodiscard]] std::string quote_for_error(std::string_view text);
// Appends `text` as a JSON string, quotes included (RFC 8259 §7); `text` must be valid UTF-8.
void append_json_string(std::string& out, std::string_view text);
// Seconds since the Unix epoch, with microseconds: the `time` of an event.
[[nodiscard]] double unix_time_now();

}  // namespace wscore::cli
