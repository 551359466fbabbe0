// SPDX-License-Identifier: MIT
#include "chat_room.hpp"

#include <algorithm>

#include "json.hpp"
#include "timestamp.hpp"

namespace wscore::cli {
namespace {

constexpr std::size_t max_name_bytes = 32;

// Control characters out, spaces trimmed, at most 32 bytes cut at a character boundary.
std::string clean_name(std::string_view wanted) {
  std::string name;
  for (const char c : wanted) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) name += c;
  }
  const auto first = name.find_first_not_of(' ');
  name =
      first == std::string::npos ? "" : name.substr(first, name.find_last_not_of(' ') + 1 - first);
  if (name.size() > max_name_bytes) {
    std::size_t cut = max_name_bytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
      --cut;
    name.resize(cut);
  }
  return name;
}

std::string json_names(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const std::string& name : names) {
    if (out.size() > 1) out += ",";
    out += json_string(name);
  }
  return out + "]";
}

}  // namespace

std::optional<ChatRoster::Change> ChatRoster::join(std::uint64_t member, std::string_view wanted) {
  std::lock_guard lock(mutex_);
  if (members_.count(member)) return std::nullopt;
  std::string base = clean_name(wanted);
  if (base.empty()) base = "guest";
  const std::vector<std::string> taken = names();
  std::string name = base;
  for (int suffix = 2; std::find(taken.begin(), taken.end(), name) != taken.end(); ++suffix) {
    name = base + "-" + std::to_string(suffix);
  }
  members_[member] = name;
  return Change{name, names()};
}

std::optional<ChatRoster::Change> ChatRoster::leave(std::uint64_t member) {
  std::lock_guard lock(mutex_);
  const auto found = members_.find(member);
  if (found == members_.end()) return std::nullopt;
  std::string name = std::move(found->second);
  members_.erase(found);
  return Change{std::move(name), names()};
}

std::optional<std::string> ChatRoster::name_of(std::uint64_t member) const {
  std::lock_guard lock(mutex_);
  const auto found = members_.find(member);
  if (found == members_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::string> ChatRoster::names() const {
  std::vector<std::string> names;
  for (const auto& [member, name] : members_)
    names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

ChatCommand parse_chat_command(std::string_view text) {
  const auto members = parse_flat_json_object(text);
  if (!members) return ChatRelay{};
  const auto member = [&](const char* name) -> const std::string* {
    const auto found = members->find(name);
    return found == members->end() ? nullptr : &found->second;
  };
  const std::string* type = member("type");
  if (!type) return ChatRelay{};
  if (*type == "join") return ChatJoin{member("name") ? *member("name") : ""};
  if (*type == "message" && member("text")) return ChatSay{*member("text")};
  return ChatRelay{};
}

std::string chat_welcome(const ChatRoster::Change& change) {
  return chat_presence("welcome", change);
}

std::string chat_presence(std::string_view type, const ChatRoster::Change& change) {
  return "{\"type\":" + json_string(type) + ",\"name\":" + json_string(change.name) +
         ",\"online\":" + json_names(change.online) + ",\"time\":" + json_string(rfc3339_now()) +
         "}";
}

std::string chat_message(std::string_view name, std::string_view text) {
  return "{\"type\":\"message\",\"name\":" + json_string(name) + ",\"text\":" + json_string(text) +
         ",\"time\":" + json_string(rfc3339_now()) + "}";
}

std::string chat_error(std::string_view text) {
  return "{\"type\":\"error\",\"text\":" + json_string(text) + "}";
}

}  // namespace wscore::cli
