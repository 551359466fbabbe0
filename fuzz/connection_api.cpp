// SPDX-License-Identifier: MIT
// Fuzz target: a client and a server Connection back to back, from the opening handshake to
// the closing one, driven by an input-chosen interleaving of API calls and partial transfers.
//
// Input: [config] [piece seed] [subprotocols] [deflate...] [operations...]
//   config bit 0/1: the server/client streams; 2/3: the server/client does not answer pings;
//   4/5: the server/client copies its input; 6: the server rejects the handshake; 7: accept()
//   names the subprotocol. subprotocols bits 0-1: what the client offers; 2-3: the server's
//   preferences; 4: who closes at the end if nobody did; 5/6: the server/client enables
//   permessage-deflate (RFC 7692); 7: two deflate bytes follow, the server's options and the
//   client's (deflate_options.hpp), else both use the defaults.
//   Each operation is a byte: bit 0 picks the side, the rest (modulo 11) the call: send, send a
//   fragment, ping, pong, close with a code and reason, close without a code, zero-copy send,
//   transfer up to N bytes to the peer, release_idle_buffers, a misplaced accept()/reject(),
//   or taking the output without delivering it yet. Payloads come from the input, as raw bytes
//   or as valid text (text_from_bytes).
//
// A model of each side predicts the result of every call. Invariants: every call returns what
// the model predicts and a refused call writes nothing (misuse is never a wire violation);
// neither side ever reports a protocol error; both sides agree on the subprotocol; every message,
// ping and pong arrives once, in order, unchanged (streamed pieces are prefixes of the message
// being sent); each Close carries the code and reason its sender chose, or the echo of the
// peer's code (RFC 6455 §5.5.1); once everything is delivered the closing handshake is complete
// on both sides with the transport actions of RFC 6455 §7.1.1. permessage-deflate is in force
// exactly when both sides enable it, both agree on its parameters, and these honour what each
// side asked for (RFC 7692 §7.1); messages then go compressed where the Compression rules say,
// and still arrive unchanged.
#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "deflate_options.hpp"
#include "endpoint_model.hpp"
#include "fuzz_support.hpp"
#include "reference_utf8.hpp"
#include "text_from_bytes.hpp"
#include "wscore/connection.hpp"
#include "wscore/permessage_deflate.hpp"
#include "wscore/prepared_message.hpp"

namespace wscore::fuzz {
namespace {

bool starts_with(const Bytes& text, const Bytes& prefix) {
  return prefix.size() <= text.size() && std::equal(prefix.begin(), prefix.end(), text.begin());
}

class BackToBack {
 public:
  BackToBack(std::uint8_t config, std::uint8_t seed, std::uint8_t subprotocols,
             std::uint8_t server_deflate, std::uint8_t client_deflate)
      : config_(config),
        seed_(seed),
        closer_(subprotocols >> 4),
        server_(Role::server,
                Connection::server(server_options(config, subprotocols, server_deflate)),
                (config & 0x10) != 0),
        client_(Role::client, make_client(config, subprotocols, client_deflate),
                (config & 0x20) != 0) {
    const std::size_t offered = subprotocols & 3;
    offered_.assign(all_subprotocols, all_subprotocols + offered);
    // The subprotocol the server will pick.
    if (config_ & 0x80) {
      expected_subprotocol_ = offered_.empty() ? std::string_view{} : offered_.front();
    } else {
      for (const std::string& ours : server_.connection.options().subprotocols) {
        if (std::find(offered_.begin(), offered_.end(), ours) != offered_.end()) {
          expected_subprotocol_ = ours;
          break;
        }
      }
    }
  }

  void run(InputReader& input) {
    while (!input.empty()) {
      const std::uint8_t op = input.byte();
      Side& side = (op & 1) ? client_ : server_;
      Side& peer = (op & 1) ? server_ : client_;
      switch ((op >> 1) % 11) {
        case 0:
          send(side, input, false);
          break;
        case 1:
          send_fragment(side, input);
          break;
        case 2:
          control(side, input, Opcode::ping);
          break;
        case 3:
          control(side, input, Opcode::pong);
          break;
        case 4:
          close(side, input);
          break;
        case 5:
          close_without_code(side);
          break;
        case 6:
          send(side, input, true);
          break;
        case 7:
          transfer(side, peer, input.byte());
          break;
        case 8:
          side.connection.release_idle_buffers();
          break;
        case 9:
          misplaced_handshake_calls(side);
          break;
        default:
          take_output(side, input.byte());
          break;
      }
    }
    finish();
  }

 private:
  static constexpr const char* all_subprotocols[] = {"chat", "superchat", "v2.chat"};

  static ConnectionOptions server_options(std::uint8_t config, std::uint8_t subprotocols,
                                          std::uint8_t deflate_bits) {
    ConnectionOptions options;
    options.deflate = deflate_options_from(deflate_bits, (subprotocols & 0x20) != 0);
    options.delivery = (config & 1) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    options.auto_pong = (config & 4) == 0;
    switch ((subprotocols >> 2) & 3) {
      case 1:
        options.subprotocols = {"superchat"};
        break;
      case 2:
        options.subprotocols = {"v2.chat", "chat"};
        break;
      case 3:
        options.subprotocols = {"chat", "superchat", "v2.chat"};
        break;
      default:
        break;
    }
    return options;
  }

  static Connection make_client(std::uint8_t config, std::uint8_t subprotocols,
                                std::uint8_t deflate_bits) {
    ConnectionOptions options;
    options.deflate = deflate_options_from(deflate_bits, (subprotocols & 0x40) != 0);
    options.delivery = (config & 2) ? DeliveryMode::streaming : DeliveryMode::whole_messages;
    options.auto_pong = (config & 8) == 0;
    static const std::string_view offers[] = {"chat", "superchat", "v2.chat"};
    ClientHandshake handshake;
    handshake.request.host = "localhost:8080";
    handshake.request.target = "/chat?room=1";
    handshake.request.subprotocols = std::span<const std::string_view>(offers, subprotocols & 3);
    for (std::size_t i = 0; i < handshake.nonce.size(); ++i)
      handshake.nonce[i] = std::byte{static_cast<unsigned char>(i * 17)};
    return Connection::client(handshake, options,
                              [counter = std::uint8_t{0}](MutableByteView out) mutable {
                                for (auto& b : out)
                                  b = std::byte{counter += 13};
                              });
  }

  // Runs an API call and checks it against the model's prediction; a refused call writes
  // nothing.
  template <class Call>
  bool call(Side& side, ApiError expected, Call&& api_call) {
    const std::size_t before = side.connection.pending_output().size();
    const ApiError result = api_call();
    const char* description = to_string(result);
    check(description != nullptr && *description != '\0', "every ApiError has a description");
    check(result == expected, "the API returns what the model predicts");
    if (result != ApiError::none) {
      check(side.connection.pending_output().size() == before, "a refused call writes nothing");
    }
    return result == ApiError::none;
  }

  static Bytes payload(InputReader& input, bool large, bool text) {
    const Bytes raw = input.take_bytes(large ? input.u16() : input.byte());
    return text ? text_from_bytes(raw) : raw;
  }

  // A whole message, through send()/send_text()/send_prepared() or the zero-copy
  // encode_message_head().
  void send(Side& side, InputReader& input, bool zero_copy) {
    const std::uint8_t flags = input.byte();
    const auto type = (flags & 1) ? MessageType::text : MessageType::binary;
    const Bytes data = payload(input, (flags & 4) != 0, type == MessageType::text && !(flags & 2));
    const ApiError expected = side.expect_send(type, data);
    if (!zero_copy) {
      const bool sent = call(side, expected, [&] {
        // The same message framed once, as a broadcast would (send_prepared()): the same
        // checks, and the peer must receive the same message.
        if (flags & 16) return side.connection.send_prepared(PreparedMessage(type, data));
        return type == MessageType::text && (flags & 8) ? side.connection.send_text(as_text(data))
                                                        : side.connection.send(type, data);
      });
      if (sent) side.messages_out.push_back({type, data});
      return;
    }
    FrameHead head;
    if (!call(side, expected,
              [&] { return side.connection.encode_message_head(type, data, head); })) {
      return;
    }
    // The caller writes the pending output, then the head, then the (masked) payload.
    take_output(side, 0);
    side.wire.insert(side.wire.end(), head.view().begin(), head.view().end());
    Bytes body = data;
    if (head.masked) apply_mask(body, head.mask_key);
    side.wire.insert(side.wire.end(), body.begin(), body.end());
    side.messages_out.push_back({type, data});
  }

  void send_fragment(Side& side, InputReader& input) {
    const std::uint8_t flags = input.byte();
    const auto type = (flags & 1) ? MessageType::text : MessageType::binary;
    const bool last = (flags & 4) != 0;
    Bytes data = payload(input, false, type == MessageType::text && !(flags & 2));
    // Cut valid text anywhere, so that code points straddle fragments.
    if (flags & 8) data.resize(data.size() / 2);
    const bool first = !side.sending_fragments;
    const MessageType message_type = first ? type : side.fragments.type;
    Bytes so_far = first ? Bytes{} : side.fragments.data;
    so_far.insert(so_far.end(), data.begin(), data.end());
    const ApiError expected = side.expect_fragment(message_type, so_far, last);
    if (!call(side, expected, [&] { return side.connection.send_fragment(type, data, last); })) {
      return;
    }
    side.fragments = {message_type, std::move(so_far)};
    side.sending_fragments = !last;
    if (last) side.messages_out.push_back(side.fragments);
  }

  void control(Side& side, InputReader& input, Opcode opcode) {
    const Bytes data = input.take_bytes(input.byte());
    const ApiError expected = side.expect_control(data.size());
    const bool ping = opcode == Opcode::ping;
    if (!call(side, expected,
              [&] { return ping ? side.connection.ping(data) : side.connection.pong(data); })) {
      return;
    }
    if (ping) {
      side.pings_out.push_back(data);
      side.pings_sent.push_back(data);
    } else {
      side.pongs_out.push_back(data);
    }
  }

  void close(Side& side, InputReader& input) {
    static constexpr std::uint16_t codes[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                              1012, 1013, 1014, 3000, 4000, 4999,
                                              // never sent:
                                              0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000};
    const std::uint8_t flags = input.byte();
    const std::uint16_t code = codes[flags % std::size(codes)];
    Bytes reason = input.take_bytes(input.byte() % 132);
    if (!(flags & 0x80)) {
      reason = text_from_bytes(reason);
      reason.resize(std::min<std::size_t>(reason.size(), input.byte() % 128u));
      if (!ReferenceUtf8::is_valid(reason)) reason.clear();  // the cut split a code point
    }
    const ApiError expected = side.expect_close(code, reason);
    if (call(side, expected, [&] { return side.connection.close(code, as_text(reason)); })) {
      side.close_sent = CloseFrame{code, reason};
      check(side.connection.state() == ConnectionState::close_sent, "close() starts closing");
    }
  }

  void close_without_code(Side& side) {
    const ApiError expected = side.can_send() ? ApiError::none : ApiError::wrong_state;
    if (call(side, expected, [&] { return side.connection.close_without_code(); })) {
      side.close_sent = CloseFrame{close_code::no_status_received, {}};
    }
  }

  void misplaced_handshake_calls(Side& side) {
    for (int value = 0; value < 256; ++value) {
      const char* description = to_string(static_cast<ApiError>(value));
      check(description != nullptr && *description != '\0', "every ApiError has a description");
    }
    call(side, ApiError::wrong_state, [&] { return side.connection.accept(); });
    call(side, ApiError::wrong_state, [&] { return side.connection.reject(403, "no"); });
  }

  // Moves up to `limit` bytes of the side's output (all of it for 0) into its wire buffer,
  // with partial consume_output() calls, as a transport that writes part of a buffer would.
  void take_output(Side& side, std::size_t limit) {
    const ByteView pending = side.connection.pending_output();
    const std::size_t taken = limit == 0 ? pending.size() : std::min(limit, pending.size());
    side.wire.insert(side.wire.end(), pending.begin(), pending.begin() + taken);
    side.connection.consume_output(taken);
  }

  // Delivers up to `limit` bytes (all for 0) from `from` to `to`, in the seed's pieces.
  bool transfer(Side& from, Side& to, std::size_t limit) {
    take_output(from, 0);
    const std::size_t count = limit == 0 ? from.wire.size() : std::min(limit, from.wire.size());
    if (count == 0) return false;
    const Bytes bytes(from.wire.begin(), from.wire.begin() + static_cast<std::ptrdiff_t>(count));
    from.wire.erase(from.wire.begin(), from.wire.begin() + static_cast<std::ptrdiff_t>(count));
    std::size_t at = 0;
    Bytes scratch;
    for (const std::size_t piece : piece_sizes(bytes.size(), seed_)) {
      const ByteView input = ByteView(bytes).subspan(at, piece);
      at += piece;
      if (to.copying_receive) {
        to.connection.receive(input);
      } else {
        scratch.assign(input.begin(), input.end());
        to.connection.receive_in_place(MutableByteView(scratch));
      }
      while (auto event = to.connection.next_event())
        on_event(to, from, *event);
      std::fill(scratch.begin(), scratch.end(), std::byte{0xEE});
    }
    return true;
  }

  void on_event(Side& me, Side& peer, const Event& event) {
    if (std::holds_alternative<RequestReceived>(event)) {
      check(me.role == Role::server && !me.open && !me.failed, "one request, to the server");
      answer_request();
    } else if (const auto* completed = std::get_if<HandshakeCompleted>(&event)) {
      check(me.role == Role::client && !me.open && server_.open, "101 only after accept()");
      check(completed->response->status() == 101, "a completed handshake is a 101");
      me.open = true;
      check(client_.connection.subprotocol() == expected_subprotocol_ &&
                server_.connection.subprotocol() == expected_subprotocol_,
            "both sides agree on the subprotocol");
      check_deflate_agreement(*completed->response);
    } else if (const auto* failed = std::get_if<HandshakeFailed>(&event)) {
      check(me.role == Role::client && server_.failed, "the handshake fails only if rejected");
      check(failed->error.status == 403, "the client sees the rejection's status");
      me.failed = true;
    } else if (const auto* message = std::get_if<MessageReceived>(&event)) {
      check(!peer.messages_out.empty(), "a message arrives only if it was sent");
      const Message& sent = peer.messages_out.front();
      check(message->type == sent.type && std::equal(message->data.begin(), message->data.end(),
                                                     sent.data.begin(), sent.data.end()),
            "messages arrive unchanged, in order");
      peer.messages_out.pop_front();
    } else if (const auto* fragment = std::get_if<FragmentReceived>(&event)) {
      on_fragment(me, peer, *fragment);
    } else if (const auto* ping = std::get_if<PingReceived>(&event)) {
      check(!peer.pings_out.empty() &&
                std::equal(ping->data.begin(), ping->data.end(), peer.pings_out.front().begin(),
                           peer.pings_out.front().end()),
            "pings arrive unchanged, in order");
      peer.pings_out.pop_front();
    } else if (const auto* pong = std::get_if<PongReceived>(&event)) {
      const Bytes data(pong->data.begin(), pong->data.end());
      if (!peer.pongs_out.empty() && peer.pongs_out.front() == data) {
        peer.pongs_out.pop_front();
      } else {
        check(std::find(me.pings_sent.begin(), me.pings_sent.end(), data) != me.pings_sent.end(),
              "a pong is one the peer sent or the answer to one of our pings");
      }
    } else if (const auto* close = std::get_if<CloseReceived>(&event)) {
      check(peer.close_sent.has_value() && !me.close_received, "one Close, after it was sent");
      check(close->code == peer.close_sent->code &&
                std::equal(close->reason.begin(), close->reason.end(),
                           reinterpret_cast<const char*>(peer.close_sent->reason.data()),
                           reinterpret_cast<const char*>(peer.close_sent->reason.data()) +
                               peer.close_sent->reason.size()),
            "the Close carries its sender's code and reason");
      check(peer.messages_out.empty() && peer.pings_out.empty() && peer.pongs_out.empty(),
            "everything sent before a Close arrives before it");
      me.close_received = true;
      me.streaming_in_progress = false;
      // RFC 6455 §5.5.1: the first Close is echoed with its code.
      if (!me.close_sent) me.close_sent = CloseFrame{close->code, {}};
      check(me.connection.state() == ConnectionState::closed, "a received Close ends reading");
    } else if (const auto* error = std::get_if<ProtocolError>(&event)) {
      std::fprintf(stderr, "protocol error %u: %.*s\n", error->code,
                   static_cast<int>(error->what().size()), error->what().data());
      violated("two wscore peers never break the protocol");
    } else {
      violated("no connection is lost between two wscore peers");
    }
  }

  void on_fragment(Side& me, Side& peer, const FragmentReceived& fragment) {
    if (!me.streaming_in_progress) {
      me.streaming_in_progress = true;
      me.streamed = {fragment.type, {}};
    }
    check(fragment.type == me.streamed.type, "fragments keep their message's type");
    me.streamed.data.insert(me.streamed.data.end(), fragment.data.begin(), fragment.data.end());
    const Message& sending = peer.messages_out.empty() ? peer.fragments : peer.messages_out.front();
    check(sending.type == me.streamed.type && starts_with(sending.data, me.streamed.data),
          "streamed pieces are the start of the message being sent");
    if (!fragment.message_finished) return;
    check(!peer.messages_out.empty() && sending.data == me.streamed.data,
          "a streamed message ends where its sender ended it");
    peer.messages_out.pop_front();
    me.streaming_in_progress = false;
  }

  // RFC 7692 §7.1: what both sides put in force honours what each asked for.
  void check_deflate_agreement(const HandshakeResponse& response) {
    const DeflateOptions& server = server_.connection.options().deflate;
    const DeflateOptions& client = client_.connection.options().deflate;
    const auto agreed = client_.connection.deflate_agreement();
    check(agreed == server_.connection.deflate_agreement(), "both sides agree on deflate");
    check(agreed.has_value() == (server.enabled && client.enabled),
          "permessage-deflate is in force when both sides want it");
    const auto named = std::count_if(
        response.extensions().begin(), response.extensions().end(),
        [](const ExtensionOffer& element) { return element.name == permessage_deflate_name; });
    check(named == (agreed ? 1 : 0), "the response names permessage-deflate once, if agreed");
    if (!agreed) return;
    // §7.1.1: a side that asked for no context takeover gets it.
    check(agreed->server_no_context_takeover ==
              (server.no_context_takeover || client.peer_no_context_takeover),
          "server_no_context_takeover as asked");
    check(agreed->client_no_context_takeover ==
              (client.no_context_takeover || server.peer_no_context_takeover),
          "client_no_context_takeover as asked");
    // §7.1.2: windows no larger than asked for (a side may compress with a smaller one).
    const auto at_most = [](std::uint8_t bits, std::optional<std::uint8_t> limit) {
      return !limit || bits <= *limit;
    };
    check(agreed->server_max_window_bits <= server.window_bits &&
              at_most(agreed->server_max_window_bits, client.peer_max_window_bits),
          "server_max_window_bits within what both sides asked");
    check(at_most(agreed->client_max_window_bits, server.peer_max_window_bits),
          "client_max_window_bits within what the server asked");
  }

  void answer_request() {
    Connection& server = server_.connection;
    if (config_ & 0x40) {
      check(server.reject(403, "go away") == ApiError::none, "reject() works");
      server_.failed = true;
      return;
    }
    std::optional<std::string_view> named;
    if (config_ & 0x80) named = expected_subprotocol_;
    check(server.accept({.subprotocol = named}) == ApiError::none, "accept() works");
    server_.open = true;
  }

  // Delivers everything both ways until nothing moves.
  void flush() {
    for (int round = 0; round < 64; ++round) {
      const bool moved_up = transfer(client_, server_, 0);
      const bool moved_down = transfer(server_, client_, 0);
      if (!moved_up && !moved_down) return;
    }
    violated("delivery settles");
  }

  void finish() {
    flush();
    if (server_.failed) {
      check(client_.failed, "the client learns of the rejection");
      check(client_.connection.state() == ConnectionState::failed &&
                server_.connection.state() == ConnectionState::closed,
            "a rejected handshake closes both sides");
      return;
    }
    check(server_.open && client_.open, "the opening handshake completes");
    if (!server_.close_sent && !client_.close_sent) {
      Side& closer = (closer_ & 1) ? client_ : server_;
      check(closer.connection.close(close_code::going_away, "done") == ApiError::none,
            "close() works while open");
      closer.close_sent = CloseFrame{close_code::going_away,
                                     Bytes(as_bytes("done").begin(), as_bytes("done").end())};
    }
    flush();
    for (const Side* side : {&server_, &client_}) {
      check(side->close_received && side->connection.state() == ConnectionState::closed,
            "the closing handshake completes on both sides");
      check(side->messages_out.empty() && side->pings_out.empty() && side->pongs_out.empty(),
            "everything sent arrives");
    }
    check(server_.connection.transport_action() == TransportAction::close_when_flushed &&
              client_.connection.transport_action() == TransportAction::await_peer_close,
          "the server closes the TCP connection first (RFC 6455 7.1.1)");
    // The server closes the stream: the client has nothing more to report.
    client_.connection.receive_eof();
    check(!client_.connection.next_event(), "no event after a clean close");
  }

  std::uint8_t config_;
  std::uint8_t seed_;
  std::uint8_t closer_;
  Side server_;
  Side client_;
  std::vector<std::string_view> offered_;
  std::string_view expected_subprotocol_;
};

}  // namespace
}  // namespace wscore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wscore::fuzz::InputReader input(data, size);
  const std::uint8_t config = input.byte();
  const std::uint8_t seed = input.byte();
  const std::uint8_t subprotocols = input.byte();
  const std::uint8_t server_deflate = (subprotocols & 0x80) ? input.byte() : 0x04;
  const std::uint8_t client_deflate = (subprotocols & 0x80) ? input.byte() : 0x04;
  wscore::fuzz::BackToBack peers(config, seed, subprotocols, server_deflate, client_deflate);
  peers.run(input);
  return 0;
}
