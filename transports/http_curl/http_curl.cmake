# SPDX-License-Identifier: MIT
# The libcurl HTTP backend (transports/http_curl) is compiled into libsgp32 itself when SGP32_WITH_CURL
# is ON (the default); included from lib/CMakeLists.txt after the library targets exist. libcurl (the
# OpenSSL build on Debian: libcurl4-openssl-dev) is then a dependency: private for the shared library,
# public (and in sgp32.pc / sgp32Config.cmake) for the static one. pthread_once guards
# curl_global_init, hence Threads.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl>=7.77)
target_sources(sgp32_objects PRIVATE
  ${PROJECT_SOURCE_DIR}/transports/http_curl/http_curl.c
  ${PROJECT_SOURCE_DIR}/transports/http_curl/http_curl_support.c)
target_link_libraries(sgp32_objects PRIVATE PkgConfig::CURL Threads::Threads)
if(SGP32_BUILD_STATIC)
  target_link_libraries(sgp32_static PUBLIC PkgConfig::CURL Threads::Threads)
endif()
if(SGP32_BUILD_SHARED)
  target_link_libraries(sgp32_shared PRIVATE PkgConfig::CURL Threads::Threads)
endif()
