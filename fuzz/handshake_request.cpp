// Fuzz target: server-side parsing of the opening handshake at input-chosen split points.
// Invariants: the result does not depend on the split; a failure carries a 4xx/5xx status; an
// accepted request yields a 101 response that the client-side parser accepts with the same key
// and subprotocol; bytes after the head are never consumed.
#include <string>

#include "fuzz_support.hpp"
#include "wscore/handshake_request.hpp"
#include "wscore/handshake_response.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wscore;
  fuzz::InputReader input(data, size);
  const std::size_t split = input.byte();
  const std::size_t max_head = 64 + 32 * static_cast<std::size_t>(input.byte());
  const auto rest = input.rest();
  const ByteView bytes(reinterpret_cast<const std::byte*>(rest.data()), rest.size());

  HandshakeRequestParser whole(max_head);
  const auto whole_result = whole.feed(bytes);

  HandshakeRequestParser pieces(max_head);
  const std::size_t cut = std::min(split, bytes.size());
  auto first = pieces.feed(bytes.first(cut));
  std::size_t consumed = first.bytes_consumed;
  if (first.status == HandshakeRequestParser::Status::need_more) {
    const auto second = pieces.feed(bytes.subspan(cut));
    consumed += second.bytes_consumed;
    first = second;
  }
  fuzz::check(first.status == whole_result.status, "same status at any split");
  if (whole_result.status == HandshakeRequestParser::Status::failed) {
    fuzz::check(whole.error().status == pieces.error().status, "same HTTP status at any split");
    fuzz::check(whole.error().status >= 400 && whole.error().status < 600, "error status");
    return 0;
  }
  if (whole_result.status != HandshakeRequestParser::Status::complete) return 0;
  fuzz::check(consumed == whole_result.bytes_consumed, "same head length at any split");
  fuzz::check(whole_result.bytes_consumed <= bytes.size(), "never consumes past the input");

  const HandshakeRequest& request = whole.request();
  const std::string_view chosen =
      request.subprotocols().empty() ? std::string_view{} : request.subprotocols().back();
  std::string response;
  write_accept_response(response, request.key(), AcceptOptions{chosen, {}, {}});

  std::vector<std::string> offered(request.subprotocols().begin(), request.subprotocols().end());
  HandshakeResponseParser client(std::string(request.key()), offered, {});
  const auto parsed = client.feed(as_bytes(response));
  fuzz::check(parsed.status == HandshakeResponseParser::Status::complete,
              "our 101 response satisfies the client parser");
  fuzz::check(client.response().subprotocol() == chosen, "subprotocol survives the round trip");
  return 0;
}
