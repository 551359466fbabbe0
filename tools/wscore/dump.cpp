// SPDX-License-Identifier: MIT
// wscore dump: decodes a captured WebSocket byte stream (one direction) into one line per
// frame, and reports protocol errors as the core does.
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "wscore/connection.hpp"
#include "wscore/frame_header.hpp"
#include "wscore/frame_parser.hpp"

namespace wscore::cli {
namespace {

constexpr const char* dump_help =
    "usage: wscore dump [FILE] [options]\n"
    "\n"
    "Reads the bytes of one direction of a WebSocket stream from FILE (or stdin) and prints\n"
    "one line per frame: fin, rsv, opcode, mask, length and a payload preview (unmasked).\n"
    "An HTTP head at the start (the opening handshake) is shown and skipped. Protocol errors\n"
    "are reported with the close code the core would send. Exit status 1 if there was one.\n"
    "\n"
    "  --hex            the input is hex text (whitespace ignored), not raw bytes\n"
    "  --from ROLE      who sent the bytes: client (masked frames) or server; default: guessed\n"
    "                   from the handshake or the first frame's mask bit\n"
    "  --preview N      payload bytes to show (default 32)\n"
    "  --help           this text\n";

const char* opcode_name(std::uint8_t opcode) {
  switch (opcode) {
    case 0x0:
      return "cont";
    case 0x1:
      return "text";
    case 0x2:
      return "binary";
    case 0x8:
      return "close";
    case 0x9:
      return "ping";
    case 0xA:
      return "pong";
    default:
      return "reserved";
  }
}

std::string preview(ByteView payload, std::size_t limit) {
  std::string out;
  const bool printable =
      std::all_of(payload.begin(),
                  payload.begin() + static_cast<std::ptrdiff_t>(std::min(limit, payload.size())),
                  [](std::byte b) {
                    const auto c = static_cast<unsigned char>(b);
                    return c >= 0x20 && c < 0x7F;
                  });
  for (std::size_t i = 0; i < std::min(limit, payload.size()); ++i) {
    const auto c = static_cast<unsigned char>(payload[i]);
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x", c);
    out += printable ? std::string(1, static_cast<char>(c)) : std::string(hex);
  }
  if (payload.size() > limit) out += "...";
  return printable ? "\"" + out + "\"" : out;
}

bool read_input(const Arguments& args, std::vector<std::byte>& bytes, std::string& error) {
  std::string text;
  if (!args.positionals().empty() && args.positionals()[0] != "-") {
    std::ifstream file(args.positionals()[0], std::ios::binary);
    if (!file) {
      error = "cannot read " + args.positionals()[0];
      return false;
    }
    text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (!args.has("hex")) {
    for (char c : text)
      bytes.push_back(static_cast<std::byte>(c));
    return true;
  }
  int high = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      error = std::string("not a hex digit: '") + c + "'";
      return false;
    }
    const int digit =
        std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (high < 0) {
      high = digit;
    } else {
      bytes.push_back(static_cast<std::byte>(high * 16 + digit));
      high = -1;
    }
  }
  if (high >= 0) {
    error = "odd number of hex digits";
    return false;
  }
  return true;
}

}  // namespace

int dump(int argc, char** argv) {
  Arguments args(argc, argv, {"from", "preview"}, {"hex", "help"});
  if (args.has("help")) {
    std::fputs(dump_help, stdout);
    return 0;
  }
  const std::size_t preview_size = args.number("preview", 32, 0, 1 << 20);
  const auto from = args.value("from");
  if (!args.ok() || args.positionals().size() > 1 ||
      (from && *from != "client" && *from != "server")) {
    std::fprintf(stderr, "wscore dump: %s\n(see wscore dump --help)\n",
                 !args.ok() ? args.error().c_str() : "bad arguments");
    return 2;
  }
  std::vector<std::byte> bytes;
  std::string error;
  if (!read_input(args, bytes, error)) {
    std::fprintf(stderr, "wscore dump: %s\n", error.c_str());
    return 2;
  }

  std::size_t at = 0;
  std::optional<bool> from_client;
  if (from) from_client = *from == "client";
  // An HTTP head first: show its first line and skip it (RFC 6455 §4).
  const std::string_view text = as_text(bytes);
  if (text.starts_with("GET ") || text.starts_with("HTTP/")) {
    const std::size_t end = text.find("\r\n\r\n");
    std::printf("http  %.*s\n", static_cast<int>(text.find("\r\n")), text.data());
    if (end == std::string_view::npos) return 0;
    at = end + 4;
    if (!from_client) from_client = text.starts_with("GET ");
  }
  if (!from_client && at < bytes.size()) {
    from_client = at + 1 < bytes.size() && (static_cast<unsigned>(bytes[at + 1]) & 0x80) != 0;
  }
  // The frame layer lists the frames and enforces the rules of each header; the receiving
  // side's connection judges what needs more than one frame (fragmentation, UTF-8, Close).
  const Role receiver = from_client.value_or(true) ? Role::server : Role::client;
  FrameParser frames(receiver);
  ConnectionOptions options;
  options.delivery = DeliveryMode::streaming;
  options.max_frame_size = options.max_message_size = ~std::uint64_t{0};
  Connection judge = Connection::open(receiver, options, [](MutableByteView out) {
    for (auto& b : out)
      b = std::byte{0};
  });
  const auto print_frame = [&](std::size_t index, const FrameHeader& header, ByteView shown,
                               bool truncated) {
    std::printf("frame %-4zu fin=%d rsv=%d%d%d %-8s mask=%s len=%llu %s%s\n", index,
                header.fin ? 1 : 0, (header.rsv >> 2) & 1, (header.rsv >> 1) & 1, header.rsv & 1,
                opcode_name(header.opcode), header.masked ? "yes" : "no ",
                static_cast<unsigned long long>(header.payload_length),
                preview(shown, preview_size).c_str(), truncated ? " (truncated)" : "");
  };
  const auto report = [](const ProtocolError& error) {
    std::printf("error %u %.*s: %.*s\n", error.code,
                static_cast<int>(violation_name(error.violation).size()),
                violation_name(error.violation).data(), static_cast<int>(error.what().size()),
                error.what().data());
  };
  std::size_t index = 0;
  std::size_t frame_start = at;
  std::vector<std::byte> shown;  // the first preview_size + 1 payload bytes, unmasked
  std::array<std::byte, 4096> scratch;
  for (;;) {
    const FrameParser::Step step = frames.parse_copying(ByteView(bytes).subspan(at), scratch);
    at += step.bytes_consumed;
    switch (step.status) {
      case FrameParser::Status::need_more:
        if (frames.reading_payload()) {
          print_frame(index, frames.header(), shown, true);
          return 0;
        }
        if (at > frame_start) {
          std::printf("truncated frame header at byte %zu (%zu bytes left)\n", frame_start,
                      at - frame_start);
          return 1;
        }
        return 0;
      case FrameParser::Status::violation: {
        const Violation violation = *frames.violation();
        if (violation != Violation::length_high_bit_set) {
          print_frame(index, frames.header(), {}, false);
        }
        report(ProtocolError{close_code_for(violation), violation});
        return 1;
      }
      case FrameParser::Status::header:
        shown.clear();
        break;
      case FrameParser::Status::payload: {
        const std::size_t room = preview_size + 1 - std::min(shown.size(), preview_size + 1);
        const ByteView piece = ByteView(step.payload).first(std::min(room, step.payload.size()));
        shown.insert(shown.end(), piece.begin(), piece.end());
        if (!step.frame_finished) break;
        print_frame(index++, frames.header(), shown, false);
        judge.receive(ByteView(bytes).subspan(frame_start, at - frame_start));
        frame_start = at;
        while (auto event = judge.next_event()) {
          if (const auto* failure = std::get_if<ProtocolError>(&*event)) {
            report(*failure);
            return 1;
          }
          if (const auto* close = std::get_if<CloseReceived>(&*event)) {
            std::printf("      close code %u%s%.*s\n", close->code,
                        close->reason.empty() ? "" : " ", static_cast<int>(close->reason.size()),
                        close->reason.data());
          }
        }
        break;
      }
    }
  }
}

}  // namespace wscore::cli
