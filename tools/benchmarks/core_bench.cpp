// Frame-parsing benchmark: wscore's server-role Connection against Debian's wslay frame parser
// (wslay_frame_recv) on the same masked frames, with memcpy of the same bytes as the ceiling.
//
// Each benchmark parses a buffer of masked frames of one payload size (about 1 MiB in all, at
// least two frames) and reports payload bytes/s and frames/s. wscore parses in place (zero copy,
// unmasking in the caller's buffer) and delivers a MessageReceived per frame; wslay copies
// through its own buffer and hands out up to 4 KiB per call.
//
// In-place unmasking flips the buffer between masked and unmasked on alternate iterations. For
// text the masking key is 01 01 01 01 and the text is built so that both states are valid UTF-8
// (XOR 0x01 maps ASCII to ASCII, C3 A9 to C2 A8, E2 82 AC to E3 83 AD, F0 9F 98 80 to
// F1 9E 99 81), so every iteration validates real text of the same mix.
#include <benchmark/benchmark.h>
#include <wslay/wslay.h>

#include <cstring>
#include <random>
#include <vector>

#include "wscore/connection.hpp"
#include "wscore/detail/simd.hpp"
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
    connection.receive(MutableByteView(buffer.wire));
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
