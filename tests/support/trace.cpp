// SPDX-License-Identifier: MIT
#include "support/trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "support/splits.hpp"
#include "support/write_trace.hpp"

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

namespace {

bool is_write(const std::string& line) {
  return line.rfind("wrote ", 0) == 0;
}

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

// How a replay hands each piece to the connection.
enum class Input { in_place, copying };

Trace replay(Connection& connection, const std::vector<ByteView>& pieces, Record record,
             Input input = Input::in_place) {
  Trace trace;
  std::optional<WriteReader> written;
  const auto take_output = [&] {
    if (!written) return;
    written->read(connection.pending_output(), trace);
    connection.consume_output(connection.pending_output().size());
  };
  if (record == Record::events_and_writes) written.emplace(connection.role());
  take_output();  // a client's request, or what the test had the connection send
  Bytes scratch;
  for (const ByteView piece : pieces) {
    if (input == Input::copying) {
      connection.receive(piece);
    } else {
      scratch.assign(piece.begin(), piece.end());
      connection.receive_in_place(MutableByteView(scratch));
    }
    while (auto event = connection.next_event())
      trace.push_back(describe(*event));
    take_output();
    // The connection must have copied what it still needs: clobber the caller's buffer.
    std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});
  }
  if (written) written->finish(trace);
  return trace;
}

// What of a trace must not depend on how the input was split: the events, their streamed
// pieces joined (coalesce_fragments), then the writes in order. Where a write falls among the
// events depends on the pieces (a Pong goes out after the piece that held its Ping).
Trace comparable(const Trace& trace) {
  Trace events;
  Trace writes;
  for (const auto& line : trace)
    (is_write(line) ? writes : events).push_back(line);
  Trace out = coalesce_fragments(events);
  out.insert(out.end(), writes.begin(), writes.end());
  return out;
}

}  // namespace

Trace run_pieces(Connection& connection, const std::vector<Bytes>& pieces, Record record) {
  const std::vector<ByteView> views(pieces.begin(), pieces.end());
  return replay(connection, views, record);
}

Trace trace_at_every_split(const ConnectionFactory& make, const Bytes& input, Record record) {
  // The writes are compared at every split even when the caller asks for the events only.
  Trace whole = replay_every_split(
      ByteView(input),
      [&](const std::vector<ByteView>& pieces) {
        Connection connection = make();
        return replay(connection, pieces, Record::events_and_writes);
      },
      comparable);
  {
    Connection copying = make();
    EXPECT_EQ(replay(copying, {ByteView(input)}, Record::events_and_writes, Input::copying), whole)
        << "copying receive()";
  }
  if (record == Record::events) std::erase_if(whole, is_write);
  return whole;
}

Trace parse_as(Role role, ByteView wire, ConnectionOptions options) {
  Connection connection = Connection::open(role, std::move(options), fixed_random({}));
  return run_pieces(connection, {Bytes(wire.begin(), wire.end())});
}

}  // namespace wscore::test
