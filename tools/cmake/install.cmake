# SPDX-License-Identifier: MIT
# What `cmake --install` puts under the prefix (GNUInstallDirs layout):
#   include/wscore/...            the public headers, wscore/version.hpp, wscore/transport/...
#   lib/libwscore_core.a          wscore::core, and libwscore_transport.a: wscore::transport
#                                 (with BUILD_SHARED_LIBS=ON: libwscore_core.so.0.2 and so on)
#   lib/cmake/wscore/             the CMake package (wscore-config.cmake, its version file, the
#                                 exported targets of each component, FindMbedTLS.cmake)
#   lib/pkgconfig/                wscore-core.pc, wscore-transport.pc
#   bin/wscore                    the command line, when it is built
# Included when WSCORE_INSTALL is on.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WSCORE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wscore
    CACHE STRING "Where the CMake package is installed (relative to the prefix)")
mark_as_advanced(WSCORE_INSTALL_CMAKEDIR)

set(WSCORE_INSTALLED_COMPONENTS core)
# The transport's second TLS backend, when it was built: its users' static links need OpenSSL.
if(WSCORE_TRANSPORT_HAS_OPENSSL)
  set(WSCORE_INSTALLED_WITH_OPENSSL TRUE)
  set(WSCORE_PC_TLS_PRIVATE " -lssl -lcrypto")
else()
  set(WSCORE_INSTALLED_WITH_OPENSSL FALSE)
  set(WSCORE_PC_TLS_PRIVATE "")
endif()
if(TARGET wscore_transport)
  list(APPEND WSCORE_INSTALLED_COMPONENTS transport)
endif()

# pkg-config files are written at install time, when the prefix is known: `cmake --install
# --prefix` may choose another one than CMAKE_INSTALL_PREFIX did at configure time.
function(wscore_install_pkg_config template)
  get_filename_component(name ${template} NAME_WLE)
  set(output ${PROJECT_BINARY_DIR}/pkgconfig/${name})
  foreach(directory LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${directory}}")
      set(pc_${directory} "${CMAKE_INSTALL_${directory}}")
    else()
      set(pc_${directory} "\${prefix}/${CMAKE_INSTALL_${directory}}")
    endif()
  endforeach()
  install(CODE "
    set(WSCORE_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    set(WSCORE_PC_LIBDIR [[${pc_LIBDIR}]])
    set(WSCORE_PC_INCLUDEDIR [[${pc_INCLUDEDIR}]])
    set(WSCORE_PC_VERSION [[${wscore_VERSION}]])
    set(WSCORE_PC_TLS_PRIVATE [[${WSCORE_PC_TLS_PRIVATE}]])
    configure_file([[${template}]] [[${output}]] @ONLY)")
  install(FILES ${output} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

foreach(component IN LISTS WSCORE_INSTALLED_COMPONENTS)
  install(TARGETS wscore_${component} EXPORT wscore-${component}-targets
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT wscore-${component}-targets NAMESPACE wscore::
          DESTINATION ${WSCORE_INSTALL_CMAKEDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${component}/include/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  wscore_install_pkg_config(${PROJECT_SOURCE_DIR}/${component}/wscore-${component}.pc.in)
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/core/include/wscore/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wscore)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/wscore-config.cmake.in
                              ${PROJECT_BINARY_DIR}/wscore-config.cmake
                              INSTALL_DESTINATION ${WSCORE_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wscore-config-version.cmake
                                 VERSION ${wscore_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wscore-config.cmake
              ${PROJECT_BINARY_DIR}/wscore-config-version.cmake
        DESTINATION ${WSCORE_INSTALL_CMAKEDIR})
if(TARGET wscore_transport)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/FindMbedTLS.cmake DESTINATION ${WSCORE_INSTALL_CMAKEDIR})
endif()

# Shared libraries in a prefix the dynamic loader does not search: the installed transport
# library finds the core beside itself (a program's own RUNPATH does not reach the libraries its
# libraries need), and the command line finds both relative to itself.
if(BUILD_SHARED_LIBS AND TARGET wscore_transport)
  set_target_properties(wscore_transport PROPERTIES INSTALL_RPATH "$ORIGIN")
endif()
if(TARGET wscore)
  if(BUILD_SHARED_LIBS)
    file(RELATIVE_PATH libdir_from_bindir ${CMAKE_INSTALL_FULL_BINDIR}
         ${CMAKE_INSTALL_FULL_LIBDIR})
    set_target_properties(wscore PROPERTIES INSTALL_RPATH "$ORIGIN/${libdir_from_bindir}")
  endif()
  install(TARGETS wscore)
endif()
