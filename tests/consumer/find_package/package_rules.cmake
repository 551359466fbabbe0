# SPDX-License-Identifier: MIT
# What wscore's CMake package promises besides being found, each checked (the configure step
# fails otherwise):
# - the version rule, SameMinorVersion: before 1.0 a minor version may break the API, so the
#   0.2.x package answers a request for 0.2, not one for 0.1, 0.3, 1.0 or a later 0.2.x;
# - the core alone looks for neither mbedTLS nor Threads, and defines no transport target;
# - an unknown component is refused with a message that names it, unless it is optional.
function(check_package_rules)
  foreach(version 0.1 0.3 1.0 0.2.99)
    find_package(wscore ${version} CONFIG QUIET)
    if(wscore_FOUND)
      message(FATAL_ERROR "find_package(wscore ${version}) accepted ${wscore_VERSION}")
    endif()
  endforeach()

  set(CMAKE_DISABLE_FIND_PACKAGE_MbedTLS TRUE)
  set(CMAKE_DISABLE_FIND_PACKAGE_Threads TRUE)
  find_package(wscore 0.2 CONFIG REQUIRED COMPONENTS core)
  if(NOT TARGET wscore::core OR TARGET wscore::transport OR TARGET MbedTLS::mbedtls)
    message(FATAL_ERROR "COMPONENTS core: wscore::core alone expected")
  endif()
  unset(CMAKE_DISABLE_FIND_PACKAGE_MbedTLS)
  unset(CMAKE_DISABLE_FIND_PACKAGE_Threads)

  find_package(wscore 0.2 CONFIG QUIET COMPONENTS core frobnicate)
  if(wscore_FOUND OR NOT wscore_NOT_FOUND_MESSAGE MATCHES "unknown component \"frobnicate\"")
    message(FATAL_ERROR "COMPONENTS frobnicate was not refused by name: "
                        "found: ${wscore_FOUND}, message: ${wscore_NOT_FOUND_MESSAGE}")
  endif()
  find_package(wscore 0.2 CONFIG QUIET COMPONENTS core OPTIONAL_COMPONENTS frobnicate)
  if(NOT wscore_FOUND OR wscore_frobnicate_FOUND)
    message(FATAL_ERROR "OPTIONAL_COMPONENTS frobnicate: wscore without it expected")
  endif()
endfunction()
check_package_rules()
