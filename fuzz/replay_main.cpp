// SPDX-License-Identifier: MIT
// Standalone driver: replays every file in the directories (or the files) given on the command
// line through LLVMFuzzerTestOneInput, so the corpus and the regressions run under ctest with any
// compiler. When an input fails, its path is printed before the process dies.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// With AddressSanitizer, its reports also name the input (they end the process without abort).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSCORE_REPLAY_HAS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WSCORE_REPLAY_HAS_ASAN 1
#endif
#if defined(WSCORE_REPLAY_HAS_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string current_input;  // the input being replayed, for the failure message

void report_current_input() {
  if (!current_input.empty()) std::fprintf(stderr, "failing input: %s\n", current_input.c_str());
}

extern "C" void on_abort(int) {
  report_current_input();
  std::signal(SIGABRT, SIG_DFL);
  std::abort();
}

std::vector<std::filesystem::path> inputs_in(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> inputs;
  if (std::filesystem::is_regular_file(path)) inputs.push_back(path);
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());  // the same order on every machine
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGABRT, on_abort);
#if defined(WSCORE_REPLAY_HAS_ASAN)
  __sanitizer_set_death_callback(report_current_input);
#endif
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    // A directory that does not exist is fine (e.g. no regressions yet).
    for (const auto& path : inputs_in(argv[i])) {
      std::ifstream file(path, std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                    std::istreambuf_iterator<char>());
      current_input = path.string();
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  current_input.clear();
  std::printf("replayed %zu inputs\n", replayed);
  return replayed == 0 ? 1 : 0;  // an empty corpus is a setup error, not a pass
}
