// Fuzz target: arbitrary bytes into an open client-role connection. The first bytes choose the
// options (limits, delivery mode, auto-pong) and the input chunking. Invariants: no event after
// a fatal error, limits respected, text is UTF-8, and everything the connection wrote (pongs,
// closes, plus a message we send) re-parses cleanly in the server role.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  fuzz::InputReader input(data, size);
  Connection connection =
      Connection::open(Role::client, fuzz::options_from(input), [](MutableByteView out) {
        for (auto& b : out)
          b = std::byte{0x42};
      });
  fuzz::run_and_check(connection, input);
  (void)connection.send_text("after");
  fuzz::check_output_reparses(Role::client, connection.pending_output());
  return 0;
}
