// SPDX-License-Identifier: MIT
#include "static_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>

namespace wscore::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view text_suffix = "; charset=utf-8";

struct TypeByExtension {
  std::string_view extension;
  std::string_view type;
  bool text;  // gets "; charset=utf-8"
};
constexpr std::array<TypeByExtension, 26> content_types{{
    {".html", "text/html", true},         {".htm", "text/html", true},
    {".css", "text/css", true},           {".js", "text/javascript", true},  // RFC 9239 §6
    {".mjs", "text/javascript", true},    {".json", "application/json", false},
    {".map", "application/json", false},  {".txt", "text/plain", true},
    {".md", "text/markdown", true},       {".csv", "text/csv", true},
    {".xml", "application/xml", false},   {".svg", "image/svg+xml", false},
    {".png", "image/png", false},         {".jpg", "image/jpeg", false},
    {".jpeg", "image/jpeg", false},       {".gif", "image/gif", false},
    {".webp", "image/webp", false},       {".ico", "image/vnd.microsoft.icon", false},
    {".wasm", "application/wasm", false}, {".pdf", "application/pdf", false},
    {".woff", "font/woff", false},        {".woff2", "font/woff2", false},
    {".mp3", "audio/mpeg", false},        {".wav", "audio/wav", false},
    {".mp4", "video/mp4", false},         {".webm", "video/webm", false},
}};

bool ends_with_ignore_case(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  text.remove_prefix(text.size() - suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
    if (c != suffix[i]) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<const char*, 7> day_names{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// RFC 9110 §5.6.7: IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t time) {
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[96];  // room for any int the compiler imagines (-Wformat-truncation)
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_names[utc.tm_wday],
                utc.tm_mday, month_names[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

// The IMF-fixdate form only (the one a client must send, RFC 9110 §5.6.7); nullopt otherwise,
// and then the condition is ignored (§13.1.3: an invalid date).
std::optional<std::time_t> parse_http_date(std::string_view text) {
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  std::tm utc{};
  const std::string month(text.substr(8, 3));
  int month_index = -1;
  for (int i = 0; i < 12; ++i) {
    if (month == month_names[static_cast<std::size_t>(i)]) month_index = i;
  }
  const std::string fields(text);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (month_index < 0 || std::sscanf(fields.c_str() + 5, "%2d", &day) != 1 ||
      std::sscanf(fields.c_str() + 12, "%4d %2d:%2d:%2d", &year, &hour, &minute, &second) != 4) {
    return std::nullopt;
  }
  utc.tm_mday = day;
  utc.tm_mon = month_index;
  utc.tm_year = year - 1900;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  return timegm(&utc);
}

// RFC 9110 §13.1.2: If-None-Match is "*" or a list of entity tags, compared weakly (a W/
// prefix on either side is ignored).
bool none_match_fails(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  const auto strip_weak = [](std::string_view tag) {
    return tag.starts_with("W/") ? tag.substr(2) : tag;
  };
  const std::string_view ours = strip_weak(etag);
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view tag = header.substr(start, end - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t'))
      tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t'))
      tag.remove_suffix(1);
    if (strip_weak(tag) == ours) return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::string> read_whole_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return content;
}

transport::HttpResponse plain(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body)};
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

std::string_view content_type_for(std::string_view file_name) {
  for (const TypeByExtension& entry : content_types) {
    if (ends_with_ignore_case(file_name, entry.extension)) return entry.type;
  }
  return "application/octet-stream";
}

std::optional<StaticFiles> StaticFiles::open(const fs::path& root, std::string& error) {
  std::error_code failure;
  const fs::path canonical = fs::canonical(root, failure);
  if (failure || !fs::is_directory(canonical, failure)) {
    error = "--static " + root.string() + ": not a directory";
    return std::nullopt;
  }
  return StaticFiles(canonical);
}

bool StaticFiles::has_index() const {
  std::error_code failure;
  return fs::is_regular_file(root_ / "index.html", failure);
}

std::optional<fs::path> StaticFiles::resolve(std::string_view decoded) const {
  // A NUL would cut the name short in the system call; ".." segments are refused before the
  // file system is asked, and what a symlink leads to is checked after (canonical below).
  if (decoded.find('\0') != std::string_view::npos) return std::nullopt;
  fs::path relative;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    std::size_t end = decoded.find('/', start);
    if (end == std::string_view::npos) end = decoded.size();
    const std::string_view segment = decoded.substr(start, end - start);
    if (segment == "..") return std::nullopt;
    if (!segment.empty() && segment != ".") relative /= std::string(segment);
    start = end + 1;
  }
  std::error_code failure;
  const fs::path file = fs::canonical(root_ / relative, failure);
  if (failure) return std::nullopt;
  // Inside the root: the root itself, or a path that continues it after a separator.
  const std::string& root = root_.native();
  const std::string& inside = file.native();
  if (inside != root && !(inside.starts_with(root) && inside[root.size()] == '/')) {
    return std::nullopt;
  }
  return file;
}

transport::HttpResponse StaticFiles::answer(const HandshakeRequest& request) const {
  const std::optional<std::string> decoded = percent_decode(request.path());
  if (!decoded) return plain(400, "bad percent-encoding in the path\n");
  std::optional<fs::path> file = resolve(*decoded);
  std::error_code failure;
  if (file && fs::is_directory(*file, failure)) {
    // A directory's links are relative to its slash: send the browser there first.
    if (!decoded->ends_with('/')) {
      transport::HttpResponse moved = plain(301, "moved\n");
      moved.headers.emplace_back("Location", std::string(request.path()) + "/");
      return moved;
    }
    file = resolve(*decoded + "index.html");
  }
  struct stat status {};
  if (!file || stat(file->c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
    return plain(404, "not found\n");
  }
  if (static_cast<std::uintmax_t>(status.st_size) > max_file_size) {
    return plain(500, "file too large for wscore serve (over 64 MiB)\n");
  }
  std::optional<std::string> content = read_whole_file(*file);
  if (!content) return plain(404, "not found\n");

  // RFC 9110 §8.8.3: an entity tag that changes with the file (size and modification time).
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx%09lx\"",
                static_cast<unsigned long long>(status.st_size),
                static_cast<unsigned long long>(status.st_mtim.tv_sec),
                static_cast<long>(status.st_mtim.tv_nsec));
  const std::string last_modified = http_date(status.st_mtim.tv_sec);

  // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
  bool not_modified = false;
  if (const auto none_match = request.header("If-None-Match")) {
    not_modified = none_match_fails(*none_match, etag);
  } else if (const auto since = request.header("If-Modified-Since")) {
    const auto date = parse_http_date(*since);
    not_modified = date && status.st_mtim.tv_sec <= *date;
  }
  const std::string_view type = content_type_for(file->filename().native());
  const bool text = std::any_of(content_types.begin(), content_types.end(),
                                [&](const auto& e) { return e.type == type && e.text; });
  transport::HttpResponse response{not_modified ? 304 : 200,
                                   std::string(type) + (text ? std::string(text_suffix) : ""),
                                   std::move(*content)};
  response.headers = {{"ETag", etag},
                      {"Last-Modified", last_modified},
                      // Revalidate each time: a developer's edit shows at the next reload.
                      {"Cache-Control", "no-cache"},
                      {"X-Content-Type-Options", "nosniff"}};
  // RFC 9110 §15.4.5: a 304 has no content; §8.6: its Content-Length is that of the 200.
  response.omit_body = not_modified;
  return response;
}

}  // namespace wscore::cli
