// SPDX-License-Identifier: MIT
// The subcommands of the `wscore` command line. Each returns the process exit code:
// 0 success, 1 runtime failure (refused, TLS, protocol), 2 usage or setup error.
#pragma once

namespace wscore::cli {

int serve(int argc, char** argv);
int connect(int argc, char** argv);
int dump(int argc, char** argv);
int bench(int argc, char** argv);

}  // namespace wscore::cli
