// SPDX-License-Identifier: MIT
/// @file
/// The WebSocket server on io_uring: the same transport::Server, ServerOptions and
/// ServerApplication as the epoll server, run by one io_uring event loop per thread (each with
/// its own SO_REUSEPORT listener). Plain ws:// only for now: TLS is served by the epoll server.
#pragma once

#include <memory>
#include <string>

#include "wscore/transport/server.hpp"

/// The io_uring transport: event loops that move bytes between io_uring and wscore::Driver
/// objects. No protocol rule lives here.
namespace wscore::uring {

/// Why io_uring cannot be used on this machine (empty when it can): the kernel lacks it, or a
/// seccomp profile or kernel.io_uring_disabled refuses it.
[[nodiscard]] std::string unavailable_reason();

/// Binds every listener and sets up every ring now, so that "port in use" and "io_uring is
/// unavailable" are reported before run(). On failure returns nullptr and sets `error` to one
/// line. `options.tls` must be empty (TLS over io_uring is not there yet: that is an error).
std::unique_ptr<transport::Server> create_server(transport::ServerOptions options,
                                                 std::string& error);

}  // namespace wscore::uring
