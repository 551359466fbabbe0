# SPDX-License-Identifier: MIT
# What a wscore library is as a shared library (BUILD_SHARED_LIBS=ON): its SONAME follows the
# minor version before 1.0 (libwscore_core.so.0.2), since the API and ABI may change in any 0.x
# (see "Stability" in the README), and the major version from 1.0 on; it exports the wscore::
# API only (wscore.map, a linker version script, so the public headers need no export macros).
# A static library ignores both.
set(WSCORE_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/wscore.map)

function(wscore_library_abi target)
  if(wscore_VERSION_MAJOR EQUAL 0)
    set(soversion ${wscore_VERSION_MAJOR}.${wscore_VERSION_MINOR})
  else()
    set(soversion ${wscore_VERSION_MAJOR})
  endif()
  set_target_properties(${target} PROPERTIES VERSION ${wscore_VERSION} SOVERSION ${soversion})
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    target_link_options(${target} PRIVATE LINKER:--version-script=${WSCORE_VERSION_SCRIPT})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${WSCORE_VERSION_SCRIPT})
  endif()
endfunction()
