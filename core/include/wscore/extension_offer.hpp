// SPDX-License-Identifier: MIT
// The Sec-WebSocket-Extensions header (RFC 6455 §9.1): a comma list of extensions, each a token
// with `;`-separated parameters, each a token with an optional token or quoted-string value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wscore {

struct ExtensionParameter {
  std::string name;
  std::optional<std::string> value;  // unquoted; nullopt when the parameter has no value
  friend bool operator==(const ExtensionParameter&, const ExtensionParameter&) = default;
};

struct ExtensionOffer {
  std::string name;
  std::vector<ExtensionParameter> parameters;
  friend bool operator==(const ExtensionOffer&, const ExtensionOffer&) = default;
};

// Appends the offers in `header_value` to `offers`. Returns false (and leaves `offers` in an
// unspecified state) if the value does not follow the §9.1 grammar. An empty value is valid.
[[nodiscard]] bool parse_extension_offers(std::string_view header_value,
                                          std::vector<ExtensionOffer>& offers);

// Formats offers back into a header value ("a; x=1, b"); quotes values that are not tokens.
[[nodiscard]] std::string format_extension_offers(const std::vector<ExtensionOffer>& offers);

}  // namespace wscore
