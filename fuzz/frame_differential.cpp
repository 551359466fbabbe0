// SPDX-License-Identifier: MIT
// Fuzz target: our frame layer (FrameParser) against Debian's wslay frame layer
// (wslay_frame_recv, libwslay 1.1.1), frame after frame, on the same bytes.
//
// Input: [config] [our piece seed] [wslay's piece seed] [bytes from the peer...]
//   config bit 0: our role (0 server: the peer is a client and must mask, 1 client: it must not);
//          bits 1-3: RSV bits a negotiated extension claims (rsv_bit flags); bit 4: we read with
//          parse_copying() into a buffer of the size bits 5-7 choose (copy_sizes), else with
//          parse() in place.
//   The seeds cut the bytes into our parse() calls and into what wslay's recv callback hands out
//   per call (piece_sizes).
//
// Each side yields the frames it read: the header (FIN, RSV, opcode, mask bit, payload length)
// and the payload bytes, unmasked, so far; and how it stopped: the input ran out, or it refused a
// header (FrameParser: Status::violation; wslay: WSLAY_ERR_PROTO). Every frame both read is the
// same, header and payload, and they stop at the same frame for the same reason, except for the
// differences below.
//
// What wslay's frame layer refuses (lib/wslay_frame.c; tried on libwslay1 1.1.1-3+b1 one case at
// a time, and asserted on every input here: wslay_refuses() must predict wslay exactly):
//   - a control frame (opcode bit 3 set, the reserved 0xB-0xF included) with FIN clear or a 7-bit
//     length over 125, as soon as it has the first two bytes;
//   - a length not in its minimal form (the 16-bit form under 126, the 64-bit form under 65536),
//     and a 64-bit length with its most significant bit set, once it has the length.
// Nothing else: RSV bits, reserved opcodes and masking by role are checked by its event layer
// (wslay_event_recv), which this target does not use.
// So the differences allowed, and no others:
//   1. We refuse, wslay reads on: reserved_opcode, unmasked_frame_from_client,
//      masked_frame_from_server and rsv_without_extension, the rules wslay leaves to its event
//      layer. The header wslay reports for that frame is ours, field by field; it may also refuse
//      the frame, if the header breaks a rule it checks as well (e.g. opcode 0xB without FIN).
//   2. wslay refuses, we read on: a length not in its minimal form. RFC 6455 §5.2 says "the
//      minimal number of bytes MUST be used to encode the length", a rule for the sender that
//      prescribes nothing for the receiver, so refusing (wslay) and accepting (FrameParser, see
//      frame_header.hpp) both conform.
//   3. wslay refuses a control frame on its first two bytes, we only once its whole header (up to
//      14 bytes) is in: when the input ends inside that header, only wslay has stopped.
//   4. wslay's iocb reports a header with the first bytes of its payload, so when the input ends
//      right after the header of a frame with a payload, we have that header and wslay has not.
// The rules both check (length_high_bit_set, control_frame_too_long, fragmented_control_frame)
// stop both at the same frame; FrameParser reports no other kind of violation.
#include <wslay/wslay.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "fuzz_support.hpp"
#include "wscore/close_code.hpp"
#include "wscore/frame_parser.hpp"

namespace wscore::fuzz {
namespace {

struct Header {
  bool fin = false;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint64_t payload_length = 0;
  friend bool operator==(const Header&, const Header&) = default;
};

struct Frame {
  Header header;
  std::vector<std::byte> payload;  // unmasked, as much as has arrived
  bool complete() const { return payload.size() == header.payload_length; }
};

struct Reading {
  std::vector<Frame> frames;
  bool refused = false;                  // stopped on a header; frames.size() is its index
  std::optional<Violation> violation;    // ours: which rule
  std::optional<Header> refused_header;  // ours: the header refused, when it was decoded
};

// The header at the start of `bytes`, as far as it has arrived (RFC 6455 §5.2), read here
// without the library.
struct RawHeader {
  std::size_t available = 0;
  bool fin = false;
  std::uint8_t opcode = 0;
  std::uint8_t length_marker = 0;  // the 7-bit length field
  std::optional<std::uint64_t> extended_length;
  std::size_t size = 0;  // of the whole header, once the first two bytes are in
};

RawHeader raw_header(ByteView bytes) {
  RawHeader raw;
  raw.available = bytes.size();
  if (bytes.size() < 2) return raw;
  const auto first = std::to_integer<std::uint8_t>(bytes[0]);
  const auto second = std::to_integer<std::uint8_t>(bytes[1]);
  raw.fin = (first & 0x80) != 0;
  raw.opcode = first & 0x0F;
  raw.length_marker = second & 0x7F;
  const std::size_t length_size = raw.length_marker == 127 ? 8 : raw.length_marker == 126 ? 2 : 0;
  raw.size = 2 + length_size + ((second & 0x80) != 0 ? 4 : 0);
  if (length_size != 0 && bytes.size() >= 2 + length_size) {
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < length_size; ++i)
      length = (length << 8) | std::to_integer<std::uint8_t>(bytes[2 + i]);
    raw.extended_length = length;
  }
  return raw;
}

bool length_not_minimal(const RawHeader& raw) {
  if (!raw.extended_length) return false;
  return raw.length_marker == 126 ? *raw.extended_length < 126 : *raw.extended_length < 65536;
}

// What wslay_frame_recv does with the header at the start of `bytes`, from its source (see the
// top of the file): nullopt while it cannot tell yet.
std::optional<bool> wslay_refuses(const RawHeader& raw) {
  if (raw.available < 2) return std::nullopt;
  if (is_control_opcode(raw.opcode) && (!raw.fin || raw.length_marker > 125)) return true;
  if (raw.length_marker < 126) return false;
  if (!raw.extended_length) return std::nullopt;
  return length_not_minimal(raw) || (*raw.extended_length >> 63) != 0;
}

Header header_of(const FrameHeader& header) {
  return {header.fin, header.rsv, header.opcode, header.masked, header.payload_length};
}

// --- FrameParser --------------------------------------------------------------------------------

constexpr std::size_t copy_sizes[] = {1, 2, 3, 7, 64, 125, 4096, 65536};

Reading read_ours(Role role, std::uint8_t config, std::uint8_t seed, ByteView bytes) {
  FrameParser parser(role, static_cast<std::uint8_t>((config >> 1) & 7));
  const bool copying = (config & 0x10) != 0;
  std::vector<std::byte> out(copy_sizes[config >> 5]);
  std::vector<std::byte> buffer(bytes.begin(), bytes.end());  // parse() unmasks in place
  Reading reading;
  std::size_t at = 0;
  for (const std::size_t piece : piece_sizes(bytes.size(), seed)) {
    MutableByteView input = MutableByteView(buffer).subspan(at, piece);
    at += piece;
    for (;;) {
      const FrameParser::Step step =
          copying ? parser.parse_copying(input, out) : parser.parse(input);
      check(step.bytes_consumed <= input.size(), "parse() consumes at most its input");
      input = input.subspan(step.bytes_consumed);
      if (step.status == FrameParser::Status::need_more) {
        check(input.empty(), "need_more: every byte of the input was taken");
        break;
      }
      if (step.status == FrameParser::Status::violation) {
        check(parser.violation().has_value(), "a violation is named");
        // frame_parser.hpp: the parser reads nothing more.
        const FrameParser::Step again = parser.parse(input);
        const FrameParser::Step again_copying = parser.parse_copying(input, out);
        check(again.status == FrameParser::Status::violation && again.bytes_consumed == 0 &&
                  again_copying.status == FrameParser::Status::violation &&
                  again_copying.bytes_consumed == 0,
              "after a violation the parser reads nothing more");
        reading.refused = true;
        reading.violation = parser.violation();
        if (*reading.violation != Violation::length_high_bit_set) {
          reading.refused_header = header_of(parser.header());
        }
        return reading;
      }
      if (step.status == FrameParser::Status::header) {
        check(reading.frames.empty() || reading.frames.back().complete(),
              "a header follows the end of the previous frame");
        reading.frames.push_back({header_of(parser.header()), {}});
        continue;
      }
      check(!reading.frames.empty(), "payload follows a header");
      Frame& frame = reading.frames.back();
      check(!frame.complete() || step.payload.empty(), "no payload past the frame's length");
      frame.payload.insert(frame.payload.end(), step.payload.begin(), step.payload.end());
      check(step.frame_finished == frame.complete(), "frame_finished exactly at its last byte");
      check(parser.payload_offset() == frame.payload.size() || step.frame_finished,
            "payload_offset() counts what was handed out");
    }
  }
  return reading;
}

// --- wslay --------------------------------------------------------------------------------------

// What wslay's recv callback hands out: at most the rest of the current piece per call.
struct Feed {
  ByteView bytes;
  std::vector<std::size_t> pieces;
  std::size_t piece = 0;     // index of the current piece
  std::size_t taken = 0;     // of the current piece
  std::size_t consumed = 0;  // of all bytes
  bool exhausted() const { return consumed == bytes.size(); }
};

ssize_t feed_wslay(std::uint8_t* buf, std::size_t len, int /*flags*/, void* user_data) {
  Feed& feed = *static_cast<Feed*>(user_data);
  if (feed.exhausted()) return 0;  // wslay_frame_recv then returns WSLAY_ERR_WANT_READ
  const std::size_t count = std::min(len, feed.pieces[feed.piece] - feed.taken);
  std::memcpy(buf, feed.bytes.data() + feed.consumed, count);
  feed.taken += count;
  feed.consumed += count;
  if (feed.taken == feed.pieces[feed.piece]) {
    ++feed.piece;
    feed.taken = 0;
  }
  return static_cast<ssize_t>(count);
}

Reading read_wslay(std::uint8_t seed, ByteView bytes) {
  Feed feed{bytes, piece_sizes(bytes.size(), seed)};
  const wslay_frame_callbacks callbacks{nullptr, feed_wslay, nullptr};
  wslay_frame_context_ptr context = nullptr;
  check(wslay_frame_context_init(&context, &callbacks, &feed) == 0, "wslay context");
  Reading reading;
  for (;;) {
    wslay_frame_iocb iocb{};
    const ssize_t result = wslay_frame_recv(context, &iocb);
    if (result == WSLAY_ERR_WANT_READ) {
      if (feed.exhausted()) break;
      continue;
    }
    if (result == WSLAY_ERR_PROTO) {
      reading.refused = true;
      break;
    }
    check(result >= 0 && static_cast<std::size_t>(result) == iocb.data_length,
          "wslay returns payload, WANT_READ or PROTO");
    const Header header{iocb.fin != 0, iocb.rsv, iocb.opcode, iocb.mask != 0, iocb.payload_length};
    if (reading.frames.empty() || reading.frames.back().complete()) {
      reading.frames.push_back({header, {}});
    }
    Frame& frame = reading.frames.back();
    check(frame.header == header, "wslay reports one header per frame");
    const auto* data = reinterpret_cast<const std::byte*>(iocb.data);
    frame.payload.insert(frame.payload.end(), data, data + iocb.data_length);
    check(frame.payload.size() <= header.payload_length, "wslay stays inside the frame");
  }
  wslay_frame_context_free(context);
  return reading;
}

// --- the comparison -----------------------------------------------------------------------------

// Where each complete frame of `frames` starts in the input, then where the next one does.
std::vector<std::size_t> frame_starts(ByteView bytes, const std::vector<Frame>& frames) {
  std::vector<std::size_t> starts{0};
  for (const Frame& frame : frames) {
    if (!frame.complete()) break;
    const std::size_t start = starts.back();
    starts.push_back(start + raw_header(bytes.subspan(start)).size +
                     static_cast<std::size_t>(frame.header.payload_length));
  }
  return starts;
}

bool wslay_also_checks(Violation violation) {
  switch (violation) {
    case Violation::length_high_bit_set:
    case Violation::control_frame_too_long:
    case Violation::fragmented_control_frame:
      return true;
    case Violation::reserved_opcode:
    case Violation::unmasked_frame_from_client:
    case Violation::masked_frame_from_server:
    case Violation::rsv_without_extension:
      return false;
    default:
      violated("FrameParser reports only violations of the frame layer");
  }
}

void compare(ByteView bytes, const Reading& ours, const Reading& wslay) {
  const std::vector<std::size_t> starts = frame_starts(bytes, wslay.frames);
  // wslay does what its source says, on every frame it read and where it stopped.
  for (std::size_t i = 0; i < wslay.frames.size(); ++i) {
    check(wslay_refuses(raw_header(bytes.subspan(starts[i]))) == false,
          "wslay reads the headers its source accepts");
  }
  if (wslay.refused) {
    check(starts.size() == wslay.frames.size() + 1, "wslay refuses after whole frames");
    check(wslay_refuses(raw_header(bytes.subspan(starts.back()))) == true,
          "wslay refuses exactly the headers its source refuses");
  } else if (wslay.frames.empty() || wslay.frames.back().complete()) {
    // Stopped at the end of the input, between frames or inside a header it has not judged.
    check(wslay_refuses(raw_header(bytes.subspan(starts.back()))) != true,
          "wslay refuses every header its source refuses");
  }

  // Every frame both read is the same, header and payload (unmasked).
  const std::size_t common = std::min(ours.frames.size(), wslay.frames.size());
  for (std::size_t i = 0; i < common; ++i) {
    check(ours.frames[i].header == wslay.frames[i].header,
          "same header: FIN, RSV, opcode, mask bit, payload length");
    check(ours.frames[i].payload == wslay.frames[i].payload, "same payload bytes, unmasked");
  }

  const std::size_t ours_stop = ours.frames.size();
  const std::size_t wslay_stop = wslay.frames.size();
  if (ours.refused) {
    const bool checked_by_both = wslay_also_checks(*ours.violation);
    check(wslay_stop >= ours_stop || wslay.refused, "wslay read every frame before ours stopped");
    if (wslay.refused && wslay_stop < ours_stop) {
      // Difference 2, on an earlier frame: it is checked below from wslay's side.
    } else if (checked_by_both) {
      check(wslay.refused && wslay_stop == ours_stop,
            "a rule both check stops both at the same frame");
    } else if (wslay.refused && wslay_stop == ours_stop) {
      // Difference 1, and the header also breaks one of wslay's rules (asserted above).
    } else if (wslay_stop > ours_stop) {
      // Difference 1: wslay read on; up to there it saw the same header.
      check(ours.refused_header.has_value(), "the refused header was decoded");
      check(wslay.frames[ours_stop].header == *ours.refused_header,
            "wslay saw the header we refused, field by field");
    } else {
      // Difference 4: wslay has not reported the header, as no payload byte followed it.
      check(ours.refused_header && ours.refused_header->payload_length != 0,
            "wslay reports every header it read with an empty payload");
      const std::size_t start = frame_starts(bytes, ours.frames).back();
      check(start + raw_header(bytes.subspan(start)).size == bytes.size(),
            "wslay reports a header once a payload byte follows it");
    }
  }
  check(ours.refused || ours_stop >= wslay_stop, "we read every frame wslay read");
  if (wslay.refused && (!ours.refused || ours_stop > wslay_stop)) {
    const RawHeader raw = raw_header(bytes.subspan(starts.back()));
    if (ours_stop > wslay_stop) {
      // Difference 2: we read the frame wslay refused.
      check(length_not_minimal(raw), "wslay refuses only a non-minimal length that we accept");
    } else {
      // Difference 3: the input ended inside a header wslay judged on its first bytes.
      check(!ours.refused && raw.available < raw.size,
            "we are still reading the header wslay refused");
    }
  }
  if (!ours.refused && !wslay.refused) {
    // Both read to the end of the input: the same frames, but for difference 4.
    if (ours_stop == wslay_stop + 1) {
      const Frame& last = ours.frames.back();
      check(last.payload.empty() && last.header.payload_length != 0,
            "wslay lacks only a header whose payload has not begun");
    } else {
      check(ours_stop == wslay_stop, "both read the same frames to the end of the input");
    }
  }
}

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  using namespace wscore::fuzz;
  InputReader input(data, size);
  const std::uint8_t config = input.byte();
  const std::uint8_t our_seed = input.byte();
  const std::uint8_t wslay_seed = input.byte();
  const ByteView bytes = as_byte_view(input.rest());
  const Role role = (config & 1) ? Role::client : Role::server;

  const Reading ours = read_ours(role, config, our_seed, bytes);
  const Reading wslay = read_wslay(wslay_seed, bytes);
  compare(bytes, ours, wslay);
  return 0;
}
