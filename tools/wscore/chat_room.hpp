// SPDX-License-Identifier: MIT
// The /chat protocol of `wscore serve`: who is in the room (one roster for every event loop) and
// the small JSON messages the demo page speaks. Documented in README.md and in demo_page.hpp.
//
//   client -> server   {"type":"join","name":"alice"}       take a name (once per connection)
//                      {"type":"message","text":"hello"}    say something
//   server -> client   {"type":"welcome","name":"alice","online":[...],"time":T}  to the joiner:
//                          the name it got (made unique: "alice-2"), who is online
//                      {"type":"join","name":N,"online":[...],"time":T}    to everyone
//                      {"type":"leave","name":N,"online":[...],"time":T}   to everyone
//                      {"type":"message","name":N,"text":S,"time":T}       to everyone
//                      {"type":"error","text":S}                           to the sender
// T is RFC 3339 UTC. Any other message (plain text, binary, other JSON) is relayed to every
// /chat peer as it came, so `wscore connect wss://host/chat` or wscat still chat.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wscore::cli {

// Thread-safe: the sessions of every loop join the one room.
class ChatRoster {
 public:
  struct Change {
    std::string name;                 // the member's name
    std::vector<std::string> online;  // everyone in the room after the change, by name
  };
  // The name `wanted` made valid and unique; nullopt if `member` has joined already.
  std::optional<Change> join(std::uint64_t member, std::string_view wanted);
  // nullopt if `member` never joined.
  std::optional<Change> leave(std::uint64_t member);
  // The member's name, if it joined.
  std::optional<std::string> name_of(std::uint64_t member) const;

 private:
  std::vector<std::string> names() const;  // under mutex_

  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::string> members_;  // session id -> name
};

// What a message from a /chat peer asks for.
struct ChatJoin {
  std::string name;
};
struct ChatSay {
  std::string text;
};
struct ChatRelay {};  // not our protocol: pass it on unchanged
using ChatCommand = std::variant<ChatJoin, ChatSay, ChatRelay>;
ChatCommand parse_chat_command(std::string_view text);

// The server's messages (see the file's comment).
std::string chat_welcome(const ChatRoster::Change& change);
std::string chat_presence(std::string_view type, const ChatRoster::Change& change);
std::string chat_message(std::string_view name, std::string_view text);
std::string chat_error(std::string_view text);

}  // namespace wscore::cli
