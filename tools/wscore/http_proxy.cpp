// SPDX-License-Identifier: MIT
#include "http_proxy.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "request_options.hpp"
#include "wscore/detail/http_head.hpp"
#include "wscore/transport/socket.hpp"
#include "wscore/uri.hpp"

namespace wscore::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd watched{fd, events, 0};
    const int ready = poll(&watched, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

// A TCP connection to the proxy, trying each address its name resolves to.
int connect_to_proxy(const ProxyAddress& proxy, Clock::time_point deadline, std::string& error) {
  const std::string where = "the proxy " + proxy.host + ":" + std::to_string(proxy.port);
  for (std::size_t next = 0;;) {
    const transport::SocketResult socket = transport::connect_tcp(proxy.host, proxy.port, next);
    if (socket.fd < 0) {
      if (error.empty()) error = "cannot connect to " + where + ": " + socket.error;
      return -1;
    }
    if (!wait_for(socket.fd, POLLOUT, deadline)) {
      close(socket.fd);
      error = "cannot connect to " + where + ": timed out";
      return -1;
    }
    if (const int failure = transport::connect_error(socket.fd); failure != 0) {
      close(socket.fd);
      error = "cannot connect to " + where + ": " + std::strerror(failure);
      next = socket.address_index + 1;
      continue;
    }
    return socket.fd;
  }
}

bool send_all(int fd, std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const ssize_t sent = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    } else if ((sent < 0 && errno != EAGAIN && errno != EINTR) ||
               !wait_for(fd, POLLOUT, deadline)) {
      return false;
    }
  }
  return true;
}

// Reads the response head and no byte more: what follows belongs to the tunnel (the server's
// first bytes), so the head is peeked at and only its own length taken.
std::optional<std::string> read_head(int fd, Clock::time_point deadline, std::string& error) {
  constexpr std::size_t max_head = 16 * 1024;
  std::string head;
  for (;;) {
    if (!wait_for(fd, POLLIN, deadline)) {
      error = "the proxy did not answer the CONNECT in time";
      return std::nullopt;
    }
    char buffer[4096];
    const ssize_t peeked = recv(fd, buffer, sizeof buffer, MSG_PEEK);
    if (peeked <= 0) {
      if (peeked < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      error = "the proxy closed the connection without answering the CONNECT";
      return std::nullopt;
    }
    const std::string_view seen(buffer, static_cast<std::size_t>(peeked));
    const std::size_t old_size = head.size();
    head.append(seen);
    const std::size_t end = head.find("\r\n\r\n", old_size < 3 ? 0 : old_size - 3);
    const std::size_t take = end == std::string::npos ? seen.size() : end + 4 - old_size;
    head.resize(old_size + take);
    if (recv(fd, buffer, take, 0) != static_cast<ssize_t>(take)) {
      error = "reading the proxy's answer failed";
      return std::nullopt;
    }
    if (end != std::string::npos) return head;
    if (head.size() > max_head) {
      error = "the proxy's answer has no end of head in 16 KiB";
      return std::nullopt;
    }
  }
}

}  // namespace

std::optional<ProxyAddress> parse_proxy_url(std::string_view text, std::string& error) {
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    error = "--proxy '" + std::string(text) + "': only http:// proxies are supported";
    return std::nullopt;
  }
  // The authority of an http URL has the grammar of a ws URL's (RFC 3986 §3.2; port 80 by
  // default for both), so the core's URI parser checks it.
  const UrlCredentials credentials = take_credentials("ws://" + std::string(rest));
  const UriParseResult parsed = parse_websocket_uri(credentials.url);
  if (!credentials.error.empty() || !parsed.uri || parsed.uri->resource_name != "/") {
    error = "--proxy '" + std::string(text) + "': " +
            (!credentials.error.empty() ? credentials.error
             : parsed.uri               ? std::string("expected http://host:port")
                                        : std::string(parsed.error));
    return std::nullopt;
  }
  return ProxyAddress{parsed.uri->host, parsed.uri->port, credentials.authorization};
}

int open_proxy_tunnel(const ProxyAddress& proxy, const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout, std::string& error) {
  const auto deadline = Clock::now() + timeout;
  const int fd = connect_to_proxy(proxy, deadline, error);
  if (fd < 0) return -1;
  // RFC 9110 §9.3.6: CONNECT with the authority-form target (RFC 9112 §3.2.3), host:port, an
  // IPv6 literal in brackets; Host carries the same.
  const std::string authority =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (proxy.authorization) request += "Proxy-Authorization: " + *proxy.authorization + "\r\n";
  request += "\r\n";
  if (!send_all(fd, request, deadline)) {
    close(fd);
    error = "sending the CONNECT to the proxy failed";
    return -1;
  }
  const std::optional<std::string> head = read_head(fd, deadline, error);
  if (!head) {
    close(fd);
    return -1;
  }
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); any 2xx opens
  // the tunnel (RFC 9110 §9.3.6).
  const std::string_view status_line = std::string_view(*head).substr(0, head->find("\r\n"));
  const std::size_t space = status_line.find(' ');
  const std::string_view code =
      status_line.substr(space == std::string_view::npos ? 0 : space + 1, 3);
  const bool well_formed = space != std::string_view::npos &&
                           detail::parse_http_version(status_line.substr(0, space)) &&
                           code.size() == 3 && code.find_first_not_of("0123456789") == code.npos;
  if (!well_formed) {
    close(fd);
    error = "the proxy's answer is not HTTP: " + std::string(status_line.substr(0, 80));
    return -1;
  }
  if (code[0] != '2') {
    close(fd);
    error = "the proxy refused the tunnel to " + authority + ": HTTP " +
            std::string(status_line.substr(space + 1));
    return -1;
  }
  return fd;
}

}  // namespace wscore::cli
