// SPDX-License-Identifier: MIT
/// @file
/// The Sec-WebSocket-Extensions header (RFC 6455 §9.1): a comma list of extensions, each a token
/// with `;`-separated parameters, each a token with an optional token or quoted-string value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wscore {

/// One parameter of an extension element, e.g. `client_max_window_bits=10`. A value: it owns its
/// strings.
struct ExtensionParameter {
  /// The parameter's name (a token).
  std::string name;
  std::optional<std::string> value;  ///< unquoted; nullopt when the parameter has no value
  /// Equal names and values.
  friend bool operator==(const ExtensionParameter&, const ExtensionParameter&) = default;
};

/// One element of a Sec-WebSocket-Extensions value: an extension's name and its parameters, in
/// order. A value: it owns its strings.
struct ExtensionOffer {
  /// The extension's name (a token), e.g. "permessage-deflate".
  std::string name;
  /// Its parameters, in the order written.
  std::vector<ExtensionParameter> parameters;
  /// Equal names and parameters.
  friend bool operator==(const ExtensionOffer&, const ExtensionOffer&) = default;
};

/// Appends the offers in `header_value` to `offers`. Returns false (and leaves `offers` in an
/// unspecified state) if the value does not follow the §9.1 grammar. An empty value is valid.
/// The offers copy what they hold: `header_value` may go away after the call.
[[nodiscard]] bool parse_extension_offers(std::string_view header_value,
                                          std::vector<ExtensionOffer>& offers);

/// Formats offers back into a header value ("a; x=1, b"); quotes values that are not tokens.
[[nodiscard]] std::string format_extension_offers(const std::vector<ExtensionOffer>& offers);

}  // namespace wscore
