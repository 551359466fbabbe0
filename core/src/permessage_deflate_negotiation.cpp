// SPDX-License-Identifier: MIT
// permessage-deflate negotiation (RFC 7692 §5, §7.1): reading and writing the parameters, the
// server's choice among offers, the client's check of the response.
#include <algorithm>

#include "wscore/permessage_deflate.hpp"

namespace wscore {
namespace {

constexpr std::string_view server_no_context_takeover = "server_no_context_takeover";
constexpr std::string_view client_no_context_takeover = "client_no_context_takeover";
constexpr std::string_view server_max_window_bits = "server_max_window_bits";
constexpr std::string_view client_max_window_bits = "client_max_window_bits";

// RFC 7692 §7.1.2.1: "a decimal integer value without leading zeroes between 8 to 15".
std::optional<std::uint8_t> parse_window_bits(std::string_view text) noexcept {
  if (text.size() == 1 && text[0] >= '8' && text[0] <= '9') {
    return static_cast<std::uint8_t>(text[0] - '0');
  }
  if (text.size() == 2 && text[0] == '1' && text[1] >= '0' && text[1] <= '5') {
    return static_cast<std::uint8_t>(10 + (text[1] - '0'));
  }
  return std::nullopt;
}

bool is_window_bits(std::uint8_t bits) noexcept {
  return bits >= min_window_bits && bits <= max_window_bits;
}

std::uint8_t at_most(std::optional<std::uint8_t> limit, std::uint8_t bits) noexcept {
  return limit ? std::min(*limit, bits) : bits;
}

}  // namespace

std::string_view validate_deflate_options(const DeflateOptions& options) noexcept {
  if (!is_window_bits(options.window_bits)) return "window_bits must be 8-15";
  if (options.memory_level < 1 || options.memory_level > 9) return "memory_level must be 1-9";
  if (options.compression_level > 9) return "compression_level must be 0-9";
  if (options.peer_max_window_bits && !is_window_bits(*options.peer_max_window_bits)) {
    return "peer_max_window_bits must be 8-15";
  }
  return {};
}

DeflateParametersRead read_deflate_parameters(const ExtensionOffer& element,
                                              DeflateElementKind kind) {
  DeflateParameters parameters;
  bool seen_server_window = false;
  bool seen_client_window = false;
  for (const ExtensionParameter& parameter : element.parameters) {
    const std::string_view name = parameter.name;
    if (name == server_no_context_takeover || name == client_no_context_takeover) {
      // §7.1.1.1, §7.1.1.2: these parameters have no value.
      bool& flag = name == server_no_context_takeover ? parameters.server_no_context_takeover
                                                      : parameters.client_no_context_takeover;
      if (flag) return {std::nullopt, "repeated permessage-deflate parameter"};
      if (parameter.value) return {std::nullopt, "no_context_takeover parameter with a value"};
      flag = true;
    } else if (name == server_max_window_bits || name == client_max_window_bits) {
      const bool server = name == server_max_window_bits;
      bool& seen = server ? seen_server_window : seen_client_window;
      if (seen) return {std::nullopt, "repeated permessage-deflate parameter"};
      seen = true;
      std::optional<std::uint8_t>& bits =
          server ? parameters.server_max_window_bits : parameters.client_max_window_bits;
      if (!parameter.value) {
        // §7.1.2.2: only client_max_window_bits, and only in an offer, may have no value.
        if (server || kind == DeflateElementKind::response) {
          return {std::nullopt, "max_window_bits parameter without a value"};
        }
        bits = DeflateParameters::no_value;
        continue;
      }
      bits = parse_window_bits(*parameter.value);
      if (!bits) return {std::nullopt, "max_window_bits value is not 8-15"};
    } else {
      return {std::nullopt, "unknown permessage-deflate parameter"};
    }
  }
  return {parameters, {}};
}

std::string format_deflate_agreement(const DeflateAgreement& agreement) {
  DeflateParameters parameters;
  parameters.server_no_context_takeover = agreement.server_no_context_takeover;
  parameters.client_no_context_takeover = agreement.client_no_context_takeover;
  if (agreement.server_max_window_bits != max_window_bits) {
    parameters.server_max_window_bits = agreement.server_max_window_bits;
  }
  if (agreement.client_max_window_bits != max_window_bits) {
    parameters.client_max_window_bits = agreement.client_max_window_bits;
  }
  return format_deflate_parameters(parameters);
}

std::string format_deflate_parameters(const DeflateParameters& parameters) {
  std::string out(permessage_deflate_name);
  if (parameters.server_no_context_takeover) {
    out.append("; ").append(server_no_context_takeover);
  }
  if (parameters.client_no_context_takeover) {
    out.append("; ").append(client_no_context_takeover);
  }
  if (parameters.server_max_window_bits) {
    out.append("; ").append(server_max_window_bits);
    out.append("=").append(std::to_string(*parameters.server_max_window_bits));
  }
  if (parameters.client_max_window_bits) {
    out.append("; ").append(client_max_window_bits);
    if (*parameters.client_max_window_bits != DeflateParameters::no_value) {
      out.append("=").append(std::to_string(*parameters.client_max_window_bits));
    }
  }
  return out;
}

std::optional<DeflateAcceptance> accept_deflate_offer(std::span<const ExtensionOffer> offers,
                                                      const DeflateOptions& options) {
  for (std::size_t index = 0; index < offers.size(); ++index) {
    const ExtensionOffer& element = offers[index];
    if (element.name != permessage_deflate_name) continue;
    // RFC 7692 §5.1: decline an offer with unknown or invalid parameters and try the next one.
    const DeflateParametersRead read = read_deflate_parameters(element, DeflateElementKind::offer);
    if (!read.parameters) continue;
    const DeflateParameters& offer = *read.parameters;

    DeflateAcceptance acceptance{index, {}, {}};
    DeflateParameters& response = acceptance.response;
    DeflateAgreement& agreement = acceptance.agreement;
    // §7.1.1.1: an offered server_no_context_takeover must be echoed; the server may add it.
    response.server_no_context_takeover =
        offer.server_no_context_takeover || options.no_context_takeover;
    // §7.1.1.2: the server may add client_no_context_takeover; echoing the client's hint makes
    // it binding, so our decompressor may drop its window between messages.
    response.client_no_context_takeover =
        offer.client_no_context_takeover || options.peer_no_context_takeover;
    // §7.1.2.1: answer an offered limit with the same or a smaller value; add one if we use less.
    const std::uint8_t server_bits = at_most(offer.server_max_window_bits, options.window_bits);
    if (offer.server_max_window_bits || server_bits < max_window_bits) {
      response.server_max_window_bits = server_bits;
    }
    // §7.1.2.2: only if the client offered client_max_window_bits may the answer limit it; a
    // value in the offer is a hint that the client uses no more.
    std::uint8_t client_bits = max_window_bits;
    if (offer.client_max_window_bits) {
      if (*offer.client_max_window_bits != DeflateParameters::no_value) {
        client_bits = *offer.client_max_window_bits;
      }
      client_bits = at_most(options.peer_max_window_bits, client_bits);
      if (client_bits < max_window_bits) response.client_max_window_bits = client_bits;
    }
    agreement.server_no_context_takeover = response.server_no_context_takeover;
    agreement.client_no_context_takeover = response.client_no_context_takeover;
    agreement.server_max_window_bits = server_bits;
    agreement.client_max_window_bits = client_bits;
    return acceptance;
  }
  return std::nullopt;
}

DeflateParameters make_deflate_offer(const DeflateOptions& options) {
  DeflateParameters offer;
  offer.server_no_context_takeover = options.peer_no_context_takeover;
  offer.client_no_context_takeover = options.no_context_takeover;
  if (options.peer_max_window_bits && *options.peer_max_window_bits < max_window_bits) {
    offer.server_max_window_bits = options.peer_max_window_bits;
  }
  // Always offered, without a value: the server may then limit our window (and save its own
  // memory) to any size, and we compress with the smaller of its answer and window_bits
  // (§7.1.2.2). A value would bind the server to at most it, which servers in the field
  // (Autobahn's among them) do not all honour, and browsers send none either.
  offer.client_max_window_bits = DeflateParameters::no_value;
  return offer;
}

DeflateResponseCheck check_deflate_response(std::span<const ExtensionOffer> extensions,
                                            const DeflateParameters& offer) {
  const auto is_deflate = [](const ExtensionOffer& element) {
    return element.name == permessage_deflate_name;
  };
  const auto count = std::count_if(extensions.begin(), extensions.end(), is_deflate);
  if (count == 0) return {std::nullopt, {}};
  if (count > 1) return {std::nullopt, "server accepted permessage-deflate twice"};
  const ExtensionOffer& element = *std::find_if(extensions.begin(), extensions.end(), is_deflate);
  const DeflateParametersRead read = read_deflate_parameters(element, DeflateElementKind::response);
  if (!read.parameters) return {std::nullopt, read.what};
  const DeflateParameters& response = *read.parameters;

  DeflateAgreement agreement;
  // §7.1.1.1: a requested server_no_context_takeover must be accepted; the server may add it.
  if (offer.server_no_context_takeover && !response.server_no_context_takeover) {
    return {std::nullopt, "server did not accept server_no_context_takeover"};
  }
  agreement.server_no_context_takeover = response.server_no_context_takeover;
  // §7.1.1.2: the server may require client_no_context_takeover; our own offer of it binds us.
  agreement.client_no_context_takeover =
      response.client_no_context_takeover || offer.client_no_context_takeover;
  // §7.1.2.1: an offered limit must be answered with the same or a smaller value; without one
  // in the offer the server may still state the window it uses.
  if (offer.server_max_window_bits) {
    if (!response.server_max_window_bits) {
      return {std::nullopt, "server did not accept server_max_window_bits"};
    }
    if (*response.server_max_window_bits > *offer.server_max_window_bits) {
      return {std::nullopt, "server_max_window_bits larger than offered"};
    }
  }
  agreement.server_max_window_bits = response.server_max_window_bits.value_or(max_window_bits);
  // §7.1.2.2: client_max_window_bits only if offered, then at most the offered value; without
  // it in the response, our offered value (if any) still binds us.
  if (response.client_max_window_bits) {
    if (!offer.client_max_window_bits) {
      return {std::nullopt, "client_max_window_bits in the response but not in the offer"};
    }
    if (*offer.client_max_window_bits != DeflateParameters::no_value &&
        *response.client_max_window_bits > *offer.client_max_window_bits) {
      return {std::nullopt, "client_max_window_bits larger than offered"};
    }
    agreement.client_max_window_bits = *response.client_max_window_bits;
  } else if (offer.client_max_window_bits &&
             *offer.client_max_window_bits != DeflateParameters::no_value) {
    agreement.client_max_window_bits = *offer.client_max_window_bits;
  }
  return {agreement, {}};
}

}  // namespace wscore
