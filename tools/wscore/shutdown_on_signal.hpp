// SPDX-License-Identifier: MIT
// Ctrl-C for `wscore serve`: SIGINT and SIGTERM blocked in every thread and waited for on one;
// the first starts the server's graceful shutdown.
#pragma once

#include <signal.h>

#include <atomic>
#include <thread>

#include "wscore/transport/server.hpp"

namespace wscore::cli {

class ShutdownOnSignal {
 public:
  // Before any thread starts, so that every thread inherits the mask.
  ShutdownOnSignal();
  void watch(transport::Server& server);
  // Call once the server has finished, before it is destroyed.
  void stop();
  ~ShutdownOnSignal() { stop(); }

 private:
  sigset_t signals_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace wscore::cli
