// SPDX-License-Identifier: MIT
// Fault injection for the out-of-resource tests (tests/faults/fault_test.py): preloaded into
// `wscore serve`, it makes calls fail as a machine out of memory makes them fail, while the file
// named by WSCORE_FAULTS holds the fault's name (a line each; the test writes and empties it):
//   accept   accept4() fails with ENOBUFS (the kernel out of socket memory)
//   calloc   calloc() of 16 KiB or more returns NULL (where mbedTLS takes its record buffers)
//   malloc   malloc() and realloc() of 1 MiB or more return NULL (a large message's buffer)
// Smaller blocks are left alone, so that the rest of the process goes on as it would.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
}

namespace {
constexpr std::size_t large_calloc = 16 * 1024;
constexpr std::size_t large_malloc = 1024 * 1024;

// Whether the faults file names `fault` now. Only open/read/close: nothing that allocates.
bool fault_on(const char* fault) {
  const char* path = std::getenv("WSCORE_FAULTS");
  if (path == nullptr) return false;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char faults[256];
  const ssize_t length = read(fd, faults, sizeof faults - 1);
  close(fd);
  if (length <= 0) return false;
  faults[length] = '\0';
  const std::size_t name_length = std::strlen(fault);
  for (const char* line = faults; *line != '\0';) {
    const char* end = std::strchr(line, '\n');
    const std::size_t line_length =
        end != nullptr ? static_cast<std::size_t>(end - line) : std::strlen(line);
    if (line_length == name_length && std::memcmp(line, fault, name_length) == 0) return true;
    if (end == nullptr) break;
    line = end + 1;
  }
  return false;
}
}  // namespace

extern "C" {

void* malloc(std::size_t size) noexcept {
  if (size >= large_malloc && fault_on("malloc")) {
    errno = ENOMEM;
    return nullptr;
  }
  return __libc_malloc(size);
}

void* realloc(void* block, std::size_t size) noexcept {
  if (size >= large_malloc && fault_on("malloc")) {
    errno = ENOMEM;
    return nullptr;
  }
  return __libc_realloc(block, size);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  if (size != 0 && count >= large_calloc / size && fault_on("calloc")) {
    errno = ENOMEM;
    return nullptr;
  }
  return __libc_calloc(count, size);
}

int accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  using Accept4 = int (*)(int, sockaddr*, socklen_t*, int);
  static const auto real_accept4 = reinterpret_cast<Accept4>(dlsym(RTLD_NEXT, "accept4"));
  if (fault_on("accept")) {
    errno = ENOBUFS;
    return -1;
  }
  return real_accept4(fd, address, length, flags);
}
}  // extern "C"
