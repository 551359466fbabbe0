// SPDX-License-Identifier: MIT
#include "shutdown_on_signal.hpp"

#include <pthread.h>

#include <cstdio>

namespace wscore::cli {

ShutdownOnSignal::ShutdownOnSignal() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

void ShutdownOnSignal::watch(transport::Server& server) {
  thread_ = std::thread([this, &server] {
    int signal_number = 0;
    sigwait(&signals_, &signal_number);
    if (stopped_) return;  // the server already finished
    std::fprintf(stderr, "wscore: %s, closing connections\n",
                 signal_number == SIGINT ? "interrupted" : "terminated");
    server.shutdown();
  });
}

void ShutdownOnSignal::stop() {
  if (!thread_.joinable()) return;
  stopped_ = true;
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

}  // namespace wscore::cli
