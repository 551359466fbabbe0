// SPDX-License-Identifier: MIT
// A small command-line parser: `--name value`, `--name=value`, boolean `--flag`, positionals,
// and one-letter aliases (`-H value`, `-n`) for the options people type most.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wscore::cli {

class Arguments {
 public:
  // `with_value`: options that take a value; `flags`: options that do not. Anything else is an
  // error (error() says which).
  Arguments(int argc, char** argv, const std::set<std::string>& with_value,
            const std::set<std::string>& flags);
  // The same, where `-c` stands for `--short_names[c]` (a value option or a flag).
  Arguments(int argc, char** argv, const std::set<std::string>& with_value,
            const std::set<std::string>& flags, const std::map<char, std::string>& short_names);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;  // repeated options
  const std::vector<std::string>& positionals() const { return positionals_; }

  // A number option, checked against [min, max]; sets error() on failure.
  std::uint64_t number(const std::string& name, std::uint64_t fallback, std::uint64_t min,
                       std::uint64_t max);
  // A decimal option (such as seconds, "0.5"), checked against [min, max]; sets error() on
  // failure.
  double decimal(const std::string& name, double fallback, double min, double max);

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positionals_;
  std::string error_;
};

}  // namespace wscore::cli
