# SPDX-License-Identifier: MIT
# Fails if any C++ source under core/, transport/, tools/, fuzz/ or tests/ is not formatted.
file(GLOB_RECURSE sources
     ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/core/*.hpp
     ${SOURCE_DIR}/transport/*.cpp ${SOURCE_DIR}/transport/*.hpp
     ${SOURCE_DIR}/tools/*.cpp ${SOURCE_DIR}/tools/*.hpp
     ${SOURCE_DIR}/fuzz/*.cpp ${SOURCE_DIR}/fuzz/*.hpp
     ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${sources}
                RESULT_VARIABLE result ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "clang-format: files need formatting:\n${errors}")
endif()
