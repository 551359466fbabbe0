// SPDX-License-Identifier: MIT
// wscore serve: the options, the TLS setup and the run of the demo server (what it answers is
// DemoApplication's).
#include <unistd.h>

#include <cstdio>  // first: it defines __GLIBC__ on glibc
#include <memory>
#include <thread>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access_log.hpp"
#include "arguments.hpp"
#include "client_tls.hpp"
#include "commands.hpp"
#include "demo_application.hpp"
#include "descriptor_limit.hpp"
#include "shutdown_on_signal.hpp"
#include "timestamp.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/transport/certificate.hpp"
#include "wscore/transport/server.hpp"
#include "wscore/transport/tls.hpp"
#ifdef WSCORE_HAVE_URING
#include "wscore/uring/server.hpp"
#endif

namespace wscore::cli {
namespace {

constexpr const char* serve_help =
    "usage: wscore serve [options]\n"
    "\n"
    "The demo server: GET / is the demo page, /healthz and /metrics (Prometheus) tell how it\n"
    "is; every WebSocket path echoes, /chat is a chat room with names, /inspect echoes and\n"
    "reports the frames.\n"
    "TLS (wss://) on port 8443 by default, with a self-signed certificate for localhost,\n"
    "127.0.0.1 and ::1 that is created on first run (or --cert/--key). Ctrl-C closes every\n"
    "connection with 1001 and exits 0.\n"
    "\n"
    "  --host H                 address to listen on (default 0.0.0.0)\n"
    "  --port N                 port (default 8443, or 8080 with --plain)\n"
    "  --plain                  serve ws:// without TLS\n"
    "  --cert FILE --key FILE   certificate chain and private key (PEM or DER)\n"
    "  --tls-backend B          the TLS library: mbedtls (default: TLS 1.2) or openssl (TLS\n"
    "                           1.3 and 1.2, record buffers released while idle)\n"
    "  --threads N              event loops, one per thread (default: number of cores)\n"
    "  --io epoll|uring         the event loops: epoll (default) or io_uring (plain ws:// only;\n"
    "                           where io_uring is unavailable it exits 2: use --io epoll)\n"
    "  --max-message BYTES      largest message accepted (default 16777216); over it: 1009\n"
    "  --max-frame BYTES        largest frame accepted (default 16777216); over it: 1009\n"
    "  --max-connections N      refuse connections over this (default 100000)\n"
    "  --max-connections-per-address N\n"
    "                           refuse an address's connections over this (default 0: none;\n"
    "                           behind a proxy every peer has the proxy's address)\n"
    "  --max-handshakes N       refuse connections while N handshakes are unfinished (10000)\n"
    "  --max-outbound BYTES     outbound buffer per connection before backpressure (16 MiB)\n"
    "  --handshake-timeout S    TLS + upgrade must finish in S seconds (default 10)\n"
    "  --idle-timeout S         ping a connection quiet for S seconds (default 60)\n"
    "  --pong-timeout S         drop it if no pong in S seconds (default 10)\n"
    "  --close-timeout S        after our close, drop TCP after S seconds (default 5)\n"
    "  --progress-timeout S     a frame begun must go on within S seconds (default 10): 1008\n"
    "  --max-pings-per-second N over it in a second: 1008 (default 1000; 0: no limit)\n"
    "  --max-fragments N        frames of one message; over it: 1008 (default 131072)\n"
    "  --max-memory BYTES       message and output buffers of all connections together (default:\n"
    "                           half the machine's memory); over it the largest stop reading\n"
    "                           and new connections are refused; 0: no limit\n"
    "  --no-deflate             do not negotiate permessage-deflate (RFC 7692)\n"
    "  --static DIR             serve the files under DIR (GET, HEAD, ETag, If-Modified-Since);\n"
    "                           the demo page stays at / unless DIR has an index.html\n"
    "  --subprotocol NAME       a subprotocol we speak (repeatable, in our order of preference:\n"
    "                           the first one the client offers is chosen, RFC 6455 4.2.2)\n"
    "  --access-log             one line per connection on stderr when it ends\n"
    "  --log-json               the same lines as JSON objects (implies --access-log)\n"
    "  --verbose                one line per connection event (timestamp, peer address)\n"
    "  --version                the version\n"
    "  --help                   this text\n";

}  // namespace

// glibc raises its mmap threshold each time a large block is freed, up to 32 MiB, so that after
// a few large messages their buffers come from the heap and stay there when the load is gone (a
// server at 5 MiB after warm-up held 59 MiB after a burst). A fixed threshold keeps buffers over
// 256 KiB mmap-backed (returned at once when freed, and grown by remapping, not copying), and a
// fixed trim threshold returns the top of the heap past 1 MiB.
namespace {
void return_large_buffers_to_the_system() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#endif
}

// Half the machine's memory: room for the rest of the system when every connection is full.
std::uint64_t default_memory_budget() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2;
}
}  // namespace

namespace {
// The server on the event loops --io names.
std::unique_ptr<transport::Server> create_server(const std::string& io,
                                                 transport::ServerOptions options,
                                                 std::string& error) {
  if (io == "uring") {
#ifdef WSCORE_HAVE_URING
    if (const std::string why = uring::unavailable_reason(); !why.empty()) {
      error = why + "; --io epoll serves without it";
      return nullptr;
    }
    return uring::create_server(std::move(options), error);
#else
    error = "--io uring: this build has no io_uring transport (liburing-dev was not found)";
    return nullptr;
#endif
  }
  return transport::Server::create(std::move(options), error);
}
}  // namespace

int serve(int argc, char** argv) {
  Arguments args(argc, argv,
                 {"host",
                  "port",
                  "cert",
                  "key",
                  "threads",
                  "max-message",
                  "max-frame",
                  "max-connections",
                  "max-connections-per-address",
                  "max-handshakes",
                  "max-outbound",
                  "handshake-timeout",
                  "idle-timeout",
                  "pong-timeout",
                  "close-timeout",
                  "progress-timeout",
                  "max-pings-per-second",
                  "max-fragments",
                  "max-memory",
                  "static",
                  "subprotocol",
                  "io",
                  "tls-backend"},
                 {"plain", "no-deflate", "verbose", "help", "access-log", "log-json"});
  if (args.has("help")) {
    std::fputs(serve_help, stdout);
    return 0;
  }
  const bool plain = args.has("plain");
  transport::ServerOptions options;
  options.host = args.value("host").value_or("0.0.0.0");
  options.port = static_cast<std::uint16_t>(args.number("port", plain ? 8080 : 8443, 0, 65535));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  options.threads = static_cast<unsigned>(args.number("threads", cores, 1, 256));
  const std::uint64_t limit = 1ull << 40;
  options.connection.max_message_size = args.number("max-message", 16 << 20, 1, limit);
  options.connection.max_frame_size = args.number("max-frame", 16 << 20, 1, limit);
  // permessage-deflate on by default: browsers offer it on every connection.
  options.connection.deflate.enabled = !args.has("no-deflate");
  auto& policy = options.policy;
  policy.max_connections = args.number("max-connections", 100'000, 1, 10'000'000);
  policy.max_connections_per_address = args.number("max-connections-per-address", 0, 0, 10'000'000);
  policy.max_handshakes = args.number("max-handshakes", 10'000, 0, 10'000'000);
  policy.max_outbound_buffer = args.number("max-outbound", 16 << 20, 1024, limit);
  policy.handshake_timeout = std::chrono::seconds(args.number("handshake-timeout", 10, 1, 3600));
  policy.idle_timeout = std::chrono::seconds(args.number("idle-timeout", 60, 1, 86400));
  policy.pong_timeout = std::chrono::seconds(args.number("pong-timeout", 10, 1, 3600));
  policy.close_timeout = std::chrono::seconds(args.number("close-timeout", 5, 1, 3600));
  policy.progress_timeout = std::chrono::seconds(args.number("progress-timeout", 10, 1, 3600));
  policy.max_buffer_memory = args.number("max-memory", default_memory_budget(), 0, 1ull << 50);
  policy.max_pings_per_second =
      static_cast<std::uint32_t>(args.number("max-pings-per-second", 1'000, 0, 1'000'000'000));
  options.connection.max_fragments_per_message =
      static_cast<std::uint32_t>(args.number("max-fragments", 131'072, 1, 1'000'000'000));
  if (!args.ok() || !args.positionals().empty()) {
    std::fprintf(stderr, "wscore serve: %s\n(see wscore serve --help)\n",
                 args.ok() ? "unexpected argument" : args.error().c_str());
    return 2;
  }
  for (const std::string& subprotocol : args.values("subprotocol")) {
    // RFC 6455 §4.1 item 10: each subprotocol is a token (RFC 9110 §5.6.2).
    if (!detail::is_token(subprotocol)) {
      std::fprintf(stderr,
                   "wscore serve: --subprotocol '%s' is not a token (letters, digits and "
                   "!#$%%&'*+-.^_`|~ only)\n",
                   subprotocol.c_str());
      return 2;
    }
    options.connection.subprotocols.push_back(subprotocol);
  }
  const std::string io = args.value("io").value_or("epoll");
  if (io != "epoll" && io != "uring") {
    std::fprintf(stderr, "wscore serve: --io is epoll or uring, not '%s'\n", io.c_str());
    return 2;
  }
  if (io == "uring" && !plain) {
    std::fprintf(stderr,
                 "wscore serve: --io uring serves plain ws:// only (add --plain); TLS is served "
                 "with --io epoll\n");
    return 2;
  }
  std::string backend_error;
  const auto backend = tls_backend_option(args, backend_error);
  if (!backend) {
    std::fprintf(stderr, "wscore serve: %s\n", backend_error.c_str());
    return 2;
  }
  auto context = std::make_unique<ServeContext>();
  if (const auto root = args.value("static")) {
    std::string error;
    context->files = StaticFiles::open(*root, error);
    if (!context->files) {
      std::fprintf(stderr, "wscore serve: %s\n", error.c_str());
      return 2;
    }
  }
  if (args.has("access-log") || args.has("log-json")) {
    context->access_log.emplace(args.has("log-json") ? AccessLog::Format::json
                                                     : AccessLog::Format::text);
  }
  context->compression_threshold = options.connection.deflate.compression_threshold;
  context->max_outbound_buffer = options.policy.max_outbound_buffer;
  if (args.has("verbose")) {
    options.log = [](std::string_view line) {
      write_stderr_line(rfc3339_now() + " " + std::string(line));
    };
  }

  std::filesystem::path cert_file, key_file;
  if (!plain) {
    if (args.has("cert") != args.has("key")) {
      std::fprintf(stderr, "wscore serve: --cert and --key go together\n");
      return 2;
    }
    if (args.has("cert")) {
      cert_file = *args.value("cert");
      key_file = *args.value("key");
    } else {
      const auto result = transport::ensure_default_certificate();
      if (!result.certificate) {
        std::fprintf(stderr, "wscore serve: %s\n", result.error->message.c_str());
        return 2;
      }
      cert_file = result.certificate->cert_file;
      key_file = result.certificate->key_file;
      std::fprintf(stderr, "wscore: %s self-signed certificate %s (key %s)\n",
                   result.certificate->created ? "created" : "using", cert_file.c_str(),
                   key_file.c_str());
    }
    // Load once here, so a bad file is a one-line error before anything listens.
    transport::TlsServerConfig check(*backend);
    if (const auto failure = check.load(cert_file, key_file)) {
      std::fprintf(stderr, "wscore serve: %s\n", failure->message.c_str());
      return 2;
    }
    options.tls = [cert_file, key_file, backend = *backend] {
      auto config = std::make_unique<transport::TlsServerConfig>(backend);
      (void)config->load(cert_file, key_file);
      return config;
    };
  }
  options.application = [&context = *context](transport::Server& server, unsigned) {
    return std::make_unique<DemoApplication>(server, context);
  };

  return_large_buffers_to_the_system();
  // Every connection is a descriptor: take what the hard limit allows, and say when it is short.
  const DescriptorLimit descriptors = raise_descriptor_limit();
  if (const std::string warning =
          descriptor_limit_warning(descriptors, options.policy.max_connections);
      !warning.empty()) {
    std::fprintf(stderr, "wscore serve: %s\n", warning.c_str());
  }
  ShutdownOnSignal signals;  // before any thread starts, so every thread inherits the mask
  std::string error;
  auto server = create_server(io, std::move(options), error);
  if (!server) {
    std::fprintf(stderr, "wscore serve: %s\n", error.c_str());
    return 2;
  }
  const std::string host = args.value("host").value_or("localhost");
  std::printf("wscore serving %s://%s:%u/ (demo page at %s://%s:%u/)\n", plain ? "ws" : "wss",
              host == "0.0.0.0" ? "localhost" : host.c_str(), server->port(),
              plain ? "http" : "https", host == "0.0.0.0" ? "localhost" : host.c_str(),
              server->port());
  std::fflush(stdout);
  signals.watch(*server);
  server->run();
  signals.stop();
  const transport::ServerStats stats = server->stats();
  std::fprintf(stderr,
               "wscore: served %llu connections (%llu upgraded, %llu http, %llu refused), "
               "%llu messages in, %llu out, %llu bytes in, %llu out\n",
               static_cast<unsigned long long>(stats.accepted),
               static_cast<unsigned long long>(stats.upgraded),
               static_cast<unsigned long long>(stats.http_requests),
               static_cast<unsigned long long>(stats.refused),
               static_cast<unsigned long long>(stats.messages_in),
               static_cast<unsigned long long>(stats.messages_out),
               static_cast<unsigned long long>(stats.bytes_in),
               static_cast<unsigned long long>(stats.bytes_out));
  return 0;
}

}  // namespace wscore::cli
