# SPDX-License-Identifier: MIT
# POSIX host services (transports/host: a directory as record storage, the monotonic clock), compiled
# into libsgp32 when SGP32_WITH_HOST_POSIX is ON (the default); included from lib/CMakeLists.txt.
if(NOT UNIX)
  message(FATAL_ERROR "SGP32_WITH_HOST_POSIX needs a POSIX system: configure with -DSGP32_WITH_HOST_POSIX=OFF")
endif()
target_sources(sgp32_objects PRIVATE ${PROJECT_SOURCE_DIR}/transports/host/host_posix.c)
