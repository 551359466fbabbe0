#include "support/trace.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

namespace wscore::test {

Bytes bytes(std::initializer_list<int> values) {
  Bytes out;
  for (int value : values)
    out.push_back(static_cast<std::byte>(value));
  return out;
}

Bytes bytes_of(std::string_view text) {
  const ByteView view = as_bytes(text);
  return Bytes(view.begin(), view.end());
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::string hex(ByteView data) {
  std::string out;
  char digits[4];
  for (std::byte b : data) {
    std::snprintf(digits, sizeof digits, "%02x", static_cast<unsigned>(b));
    out += digits;
  }
  return out;
}

namespace {

Bytes frame_with_header(std::uint8_t first_byte, ByteView payload, const MaskKey* key) {
  Bytes frame{static_cast<std::byte>(first_byte)};
  const std::uint8_t mask_flag = key ? 0x80 : 0x00;
  const std::uint64_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<std::byte>(mask_flag | size));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<std::byte>(mask_flag | 126));
    frame.push_back(static_cast<std::byte>(size >> 8));
    frame.push_back(static_cast<std::byte>(size & 0xFF));
  } else {
    frame.push_back(static_cast<std::byte>(mask_flag | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<std::byte>((size >> shift) & 0xFF));
    }
  }
  if (key) frame.insert(frame.end(), key->begin(), key->end());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(key ? (payload[i] ^ (*key)[i % 4]) : payload[i]);
  }
  return frame;
}

// Short payloads verbatim (printable) or in hex; long ones by size and a checksum.
std::string summarize(ByteView data, bool text) {
  if (data.size() <= 32) {
    return text ? std::string(as_text(data)) : hex(data);
  }
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (std::byte b : data)
    hash = (hash ^ static_cast<std::uint8_t>(b)) * 1099511628211ull;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%zu bytes fnv=%016llx", data.size(),
                static_cast<unsigned long long>(hash));
  return buffer;
}

const char* type_name(MessageType type) {
  return type == MessageType::text ? "text" : "binary";
}

}  // namespace

Bytes masked_frame(std::uint8_t first_byte, ByteView payload, MaskKey key) {
  return frame_with_header(first_byte, payload, &key);
}

Bytes unmasked_frame(std::uint8_t first_byte, ByteView payload) {
  return frame_with_header(first_byte, payload, nullptr);
}

std::string describe(const Event& event) {
  struct Describer {
    std::string operator()(const RequestReceived& e) const {
      return "request " + std::string(e.request->target());
    }
    std::string operator()(const HttpRequestReceived& e) const {
      return "http-request " + std::string(e.request->method()) + " " +
             std::string(e.request->target());
    }
    std::string operator()(const HandshakeCompleted& e) const {
      return "handshake " + std::to_string(e.response->status());
    }
    std::string operator()(const HandshakeFailed& e) const {
      return "handshake-failed " + std::to_string(e.error.status);
    }
    std::string operator()(const MessageReceived& e) const {
      std::string line =
          std::string(type_name(e.type)) + " " + summarize(e.data, e.type == MessageType::text);
      if (e.rsv != 0) line += " rsv=" + std::to_string(e.rsv);
      return line;
    }
    std::string operator()(const FragmentReceived& e) const {
      return std::string("fragment ") + type_name(e.type) +
             " fin=" + (e.message_finished ? "1 " : "0 ") +
             summarize(e.data, e.type == MessageType::text);
    }
    std::string operator()(const PingReceived& e) const {
      return "ping " + summarize(e.data, true);
    }
    std::string operator()(const PongReceived& e) const {
      return "pong " + summarize(e.data, true);
    }
    std::string operator()(const CloseReceived& e) const {
      return "close " + std::to_string(e.code) + (e.reason.empty() ? "" : " ") +
             std::string(e.reason);
    }
    std::string operator()(const ProtocolError& e) const {
      return "error " + std::to_string(e.code) + " " + std::string(violation_name(e.violation));
    }
    std::string operator()(const ConnectionLost& e) const {
      return "lost " + std::to_string(e.code);
    }
  };
  return std::visit(Describer{}, event);
}

std::vector<std::string> run_pieces(Connection& connection, const std::vector<Bytes>& pieces) {
  std::vector<std::string> trace;
  Bytes scratch;
  for (const auto& piece : pieces) {
    scratch = piece;
    connection.receive_in_place(MutableByteView(scratch));
    while (auto event = connection.next_event())
      trace.push_back(describe(*event));
    // The connection must have copied what it still needs: clobber the caller's buffer.
    std::memset(scratch.data(), 0xEE, scratch.size());
  }
  return trace;
}

namespace {

// Streaming delivery hands out each piece as it arrives, so how a message is cut into
// FragmentReceived events depends on how the input was split. Comparable across splits: the
// pieces of a message joined up to its end, or up to an interleaved control frame. The valid
// prefix delivered before a protocol error is not comparable (fail-fast reports the first bad
// byte of whatever arrived), so it is dropped.
std::vector<std::string> coalesce_fragments(const std::vector<std::string>& trace) {
  std::vector<std::string> out;
  std::string pending_type;
  std::string pending_data;
  bool pending = false;
  for (const auto& line : trace) {
    if (line.rfind("fragment ", 0) == 0) {
      // "fragment <type> fin=<0|1> <data>"
      const std::size_t type_end = line.find(' ', 9);
      const std::string type = line.substr(9, type_end - 9);
      const bool fin = line.compare(type_end + 1, 5, "fin=1") == 0;
      pending_type = type;
      pending_data += line.substr(type_end + 7);
      pending = true;
      if (fin) {
        out.push_back("fragments " + pending_type + " " + pending_data);
        pending_data.clear();
        pending = false;
      }
      continue;
    }
    if (pending && line.rfind("error ", 0) != 0) {
      out.push_back("fragments " + pending_type + " partial " + pending_data);
    }
    pending_data.clear();
    pending = false;
    out.push_back(line);
  }
  if (pending) out.push_back("fragments " + pending_type + " partial " + pending_data);
  return out;
}

}  // namespace

std::vector<std::string> trace_at_every_split(const std::function<Connection()>& make,
                                              const Bytes& input) {
  Connection whole = make();
  const auto expected = run_pieces(whole, {input});
  const auto comparable = coalesce_fragments(expected);

  // Through the copying overload, too.
  {
    Connection copying = make();
    copying.receive(input);
    std::vector<std::string> trace;
    while (auto event = copying.next_event())
      trace.push_back(describe(*event));
    EXPECT_EQ(trace, expected) << "copying receive()";
  }
  {
    Connection bytewise = make();
    std::vector<Bytes> pieces;
    for (std::byte b : input)
      pieces.push_back({b});
    EXPECT_EQ(coalesce_fragments(run_pieces(bytewise, pieces)), comparable) << "one byte at a time";
  }
  for (std::size_t split = 1; split < input.size(); ++split) {
    Connection connection = make();
    const Bytes first(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(split));
    const Bytes second(input.begin() + static_cast<std::ptrdiff_t>(split), input.end());
    const auto trace = coalesce_fragments(run_pieces(connection, {first, second}));
    EXPECT_EQ(trace, comparable) << "split at " << split;
    if (trace != comparable) break;  // one report is enough
  }
  return expected;
}

RandomSource fixed_random(MaskKey key) {
  return [key](MutableByteView out) {
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = key[i % 4];
  };
}

Connection deflating(Role role, DeflateAgreement agreement, ConnectionOptions options) {
  Connection connection = Connection::open(role, std::move(options), fixed_random({}));
  EXPECT_EQ(connection.enable_deflate(agreement), ApiError::none);
  return connection;
}

std::function<Connection()> deflating_factory(Role role, DeflateAgreement agreement,
                                              ConnectionOptions options) {
  return [=] { return deflating(role, agreement, options); };
}

std::vector<std::string> parse_as(Role role, ByteView wire, ConnectionOptions options) {
  Connection connection = Connection::open(role, std::move(options), fixed_random({}));
  return run_pieces(connection, {Bytes(wire.begin(), wire.end())});
}

}  // namespace wscore::test
