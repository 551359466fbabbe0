// SPDX-License-Identifier: MIT
// No code of its own: the shared libraries made here for the export check consist of the
// static wscore libraries' objects, linked whole (see CMakeLists.txt).
