# SPDX-License-Identifier: MIT
# Builds one consumer project of tests/consumer/ in a fresh directory, with CMake or with make,
# and runs the programs it made; the first step that fails fails the test, with its output.
#   cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DTOOL=cmake|make -DGENERATOR=... -DMAKE=make
#         -DCXX=... [-DCXX_FLAGS="..."] [-DARGS=a|b] [-DENV=NAME=value|...] -DPROGRAMS=a|b
#         -P build_consumer.cmake
# CXX_FLAGS go to compiling and linking (the sanitizer build's flags). ARGS are cache entries
# (cmake) or variables (make). Lists are separated by "|", since ctest would split them at ";".
cmake_minimum_required(VERSION 3.25)

foreach(list ARGS ENV PROGRAMS)
  string(REPLACE "|" ";" ${list} "${${list}}")
endforeach()

function(run step)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${ENV} ${ARGN} WORKING_DIRECTORY ${BINARY_DIR}
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${step} failed (${result}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE ${BINARY_DIR})
file(MAKE_DIRECTORY ${BINARY_DIR})
if(TOOL STREQUAL "cmake")
  # CMake passes CMAKE_CXX_FLAGS to the link step too.
  run(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -G "${GENERATOR}"
      -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" ${ARGS})
  run(build ${CMAKE_COMMAND} --build ${BINARY_DIR})
elseif(TOOL STREQUAL "make")
  run(build ${MAKE} -f ${SOURCE_DIR}/Makefile SOURCE_DIR=${SOURCE_DIR} CXX=${CXX}
      "CXXFLAGS=${CXX_FLAGS}" "LDFLAGS=${CXX_FLAGS}" ${ARGS})
else()
  message(FATAL_ERROR "TOOL is cmake or make, not '${TOOL}'")
endif()

foreach(program IN LISTS PROGRAMS)
  run(${program} ${BINARY_DIR}/${program})
endforeach()
