// SPDX-License-Identifier: MIT
// wscore: the command line of the wscore WebSocket library.
#include <csignal>
#include <cstdio>
#include <string_view>

#include "commands.hpp"
#include "wscore/version.hpp"

namespace {

constexpr const char* usage =
    "usage: wscore <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve     run the demo WebSocket server (wss://localhost:8443; --plain for ws://)\n"
    "  connect   connect to a ws:// or wss:// URL: stdin lines out, messages in\n"
    "  dump      decode a captured WebSocket byte stream, one line per frame\n"
    "  bench     load an echoing server: messages/s, bytes/s, latency percentiles\n"
    "\n"
    "Run 'wscore <command> --help' for the options of a command, 'wscore --version' for the\n"
    "version.\n";

// `wscore <command> ... --version`: every command answers it the same way, before its own
// parsing (so none of them has to know). "--" ends the options: what follows is not looked at.
bool asks_for_version(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--") return false;
    if (argument == "--version") return true;
  }
  return false;
}

int print_version() {
  std::printf("wscore %s\n", wscore::version_string);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a peer that goes away must never kill the process
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string_view command = argv[1];
  if (command == "--version" || command == "version") return print_version();
  const bool known =
      command == "serve" || command == "connect" || command == "dump" || command == "bench";
  if (known && asks_for_version(argc, argv)) return print_version();
  if (command == "serve") return wscore::cli::serve(argc - 2, argv + 2);
  if (command == "connect") return wscore::cli::connect(argc - 2, argv + 2);
  if (command == "dump") return wscore::cli::dump(argc - 2, argv + 2);
  if (command == "bench") return wscore::cli::bench(argc - 2, argv + 2);
  std::fprintf(stderr, "wscore: unknown command '%.*s'\n\n%s", static_cast<int>(command.size()),
               command.data(), usage);
  return 2;
}
