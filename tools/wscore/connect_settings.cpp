// SPDX-License-Identifier: MIT
#include "connect_settings.hpp"

#include "arguments.hpp"
#include "client_tls.hpp"
#include "request_options.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/uri.hpp"

namespace wscore::cli {

std::optional<ConnectSettings> read_connect_settings(int argc, char** argv, bool& help,
                                                     std::string& error) {
  Arguments args(
      argc, argv,
      {"subprotocol", "origin", "cafile", "tls-backend", "max-message", "timeout", "header",
       "ping-interval", "count", "proxy"},
      {"echo", "deflate", "insecure", "help", "binary", "raw", "show-control", "ping", "no-newline",
       "once", "jsonl", "quiet", "verbose"},
      {{'H', "header"}, {'n', "no-newline"}, {'q', "quiet"}, {'v', "verbose"}, {'h', "help"}});
  help = args.has("help");
  if (help) return std::nullopt;
  ConnectSettings settings;
  transport::ClientOptions& client = settings.client;
  client.connection.max_message_size = args.number("max-message", 16 << 20, 1, 1ull << 40);
  client.connection.max_frame_size = client.connection.max_message_size;
  settings.timeout = std::chrono::seconds(args.number("timeout", 10, 1, 3600));
  client.policy.handshake_timeout = settings.timeout;
  client.connection.deflate.enabled = args.has("deflate");
  settings.count = args.has("once") ? 1 : args.number("count", 0, 1, UINT64_MAX);
  settings.ping_interval = std::chrono::milliseconds(
      static_cast<std::int64_t>(args.decimal("ping-interval", 0, 0.01, 86400) * 1000));
  if (!args.ok()) {
    error = args.error();
    return std::nullopt;
  }
  if (args.positionals().size() != 1) {
    error = args.positionals().empty() ? "expected a URL" : "expected one URL";
    return std::nullopt;
  }
  settings.echo = args.has("echo");
  settings.binary = args.has("binary");
  settings.ping_once = args.has("ping");
  const char* conflict = args.has("once") && args.has("count")      ? "--once and --count"
                         : args.has("quiet") && args.has("verbose") ? "--quiet and --verbose"
                         : settings.ping_once && settings.echo      ? "--ping and --echo"
                                                                    : nullptr;
  if (conflict) {
    error = std::string(conflict) + " cannot be used together";
    return std::nullopt;
  }
  settings.output =
      OutputOptions{args.has("jsonl"),        args.has("raw"),   !args.has("no-newline"),
                    args.has("show-control"), args.has("quiet"), args.has("verbose")};

  // RFC 6455 §3 has no userinfo; as browsers and wscat do, user:password becomes Basic
  // authentication of the opening request (RFC 7617).
  UrlCredentials credentials = take_credentials(args.positionals()[0]);
  if (!credentials.error.empty()) {
    error = credentials.error;
    return std::nullopt;
  }
  settings.url = credentials.url;
  const UriParseResult parsed = parse_websocket_uri(settings.url);
  if (!parsed.uri) {
    error = std::string(parsed.error) + ": " + settings.url;
    return std::nullopt;
  }
  client.url = *parsed.uri;
  if (credentials.authorization)
    client.extra_headers.emplace_back("Authorization", *credentials.authorization);
  for (const std::string& text : args.values("header")) {
    auto header = parse_header_option(text, error);
    if (!header) return std::nullopt;
    if (credentials.authorization && detail::equals_ignore_case(header->first, "Authorization")) {
      error = "--header '" + text + "': the URL's user:password already sets Authorization";
      return std::nullopt;
    }
    client.extra_headers.push_back(std::move(*header));
  }
  client.subprotocols = args.values("subprotocol");
  if (auto problem = check_subprotocols(client.subprotocols)) {
    error = *problem;
    return std::nullopt;
  }
  client.origin = args.value("origin").value_or("");
  if (args.has("origin")) {
    if (auto problem = check_origin(client.origin)) {
      error = *problem;
      return std::nullopt;
    }
  }
  if (const auto proxy = args.value("proxy")) {
    settings.proxy = parse_proxy_url(*proxy, error);
    if (!settings.proxy) return std::nullopt;
  }
  if (!tls_backend_option(args, error)) return std::nullopt;
  if (client.url.secure) {
    if (const auto failure = load_client_trust(args, settings.tls)) {
      error = *failure;
      return std::nullopt;
    }
  }
  return settings;
}

}  // namespace wscore::cli
