# SPDX-License-Identifier: MIT
# The PC/SC APDU transport (transports/pcsc) is compiled into libsgp32 itself when SGP32_WITH_PCSC is
# ON; included from lib/CMakeLists.txt after the library targets exist. libpcsclite is then a
# dependency: private for the shared library, public (and in sgp32.pc / sgp32Config.cmake) for the
# static one.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite)
target_sources(sgp32_objects PRIVATE ${PROJECT_SOURCE_DIR}/transports/pcsc/pcsc_transport.c)
target_link_libraries(sgp32_objects PRIVATE PkgConfig::PCSC)
if(SGP32_BUILD_STATIC)
  target_link_libraries(sgp32_static PUBLIC PkgConfig::PCSC)
endif()
if(SGP32_BUILD_SHARED)
  target_link_libraries(sgp32_shared PRIVATE PkgConfig::PCSC)
endif()
