// SPDX-License-Identifier: MIT
#include "support/frame_trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "support/splits.hpp"

namespace wscore::test {

using Status = FrameParser::Status;

std::string status_name(FrameParser::Status status) {
  switch (status) {
    case Status::need_more:
      return "need_more";
    case Status::header:
      return "header";
    case Status::payload:
      return "payload";
    case Status::violation:
      return "violation";
  }
  return "?";
}

std::string payload_summary(ByteView payload) {
  if (payload.size() > 32) {
    return std::to_string(payload.size()) +
           " bytes hash=" + std::to_string(std::hash<std::string_view>{}(as_text(payload)));
  }
  const bool printable = std::all_of(payload.begin(), payload.end(), [](std::byte b) {
    const auto c = static_cast<unsigned char>(b);
    return c >= 0x20 && c < 0x7f;
  });
  return printable ? std::string(as_text(payload)) : hex(payload);
}

std::string opcode_name(std::uint8_t opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::continuation:
      return "continuation";
    case Opcode::text:
      return "text";
    case Opcode::binary:
      return "binary";
    case Opcode::close:
      return "close";
    case Opcode::ping:
      return "ping";
    case Opcode::pong:
      return "pong";
  }
  return "opcode=" + std::to_string(opcode);
}

std::string describe(const FrameHeader& header) {
  return std::string("header fin=") + (header.fin ? "1" : "0") +
         " rsv=" + std::to_string(header.rsv) + " " + opcode_name(header.opcode) +
         (header.masked ? " masked" : " unmasked") +
         " len=" + std::to_string(header.payload_length);
}

Trace read_frames(FrameParser parser, const std::vector<std::string_view>& pieces, Reading reading,
                  std::size_t out_size) {
  Trace trace;
  const auto wrong = [&trace](const std::string& what) { trace.push_back("wrong: " + what); };
  Bytes payload;  // the current frame's payload so far, unmasked
  std::uint64_t consumed = 0;
  bool stopped = false;
  std::optional<Violation> reported;
  std::vector<Bytes> buffers;
  Bytes out(out_size);
  const auto next_step = [&](MutableByteView input) {
    if (!out.empty()) std::memset(out.data(), 0xEE, out.size());
    return reading == Reading::in_place ? parser.parse(input) : parser.parse_copying(input, out);
  };
  // RFC 6455 §7.1.7: after a violation nothing more is read.
  const auto expect_stopped = [&](MutableByteView input) {
    const FrameParser::Step again = next_step(input);
    if (again.status != Status::violation || again.bytes_consumed != 0 || !again.payload.empty() ||
        parser.violation() != reported || parser.at_frame_start() || parser.reading_payload()) {
      wrong("read on after the violation");
    }
  };
  for (const std::string_view piece : pieces) {
    // memcpy, not vector's range copy: a 64 KiB frame is replayed at 65 547 splits, also under
    // AddressSanitizer, whose memmove is slow.
    Bytes& buffer = buffers.emplace_back(piece.size());
    if (!piece.empty()) std::memcpy(buffer.data(), piece.data(), piece.size());
    MutableByteView rest(buffer);
    if (stopped) expect_stopped(rest);
    while (!stopped) {
      const FrameParser::Step step = next_step(rest);
      if (step.bytes_consumed > rest.size()) {
        wrong("consumed " + std::to_string(step.bytes_consumed) + " of " +
              std::to_string(rest.size()) + " bytes");
        stopped = true;
        break;
      }
      consumed += step.bytes_consumed;
      const MutableByteView taken = rest.first(step.bytes_consumed);
      rest = rest.subspan(step.bytes_consumed);
      if (step.status == Status::need_more) {
        if (!rest.empty()) wrong("need_more with " + std::to_string(rest.size()) + " bytes left");
        break;
      }
      if (step.status == Status::violation) {
        stopped = true;
        reported = parser.violation();
        if (!reported) {
          wrong("Status::violation without violation()");
          break;
        }
        trace.push_back("violation " + std::string(violation_name(*reported)));
        expect_stopped(rest);
        expect_stopped({});
        break;
      }
      if (step.status == Status::header) {
        trace.push_back(describe(parser.header()));
        payload.clear();
        payload.reserve(static_cast<std::size_t>(
            std::min<std::uint64_t>(parser.header().payload_length, std::uint64_t{1} << 20)));
        if (parser.payload_offset() != 0 || !parser.reading_payload() || parser.at_frame_start()) {
          wrong("position after a header");
        }
        continue;
      }
      // Status::payload: in place, a view of the bytes taken; copied, the start of `out`.
      const std::byte* const expected_at = reading == Reading::in_place ? taken.data() : out.data();
      if (step.payload.size() != step.bytes_consumed ||
          (!step.payload.empty() && step.payload.data() != expected_at)) {
        wrong("payload step of " + std::to_string(step.payload.size()) + " bytes, consumed " +
              std::to_string(step.bytes_consumed));
      }
      const std::size_t joined = payload.size();
      payload.resize(joined + step.payload.size());
      if (!step.payload.empty()) {
        std::memcpy(payload.data() + joined, step.payload.data(), step.payload.size());
      }
      if (parser.payload_offset() != payload.size() ||
          parser.payload_offset() + parser.payload_remaining() != parser.header().payload_length ||
          parser.reading_payload() == step.frame_finished ||
          parser.at_frame_start() != step.frame_finished) {
        wrong("position after " + std::to_string(payload.size()) + " payload bytes");
      }
      if (step.frame_finished) {
        if (!payload.empty()) trace.push_back("payload " + payload_summary(payload));
        trace.push_back("end");
        payload.clear();
      } else if (step.bytes_consumed == 0) {
        // No input left mid-payload. (parse() says so with an empty payload step rather than
        // need_more: see PayloadCutShortAsksForMoreInput.)
        if (!rest.empty()) wrong("payload step took none of " + std::to_string(rest.size()));
        break;
      }
    }
    if (reading == Reading::copying && !piece.empty() &&
        std::memcmp(buffer.data(), piece.data(), piece.size()) != 0) {
      wrong("parse_copying() wrote to its input");
    }
    if (!buffer.empty()) std::memset(buffer.data(), 0xEE, buffer.size());
  }
  if (!stopped && parser.reading_payload()) {
    if (!payload.empty()) trace.push_back("payload " + payload_summary(payload));
    trace.push_back("unfinished: " + std::to_string(parser.payload_remaining()) +
                    " payload bytes to come");
  } else if (!stopped && !parser.at_frame_start()) {
    trace.push_back("unfinished header");
  }
  trace.push_back("consumed " + std::to_string(consumed));
  return trace;
}

Trace frames_at_every_split(const FrameParser& fresh, const Bytes& input, std::size_t out_size) {
  const std::string_view text = as_text(input);
  const Trace trace = replay_every_split(text, [&](const std::vector<std::string_view>& pieces) {
    return read_frames(fresh, pieces, Reading::in_place);
  });
  const Trace copied = replay_every_split(text, [&](const std::vector<std::string_view>& pieces) {
    return read_frames(fresh, pieces, Reading::copying, out_size);
  });
  EXPECT_EQ(copied, trace) << "parse_copying() with a " << out_size << "-byte out";
  return trace;
}

Bytes binary_data(std::size_t size) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<std::byte>((i * 31 + 7) & 0xFF);
  return data;
}

const Bytes rfc_unmasked_hello = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
const Bytes rfc_masked_hello =
    bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

FrameReader::FrameReader(Role reader_role, std::uint8_t extension_rsv_bits)
    : parser_(reader_role, extension_rsv_bits) {}

std::vector<Frame> FrameReader::read(ByteView input) {
  std::vector<Frame> frames;
  buffer_.assign(input.begin(), input.end());
  MutableByteView rest(buffer_);
  for (;;) {
    const FrameParser::Step step = parser_.parse(rest);
    rest = rest.subspan(step.bytes_consumed);
    if (step.status == Status::need_more || step.status == Status::violation) break;
    if (step.status == Status::header) {
      payload_.clear();
      continue;
    }
    payload_.insert(payload_.end(), step.payload.begin(), step.payload.end());
    if (step.frame_finished) {
      frames.push_back({parser_.header(), payload_});
      payload_.clear();
    } else if (step.bytes_consumed == 0) {
      break;  // no input left inside the payload
    }
  }
  return frames;
}

}  // namespace wscore::test
