// SPDX-License-Identifier: MIT
// The little JSON the server speaks (the /chat protocol, --log-json, /inspect reports): string
// escaping, and reading one flat object of string, number and boolean members (RFC 8259).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wscore::cli {

// `text` as a JSON string, quotes included (RFC 8259 §7). Text that is not UTF-8 (a path or a
// header from the wire) has each of its non-ASCII bytes written as U+FFFD, so the result is
// always valid JSON.
std::string json_string(std::string_view text);

// The members of a JSON object whose values are strings, numbers, booleans or null (kept as the
// text of the value; strings unescaped). nullopt for anything else: nested values, bad syntax.
std::optional<std::map<std::string, std::string>> parse_flat_json_object(std::string_view text);

}  // namespace wscore::cli
