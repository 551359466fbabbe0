# TLS for wscore_transport on mbedTLS 2.28, and its tests. Included from transport/CMakeLists.txt
# after the wscore_transport target exists.
#
# Debian 12's libmbedtls-dev ships no CMake package for 2.28, so the headers and the three
# libraries are found by name.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIBRARY mbedtls)
find_library(MBEDX509_LIBRARY mbedx509)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto)
if(NOT MBEDTLS_INCLUDE_DIR OR NOT MBEDTLS_LIBRARY OR NOT MBEDX509_LIBRARY OR NOT MBEDCRYPTO_LIBRARY)
  message(FATAL_ERROR "mbedTLS not found (headers: ${MBEDTLS_INCLUDE_DIR}, libraries: "
                      "${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY}); "
                      "install libmbedtls-dev")
endif()
# In dependency order, for static linking: ssl needs x509, x509 needs crypto.
set(WSCORE_MBEDTLS_LIBRARIES ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})

target_sources(wscore_transport PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/src/tls_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tls_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tls_verify.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/certificate.cpp)
target_include_directories(wscore_transport PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
# The public headers hide mbedTLS; only the sources see it.
target_include_directories(wscore_transport SYSTEM PRIVATE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(wscore_transport PRIVATE ${WSCORE_MBEDTLS_LIBRARIES})

if(WSCORE_TESTS AND NOT WSCORE_FUZZ)
  find_package(GTest REQUIRED)
  include(GoogleTest)
  add_executable(wscore_tls_tests ${PROJECT_SOURCE_DIR}/tests/transport/tls_test.cpp)
  # The tests read the generated certificate with mbedTLS's own parser.
  target_include_directories(wscore_tls_tests SYSTEM PRIVATE ${MBEDTLS_INCLUDE_DIR})
  target_link_libraries(wscore_tls_tests PRIVATE wscore_transport ${WSCORE_MBEDTLS_LIBRARIES}
                                                 GTest::gtest_main)
  gtest_discover_tests(wscore_tls_tests DISCOVERY_TIMEOUT 60)
endif()
