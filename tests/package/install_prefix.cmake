# SPDX-License-Identifier: MIT
# The consumer tests' fixture: installs this build into a fresh prefix with `cmake --install
# --prefix` and checks that what the consumers rely on is there, the pkg-config files naming
# that prefix.
#   cmake -DBUILD_DIR=... -DPREFIX=... -DFILES=include/wscore/connection.hpp|... -P install_prefix.cmake
# FILES is separated by "|", since ctest would split it at ";".
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX}: failed (${result})")
endif()

string(REPLACE "|" ";" FILES "${FILES}")
foreach(file IN LISTS FILES)
  if(NOT EXISTS ${PREFIX}/${file})
    message(FATAL_ERROR "not installed: ${PREFIX}/${file}")
  endif()
  if(file MATCHES "\\.pc$")
    file(STRINGS ${PREFIX}/${file} prefix_line REGEX "^prefix=")
    if(NOT prefix_line STREQUAL "prefix=${PREFIX}")
      message(FATAL_ERROR "${file}: ${prefix_line}, expected prefix=${PREFIX}")
    endif()
  endif()
endforeach()
