// SPDX-License-Identifier: MIT
#include "arguments.hpp"

#include <charconv>
#include <cstdio>

namespace wscore::cli {

Arguments::Arguments(int argc, char** argv, const std::set<std::string>& with_value,
                     const std::set<std::string>& flags)
    : Arguments(argc, argv, with_value, flags, {}) {}

Arguments::Arguments(int argc, char** argv, const std::set<std::string>& with_value,
                     const std::set<std::string>& flags,
                     const std::map<char, std::string>& short_names) {
  for (int i = 0; i < argc; ++i) {
    std::string argument = argv[i];
    std::string name;
    std::optional<std::string> inline_value;
    if (argument.size() == 2 && argument[0] == '-' && argument[1] != '-') {
      const auto alias = short_names.find(argument[1]);
      if (alias == short_names.end()) {
        error_ = "unknown option " + argument;
        return;
      }
      name = alias->second;
    } else if (!argument.starts_with("--") || argument == "--") {
      positionals_.push_back(argument);
      continue;
    } else {
      name = argument.substr(2);
      if (const auto equals = name.find('='); equals != std::string::npos) {
        inline_value = name.substr(equals + 1);
        name = name.substr(0, equals);
      }
    }
    if (flags.count(name)) {
      if (inline_value) {
        error_ = "--" + name + " takes no value";
        return;
      }
      values_.emplace(name, "");
    } else if (with_value.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          error_ = "--" + name + " needs a value";
          return;
        }
        inline_value = argv[++i];
      }
      values_.emplace(name, *inline_value);
    } else {
      error_ = "unknown option --" + name;
      return;
    }
  }
}

std::optional<std::string> Arguments::value(const std::string& name) const {
  const auto found = values_.find(name);
  if (found == values_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::string> Arguments::values(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = values_.equal_range(name); it != end; ++it)
    out.push_back(it->second);
  return out;
}

std::uint64_t Arguments::number(const std::string& name, std::uint64_t fallback, std::uint64_t min,
                                std::uint64_t max) {
  const auto text = value(name);
  if (!text) return fallback;
  std::uint64_t parsed = 0;
  const auto [end, status] = std::from_chars(text->data(), text->data() + text->size(), parsed);
  if (status != std::errc() || end != text->data() + text->size() || parsed < min || parsed > max) {
    error_ = "--" + name + ": expected a number from " + std::to_string(min) + " to " +
             std::to_string(max) + ", got '" + *text + "'";
    return fallback;
  }
  return parsed;
}

double Arguments::decimal(const std::string& name, double fallback, double min, double max) {
  const auto text = value(name);
  if (!text) return fallback;
  double parsed = 0;
  const auto [end, status] = std::from_chars(text->data(), text->data() + text->size(), parsed);
  if (status != std::errc() || end != text->data() + text->size() || !(parsed >= min) ||
      !(parsed <= max)) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", min, max);
    error_ = "--" + name + ": expected a number from " + range + ", got '" + *text + "'";
    return fallback;
  }
  return parsed;
}

}  // namespace wscore::cli
