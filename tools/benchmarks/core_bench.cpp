// SPDX-License-Identifier: MIT
// Frame-parsing benchmark: wscore's server-role Connection against Debian's wslay frame parser
// (wslay_frame_recv) on the same masked frames, with memcpy of the same bytes as the ceiling.
//
// Each benchmark parses a buffer of masked frames of one payload size (about 1 MiB in all, at
// least two frames) and reports payload bytes/s and frames/s. wscore parses in place (zero copy,
// unmasking in the caller's buffer) and delivers a MessageReceived per frame; wslay copies
// through its own buffer and hands out up to 4 KiB per call.
//
// permessage-deflate (RFC 7692): deflate_roundtrip compresses a text message in a server and
// inflates it in a client (whole-message delivery), with context takeover, over a pool of distinct
// chat-like JSON messages; bytes/s counts the text, "ratio" is text bytes over wire bytes.
// deflate_compress is the server's half alone. deflate_memory reports what one server connection
// holds with permessage-deflate after a message each way ("bytes_active"), after
// release_idle_buffers() ("bytes_idle": zlib's state, which context takeover must keep), zlib's
// share measured through its allocation hooks ("zlib_bytes"), and zlib's documented formula
// ("zlib_formula": 2^(w+2) + 2^(m+9) to compress plus 2^w to inflate, without its small state).
//
// In-place unmasking flips the buffer between masked and unmasked on alternate iterations. For
// text the masking key is 01 01 01 01 and the text is built so that both states are valid UTF-8
// (XOR 0x01 maps ASCII to ASCII, C3 A9 to C2 A8, E2 82 AC to E3 83 AD, F0 9F 98 80 to
// F1 9E 99 81), so every iteration validates real text of the same mix.
#include <benchmark/benchmark.h>
#include <wslay/wslay.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/detail/simd.hpp"
#include "wscore/permessage_deflate.hpp"
#include "wscore/prepared_message.hpp"
#include "wscore/utf8.hpp"

namespace {

using wscore::ByteView;
using wscore::MutableByteView;
using Bytes = std::vector<std::byte>;

constexpr std::size_t target_buffer_size = 1 << 20;

enum class Payload { binary, ascii, mixed };

// Text that is valid UTF-8 both as is and XORed with 0x01 (see the top of the file). `mixed`:
// one third of the bytes are non-ASCII.
Bytes make_payload(Payload kind, std::size_t size, std::mt19937& random) {
  Bytes out;
  out.reserve(size);
  auto push = [&](std::initializer_list<int> values) {
    for (int v : values)
      out.push_back(static_cast<std::byte>(v));
  };
  auto ascii = [&] { return static_cast<int>('a' + random() % 26); };
  while (out.size() < size) {
    const std::size_t left = size - out.size();
    if (kind == Payload::binary) {
      out.push_back(static_cast<std::byte>(random()));
    } else if (kind == Payload::ascii || left < 12) {
      push({ascii()});
    } else {
      switch (random() % 3) {
        case 0:
          push({0xC3, 0xA9, ascii(), ascii(), ascii(), ascii()});
          break;
        case 1:
          push({0xE2, 0x82, 0xAC, ascii(), ascii(), ascii(), ascii(), ascii(), ascii()});
          break;
        default:
          push({0xF0, 0x9F, 0x98, 0x80, ascii(), ascii(), ascii(), ascii(), ascii(), ascii(),
                ascii(), ascii()});
      }
    }
  }
  return out;
}

struct FrameBuffer {
  Bytes wire;
  std::size_t frames = 0;
  std::size_t payload_bytes = 0;
};

FrameBuffer make_frames(Payload kind, std::size_t payload_size) {
  std::mt19937 random(6455);
  const wscore::MaskKey key =
      kind == Payload::binary
          ? wscore::MaskKey{std::byte{0x37}, std::byte{0xfa}, std::byte{0x21}, std::byte{0x3d}}
          : wscore::MaskKey{std::byte{1}, std::byte{1}, std::byte{1}, std::byte{1}};
  FrameBuffer buffer;
  buffer.frames = std::max<std::size_t>(2, target_buffer_size / payload_size);
  for (std::size_t i = 0; i < buffer.frames; ++i) {
    wscore::FrameHeader header;
    header.opcode = kind == Payload::binary ? 0x2 : 0x1;
    header.masked = true;
    header.mask_key = key;
    header.payload_length = payload_size;
    std::array<std::byte, wscore::max_frame_header_size> head{};
    const std::size_t head_size = wscore::encode_frame_header(header, head);
    buffer.wire.insert(buffer.wire.end(), head.begin(), head.begin() + head_size);
    Bytes payload = make_payload(kind, payload_size, random);
    wscore::apply_mask(payload, key);
    buffer.wire.insert(buffer.wire.end(), payload.begin(), payload.end());
    buffer.payload_bytes += payload_size;
  }
  return buffer;
}

void report(benchmark::State& state, const FrameBuffer& buffer) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buffer.payload_bytes));
  state.counters["frames/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * buffer.frames), benchmark::Counter::kIsRate);
}

void wscore_parse(benchmark::State& state, Payload kind) {
  FrameBuffer buffer = make_frames(kind, static_cast<std::size_t>(state.range(0)));
  wscore::Connection connection = wscore::Connection::open(wscore::Role::server);
  std::size_t messages = 0;
  for (auto _ : state) {
    connection.receive_in_place(MutableByteView(buffer.wire));
    while (auto event = connection.next_event()) {
      const auto* message = std::get_if<wscore::MessageReceived>(&*event);
      benchmark::DoNotOptimize(message);
      ++messages;
    }
  }
  if (messages != state.iterations() * buffer.frames) state.SkipWithError("lost messages");
  if (connection.state() != wscore::ConnectionState::open) state.SkipWithError("failed");
  report(state, buffer);
}

struct WslaySource {
  const Bytes* wire;
  std::size_t position = 0;
};

ssize_t wslay_recv(uint8_t* buf, size_t len, int, void* user_data) {
  auto* source = static_cast<WslaySource*>(user_data);
  const std::size_t n = std::min(len, source->wire->size() - source->position);
  if (n == 0) return -1;
  std::memcpy(buf, source->wire->data() + source->position, n);
  source->position += n;
  return static_cast<ssize_t>(n);
}
ssize_t wslay_send(const uint8_t*, size_t len, int, void*) {
  return static_cast<ssize_t>(len);
}
int wslay_genmask(uint8_t* buf, size_t len, void*) {
  std::memset(buf, 0, len);
  return 0;
}

void wslay_parse(benchmark::State& state) {
  FrameBuffer buffer = make_frames(Payload::binary, static_cast<std::size_t>(state.range(0)));
  WslaySource source{&buffer.wire};
  wslay_frame_callbacks callbacks{wslay_send, wslay_recv, wslay_genmask};
  wslay_frame_context_ptr context = nullptr;
  if (wslay_frame_context_init(&context, &callbacks, &source) != 0) {
    state.SkipWithError("wslay init");
    return;
  }
  const auto payload_size = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    source.position = 0;
    std::size_t frames = 0;
    std::uint64_t frame_bytes = 0;
    while (frames < buffer.frames) {
      wslay_frame_iocb iocb{};
      const ssize_t received = wslay_frame_recv(context, &iocb);
      if (received < 0) {
        state.SkipWithError("wslay error");
        break;
      }
      benchmark::DoNotOptimize(iocb.data);
      frame_bytes += static_cast<std::uint64_t>(received);
      if (frame_bytes == payload_size) {
        ++frames;
        frame_bytes = 0;
      }
    }
  }
  wslay_frame_context_free(context);
  report(state, buffer);
}

void memcpy_ceiling(benchmark::State& state) {
  FrameBuffer buffer = make_frames(Payload::binary, static_cast<std::size_t>(state.range(0)));
  Bytes destination(buffer.wire.size());
  for (auto _ : state) {
    std::memcpy(destination.data(), buffer.wire.data(), buffer.wire.size());
    benchmark::ClobberMemory();
  }
  report(state, buffer);
}

void utf8_validate(benchmark::State& state, Payload kind, wscore::detail::SimdLevel level) {
  std::mt19937 random(3629);
  const Bytes text = make_payload(kind, 1 << 20, random);
  for (auto _ : state) {
    bool valid = wscore::detail::is_valid_utf8_at(level, text);
    benchmark::DoNotOptimize(valid);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void mask(benchmark::State& state, wscore::detail::SimdLevel level) {
  Bytes data(static_cast<std::size_t>(state.range(0)));
  const wscore::MaskKey key{std::byte{0x37}, std::byte{0xfa}, std::byte{0x21}, std::byte{0x3d}};
  for (auto _ : state) {
    wscore::detail::apply_mask_at(level, data, key, 1);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}

// --- permessage-deflate ---

struct DeflateConfig {
  std::uint8_t window_bits;
  std::uint8_t memory_level;
};
constexpr DeflateConfig deflate_defaults{12, 5};   // wscore::DeflateOptions{}
constexpr DeflateConfig deflate_window_15{15, 8};  // zlib's defaults

// Chat-like JSON: {"id":N,"user":"name","text":"words ..."} lines, up to `size` bytes.
std::string make_chat_text(std::size_t size, std::mt19937& random) {
  static const char* const users[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
  static const char* const words[] = {
      "the",     "message", "server", "client", "window",  "compression", "hello",
      "latency", "deflate", "socket", "frame",  "context", "takeover",    "json",
      "payload", "é",       "naïve",  "über",   "price",   "12.50",       "ok"};
  std::string text;
  while (text.size() < size) {
    std::string line = "{\"id\":" + std::to_string(random() % 100000) + ",\"user\":\"" +
                       users[random() % std::size(users)] + "\",\"text\":\"";
    const std::size_t count = 3 + random() % 12;
    for (std::size_t i = 0; i < count; ++i) {
      if (i != 0) line += ' ';
      line += words[random() % std::size(words)];
    }
    line += "\"}\n";
    text += line;
  }
  // Cut back to a line end (or pad with spaces), keeping whole UTF-8 sequences.
  while (text.size() > size) {
    const std::size_t cut = text.rfind('\n', text.size() - 2);
    if (cut == std::string::npos || cut + 1 < size / 2) break;
    text.resize(cut + 1);
  }
  if (text.size() > size) text.resize(size);
  while (!wscore::is_valid_utf8(wscore::as_bytes(text)))
    text.pop_back();
  text.resize(size, ' ');
  return text;
}

wscore::ConnectionOptions deflate_options(DeflateConfig config) {
  wscore::ConnectionOptions options;
  options.deflate.window_bits = config.window_bits;
  options.deflate.memory_level = config.memory_level;
  options.deflate.peer_max_window_bits = config.window_bits;
  return options;
}

// A server and a client that agreed permessage-deflate with `config`'s window both ways.
std::pair<wscore::Connection, wscore::Connection> deflate_pair(DeflateConfig config) {
  const wscore::DeflateAgreement agreement{false, false, config.window_bits, config.window_bits};
  wscore::Connection server =
      wscore::Connection::open(wscore::Role::server, deflate_options(config));
  wscore::Connection client = wscore::Connection::open(
      wscore::Role::client, deflate_options(config),
      [](MutableByteView out) { std::memset(out.data(), 0x5a, out.size()); });
  if (server.enable_deflate(agreement) != wscore::ApiError::none ||
      client.enable_deflate(agreement) != wscore::ApiError::none) {
    std::abort();
  }
  return {std::move(server), std::move(client)};
}

std::vector<std::string> chat_pool(std::size_t size) {
  std::mt19937 random(7692);
  std::vector<std::string> pool;
  for (int i = 0; i < 32; ++i)
    pool.push_back(make_chat_text(size, random));
  return pool;
}

void deflate_roundtrip(benchmark::State& state, DeflateConfig config, bool inflate) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::vector<std::string> pool = chat_pool(size);
  auto [server, client] = deflate_pair(config);
  Bytes wire;
  std::size_t wire_bytes = 0;
  std::size_t next = 0;
  std::size_t messages = 0;
  for (auto _ : state) {
    if (server.send_text(pool[next]) != wscore::ApiError::none) state.SkipWithError("send");
    next = (next + 1) % pool.size();
    const ByteView output = server.pending_output();
    wire_bytes += output.size();
    if (inflate) {
      wire.assign(output.begin(), output.end());
      client.receive_in_place(MutableByteView(wire));
      while (auto event = client.next_event()) {
        benchmark::DoNotOptimize(std::get_if<wscore::MessageReceived>(&*event));
        ++messages;
      }
    }
    server.consume_output(output.size());
  }
  if (inflate && static_cast<benchmark::IterationCount>(messages) != state.iterations()) {
    state.SkipWithError("lost messages");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.counters["ratio"] =
      static_cast<double>(state.iterations() * size) / static_cast<double>(wire_bytes);
}

void deflate_memory(benchmark::State& state, DeflateConfig config) {
  const std::vector<std::string> pool = chat_pool(1024);
  std::size_t active = 0;
  std::size_t idle = 0;
  std::size_t zlib = 0;
  for (auto _ : state) {
    auto [server, client] = deflate_pair(config);
    (void)client.send_text(pool[0]);
    server.receive(client.pending_output());
    while (server.next_event()) {
    }
    (void)server.send_text(pool[1]);
    active = server.memory_usage();
    server.consume_output(server.pending_output().size());
    server.release_idle_buffers();
    idle = server.memory_usage();
    // zlib's share alone, from its allocation hooks, with the codecs the connection set up.
    wscore::MessageCompressor compressor({config.window_bits, config.memory_level, 6, false});
    wscore::MessageDecompressor decompressor({config.window_bits, false});
    Bytes compressed;
    std::array<std::byte, 4096> inflated{};
    (void)compressor.compress(wscore::as_bytes(pool[0]), true, compressed);
    (void)decompressor.decompress(compressed, true, inflated);
    zlib = compressor.memory_usage() + decompressor.memory_usage();
  }
  const std::size_t w = config.window_bits;
  const std::size_t m = config.memory_level;
  state.counters["bytes_active"] = static_cast<double>(active);
  state.counters["bytes_idle"] = static_cast<double>(idle);
  state.counters["zlib_bytes"] = static_cast<double>(zlib);
  state.counters["zlib_formula"] = static_cast<double>(
      (std::size_t{1} << (w + 2)) + (std::size_t{1} << (m + 9)) + (std::size_t{1} << w));
}

void deflate_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1024)->Arg(65536);
}

BENCHMARK_CAPTURE(deflate_roundtrip, default, deflate_defaults, true)->Apply(deflate_sizes);
BENCHMARK_CAPTURE(deflate_roundtrip, window_15, deflate_window_15, true)->Apply(deflate_sizes);
BENCHMARK_CAPTURE(deflate_roundtrip, compress_only_default, deflate_defaults, false)
    ->Apply(deflate_sizes);
// Broadcast: one chat message to 1,000 open server connections, each then written out (its
// output consumed), per member with send_text() or framed once with a PreparedMessage. Members
// without permessage-deflate, or with it and no server context takeover (RFC 7692 §7.1.1.1), so
// that the prepared message is also compressed once. Counter: messages delivered per second.
enum class Fanout : std::uint8_t { per_member, prepared };

void broadcast(benchmark::State& state, Fanout fanout, bool deflate) {
  constexpr std::size_t members = 1000;
  const auto size = static_cast<std::size_t>(state.range(0));
  std::mt19937 random(6455);
  const std::string text = make_chat_text(size, random);
  wscore::DeflateAgreement agreement;
  agreement.server_no_context_takeover = true;
  std::vector<wscore::Connection> room;
  for (std::size_t i = 0; i < members; ++i) {
    room.push_back(
        wscore::Connection::open(wscore::Role::server, deflate_options(deflate_defaults)));
    if (deflate && room.back().enable_deflate(agreement) != wscore::ApiError::none) std::abort();
  }
  std::size_t wire_bytes = 0;
  for (auto _ : state) {
    if (fanout == Fanout::prepared) {
      const wscore::PreparedMessage message(wscore::MessageType::text, wscore::as_bytes(text));
      for (wscore::Connection& member : room) {
        if (member.send_prepared(message) != wscore::ApiError::none) state.SkipWithError("send");
      }
    } else {
      for (wscore::Connection& member : room) {
        if (member.send_text(text) != wscore::ApiError::none) state.SkipWithError("send");
      }
    }
    for (wscore::Connection& member : room) {
      const ByteView output = member.pending_output();
      benchmark::DoNotOptimize(output.data());
      wire_bytes += output.size();
      member.consume_output(output.size());
    }
  }
  state.counters["deliveries/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * members), benchmark::Counter::kIsRate);
  state.counters["wire_bytes"] =
      static_cast<double>(wire_bytes) / static_cast<double>(state.iterations() * members);
}

void broadcast_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(125)->Arg(1024)->Unit(benchmark::kMicrosecond);
}

BENCHMARK_CAPTURE(broadcast, per_member, Fanout::per_member, false)->Apply(broadcast_sizes);
BENCHMARK_CAPTURE(broadcast, prepared, Fanout::prepared, false)->Apply(broadcast_sizes);
BENCHMARK_CAPTURE(broadcast, per_member_deflate, Fanout::per_member, true)->Apply(broadcast_sizes);
BENCHMARK_CAPTURE(broadcast, prepared_deflate, Fanout::prepared, true)->Apply(broadcast_sizes);
BENCHMARK_CAPTURE(deflate_memory, default, deflate_defaults)->Iterations(50);
BENCHMARK_CAPTURE(deflate_memory, window_15, deflate_window_15)->Iterations(50);

void frame_sizes(benchmark::internal::Benchmark* b) {
  for (int size : {16, 125, 1024, 65536, 1 << 20})
    b->Arg(size);
}

BENCHMARK_CAPTURE(wscore_parse, binary, Payload::binary)->Apply(frame_sizes);
BENCHMARK(wslay_parse)->Apply(frame_sizes);
BENCHMARK(memcpy_ceiling)->Apply(frame_sizes);
BENCHMARK_CAPTURE(wscore_parse, text_ascii, Payload::ascii)->Apply(frame_sizes);
BENCHMARK_CAPTURE(wscore_parse, text_mixed, Payload::mixed)->Apply(frame_sizes);

void register_component_benchmarks() {
  for (auto level : wscore::detail::supported_simd_levels()) {
    const std::string name = wscore::detail::simd_level_name(level);
    benchmark::RegisterBenchmark(("utf8_validate/ascii/" + name).c_str(), utf8_validate,
                                 Payload::ascii, level);
    benchmark::RegisterBenchmark(("utf8_validate/mixed/" + name).c_str(), utf8_validate,
                                 Payload::mixed, level);
    benchmark::RegisterBenchmark(("mask/" + name).c_str(), mask, level)->Arg(65536);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_component_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("wscore core benchmark; SIMD level: %s\n",
              wscore::detail::simd_level_name(wscore::detail::best_simd_level()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
