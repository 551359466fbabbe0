// wscore dump: decodes a captured WebSocket byte stream (one direction) into one line per
// frame, and reports protocol errors as the core does.
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
  // The receiving side's connection judges the frames: a server reads what a client sent.
  ConnectionOptions options;
  options.delivery = DeliveryMode::streaming;
  options.max_frame_size = options.max_message_size = ~std::uint64_t{0};
  Connection judge = Connection::open(from_client.value_or(true) ? Role::server : Role::client,
                                      options, [](MutableByteView out) {
                                        for (auto& b : out)
                                          b = std::byte{0};
                                      });
  std::size_t frames = 0;
  while (at < bytes.size()) {
    FrameHeader header;
    const FrameHeaderDecode decoded = decode_frame_header(ByteView(bytes).subspan(at), header);
    if (decoded.status == FrameHeaderStatus::need_more) {
      std::printf("truncated frame header at byte %zu (%zu bytes left)\n", at, bytes.size() - at);
      return 1;
    }
    const std::size_t available = bytes.size() - at - decoded.header_size;
    if (decoded.status == FrameHeaderStatus::complete) {
      std::vector<std::byte> payload(
          bytes.begin() + static_cast<std::ptrdiff_t>(at + decoded.header_size),
          bytes.begin() + static_cast<std::ptrdiff_t>(
                              at + decoded.header_size +
                              std::min<std::uint64_t>(available, header.payload_length)));
      if (header.masked) apply_mask(payload, header.mask_key);
      std::printf("frame %-4zu fin=%d rsv=%d%d%d %-8s mask=%s len=%llu %s%s\n", frames,
                  header.fin ? 1 : 0, (header.rsv >> 2) & 1, (header.rsv >> 1) & 1, header.rsv & 1,
                  opcode_name(header.opcode), header.masked ? "yes" : "no ",
                  static_cast<unsigned long long>(header.payload_length),
                  preview(payload, preview_size).c_str(),
                  available < header.payload_length ? " (truncated)" : "");
    }
    const std::size_t frame_size =
        decoded.status == FrameHeaderStatus::complete
            ? decoded.header_size + static_cast<std::size_t>(
                                        std::min<std::uint64_t>(available, header.payload_length))
            : bytes.size() - at;
    judge.receive(ByteView(bytes).subspan(at, frame_size));
    while (auto event = judge.next_event()) {
      if (const auto* failure = std::get_if<ProtocolError>(&*event)) {
        std::printf("error %u: %.*s\n", failure->code, static_cast<int>(failure->what.size()),
                    failure->what.data());
        return 1;
      }
      if (const auto* close = std::get_if<CloseReceived>(&*event)) {
        std::printf("      close code %u%s%.*s\n", close->code, close->reason.empty() ? "" : " ",
                    static_cast<int>(close->reason.size()), close->reason.data());
      }
    }
    at += frame_size;
    ++frames;
    if (decoded.status != FrameHeaderStatus::complete) break;
  }
  return 0;
}

}  // namespace wscore::cli
