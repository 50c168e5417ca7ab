# SPDX-License-Identifier: MIT
# The AT serial APDU transport (transports/at) is compiled into libsgp32 itself when SGP32_WITH_AT is
# ON (the default); included from lib/CMakeLists.txt after the library targets exist. POSIX only
# (termios, poll), no external dependency.
if(NOT UNIX)
  message(FATAL_ERROR "SGP32_WITH_AT needs a POSIX system (termios, poll): configure with -DSGP32_WITH_AT=OFF")
endif()
target_sources(sgp32_objects PRIVATE
  ${PROJECT_SOURCE_DIR}/transports/at/at_channel.c
  ${PROJECT_SOURCE_DIR}/transports/at/at_parser.c
  ${PROJECT_SOURCE_DIR}/transports/at/at_transport.c)
