# SPDX-License-Identifier: MIT
# Finds mbedTLS 2.28 (Debian 12's libmbedtls-dev ships neither a CMake package nor pkg-config
# files): its headers and its three libraries, as the imported targets MbedTLS::mbedtls,
# MbedTLS::mbedx509 and MbedTLS::mbedcrypto (the names mbedTLS 3's own package uses), each
# linking the next, so a static link lists them in the order they need. wscore's build finds
# wscore::transport's dependency with it, and its installed CMake package does too.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIBRARY mbedtls)
find_library(MBEDX509_LIBRARY mbedx509)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto)
mark_as_advanced(MBEDTLS_INCLUDE_DIR MBEDTLS_LIBRARY MBEDX509_LIBRARY MBEDCRYPTO_LIBRARY)

if(MBEDTLS_INCLUDE_DIR AND EXISTS ${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h)
  file(STRINGS ${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h _mbedtls_version_line
       REGEX "^#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
  string(REGEX MATCH "[0-9.]+" MbedTLS_VERSION "${_mbedtls_version_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(
  MbedTLS REQUIRED_VARS MBEDTLS_LIBRARY MBEDX509_LIBRARY MBEDCRYPTO_LIBRARY MBEDTLS_INCLUDE_DIR
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND)
  # Each library needs the one before it here: mbedtls needs mbedx509, which needs mbedcrypto.
  set(_mbedtls_needs "")
  foreach(_mbedtls_library mbedcrypto mbedx509 mbedtls)
    string(TOUPPER ${_mbedtls_library}_LIBRARY _mbedtls_variable)
    if(NOT TARGET MbedTLS::${_mbedtls_library})
      add_library(MbedTLS::${_mbedtls_library} UNKNOWN IMPORTED)
      set_target_properties(MbedTLS::${_mbedtls_library} PROPERTIES
                            IMPORTED_LOCATION ${${_mbedtls_variable}}
                            INTERFACE_INCLUDE_DIRECTORIES ${MBEDTLS_INCLUDE_DIR}
                            INTERFACE_LINK_LIBRARIES "${_mbedtls_needs}")
    endif()
    set(_mbedtls_needs MbedTLS::${_mbedtls_library})
  endforeach()
endif()
unset(_mbedtls_version_line)
unset(_mbedtls_needs)
unset(_mbedtls_library)
unset(_mbedtls_variable)
