# SPDX-License-Identifier: MIT
# Checks a shared wscore library: its SONAME, the library it must depend on (NEEDED, if given),
# and that every symbol it exports belongs to the wscore:: API (tools/cmake/wscore.map), with EXPECTED
# among them and UNEXPECTED (if given) not.
#   cmake -DLIBRARY=libwscore_transport.so.0.2.0 -DSONAME=libwscore_transport.so.0.2
#         -DEXPECTED=symbol [-DUNEXPECTED=symbol] [-DNEEDED=libwscore_core.so.0.2]
#         -DREADELF=readelf -DNM=nm -P check_shared_exports.cmake
cmake_minimum_required(VERSION 3.25)

function(run output)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${ARGN}: failed (${result})")
  endif()
  set(${output} "${text}" PARENT_SCOPE)
endfunction()

run(dynamic_section ${READELF} -d ${LIBRARY})
if(NOT dynamic_section MATCHES "\\(SONAME\\)[^\n]*\\[([^]\n]*)\\]")
  message(FATAL_ERROR "${LIBRARY} has no SONAME")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL SONAME)
  message(FATAL_ERROR "${LIBRARY}: SONAME ${CMAKE_MATCH_1}, expected ${SONAME}")
endif()
if(NEEDED AND NOT dynamic_section MATCHES "\\(NEEDED\\)[^\n]*\\[${NEEDED}\\]")
  message(FATAL_ERROR "${LIBRARY} does not depend on ${NEEDED}:\n${dynamic_section}")
endif()

# nm -D --defined-only -C: "<address> <type> <demangled name>" per line. Read line by line
# without CMake lists, whose splitting would stop at the brackets of a name like "char [16]".
run(symbols ${NM} -D --defined-only -C ${LIBRARY})
set(exported 0)
set(foreign "")
set(expected_found FALSE)
while(NOT symbols STREQUAL "")
  string(FIND "${symbols}" "\n" line_end)
  if(line_end EQUAL -1)
    set(line "${symbols}")
    set(symbols "")
  else()
    string(SUBSTRING "${symbols}" 0 ${line_end} line)
    math(EXPR rest "${line_end} + 1")
    string(SUBSTRING "${symbols}" ${rest} -1 symbols)
  endif()
  if(NOT line MATCHES "^[0-9a-f]+ [A-Za-z] (.*)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_1}")
  math(EXPR exported "${exported} + 1")
  # wscore::..., and the vtables, type_info objects, guard variables and thunks of its classes.
  if(NOT name MATCHES
     "^((vtable|VTT|typeinfo|typeinfo name|guard variable) for |(non-)?virtual thunk to )?wscore::")
    string(APPEND foreign "\n  ${name}")
  endif()
  if(name STREQUAL EXPECTED)
    set(expected_found TRUE)
  elseif(UNEXPECTED AND name STREQUAL UNEXPECTED)
    message(FATAL_ERROR "${LIBRARY} defines ${UNEXPECTED}")
  endif()
endwhile()

if(foreign)
  message(FATAL_ERROR "${LIBRARY} exports symbols outside the wscore:: API:${foreign}")
endif()
if(NOT expected_found)
  message(FATAL_ERROR "${LIBRARY} does not export ${EXPECTED} (${exported} symbols)")
endif()
message(STATUS "${LIBRARY}: SONAME ${SONAME}, ${exported} symbols, all wscore::")
