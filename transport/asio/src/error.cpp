// SPDX-License-Identifier: MIT
#include "wscore/asio/error.hpp"

#include <string>

namespace wscore::asio {
namespace {

class StreamErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "wscore.asio"; }
  std::string message(int value) const override {
    switch (static_cast<Error>(value)) {
      case Error::closed:
        return "the WebSocket connection was closed";
      case Error::protocol_error:
        return "the peer broke the WebSocket protocol";
      case Error::connection_lost:
        return "the WebSocket connection was lost";
      case Error::handshake_failed:
        return "the WebSocket opening handshake failed";
      case Error::timeout:
        return "the WebSocket connection timed out";
    }
    return "unknown wscore.asio error";
  }
};

class ApiErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "wscore.api"; }
  std::string message(int value) const override { return to_string(static_cast<ApiError>(value)); }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const StreamErrorCategory category;
  return category;
}

const boost::system::error_category& api_error_category() noexcept {
  static const ApiErrorCategory category;
  return category;
}

}  // namespace wscore::asio
