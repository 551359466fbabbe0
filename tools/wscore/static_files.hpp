// SPDX-License-Identifier: MIT
// `wscore serve --static DIR`: GET and HEAD of the files under one directory, with conditional
// requests (RFC 9110 §13), and no way out of it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "wscore/handshake_request.hpp"
#include "wscore/transport/server.hpp"

namespace wscore::cli {

class StaticFiles {
 public:
  // The largest file served: a response is built whole in memory before it is sent.
  static constexpr std::uintmax_t max_file_size = 64 << 20;

  // nullopt (and `error` set) if `root` is not a readable directory.
  static std::optional<StaticFiles> open(const std::filesystem::path& root, std::string& error);

  // The answer to a GET or HEAD of `request`'s path: the file, a 304, a redirect to the
  // directory's slash, or 404 (missing, not a regular file, or outside the directory: a
  // percent-decoded "..", a symlink that leads out, a NUL); 400 for bad percent-encoding.
  [[nodiscard]] transport::HttpResponse answer(const HandshakeRequest& request) const;
  // Whether the directory has its own index.html (then it, not the demo page, is at "/").
  [[nodiscard]] bool has_index() const;

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
  // The canonical file for a decoded path, if it is inside root_.
  [[nodiscard]] std::optional<std::filesystem::path> resolve(std::string_view decoded) const;

  std::filesystem::path root_;  // canonical
};

// RFC 3986 §2.1: "%2e%2E" -> "..". nullopt for a '%' not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

// The Content-Type for a file name, by its extension (application/octet-stream if unknown).
std::string_view content_type_for(std::string_view file_name);

}  // namespace wscore::cli
