# SPDX-License-Identifier: MIT
# Run by `cmake --install` (install(SCRIPT) in lib/CMakeLists.txt) just before the generated asn1c
# headers are copied to <includedir>/sgp32/asn1/. It writes, into SGP32_ASN1_STAGE_DIR, copies of the
# headers in SGP32_ASN1_GEN_DIR that an application can include as <sgp32/asn1/TypeName.h> with only
# <includedir> on its include path:
#  - asn1c's runtime headers include each other as <name.h>, which would need -I<includedir>/sgp32/asn1
#    (and would let generated names such as Version.h shadow the application's own headers). The copies
#    say "name.h", which the compiler looks up next to the including file first.
#  - asn_system.h defines _BSD_SOURCE, which glibc answers with a #warning (an error under -Werror)
#    unless _DEFAULT_SOURCE is defined too; the library itself is compiled with -D_DEFAULT_SOURCE.
# The build tree is left alone: the library is compiled from the unmodified generated files.
if(NOT IS_DIRECTORY "${SGP32_ASN1_GEN_DIR}")
  message(FATAL_ERROR "install_asn1_headers: no generated headers in '${SGP32_ASN1_GEN_DIR}'")
endif()
file(GLOB headers RELATIVE "${SGP32_ASN1_GEN_DIR}" "${SGP32_ASN1_GEN_DIR}/*.h")
file(MAKE_DIRECTORY "${SGP32_ASN1_STAGE_DIR}")

# Drop copies of headers that are no longer generated (a type removed from a module).
file(GLOB staged RELATIVE "${SGP32_ASN1_STAGE_DIR}" "${SGP32_ASN1_STAGE_DIR}/*.h")
foreach(header IN LISTS staged)
  list(FIND headers "${header}" index) # no IN_LIST: cmake_install.cmake sets no policies
  if(index EQUAL -1)
    file(REMOVE "${SGP32_ASN1_STAGE_DIR}/${header}")
  endif()
endforeach()

foreach(header IN LISTS headers)
  file(READ "${SGP32_ASN1_GEN_DIR}/${header}" text)
  string(REGEX MATCHALL "#include <[A-Za-z0-9_.-]+>" directives "${text}")
  list(REMOVE_DUPLICATES directives)
  foreach(directive IN LISTS directives)
    string(REGEX REPLACE "^#include <(.+)>$" "\\1" name "${directive}")
    if(EXISTS "${SGP32_ASN1_GEN_DIR}/${name}")
      string(REPLACE "${directive}" "#include \"${name}\"" text "${text}")
    endif()
  endforeach()
  if(header STREQUAL "asn_system.h")
    set(bsd_source "#ifndef _BSD_SOURCE\n")
    string(FIND "${text}" "${bsd_source}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "install_asn1_headers: asn_system.h no longer defines _BSD_SOURCE as expected")
    endif()
    string(REPLACE "${bsd_source}" "#ifndef _DEFAULT_SOURCE\n#define _DEFAULT_SOURCE\n#endif\n${bsd_source}"
           text "${text}")
  endif()
  # Rewrite only what changed, so that a repeated install reports the headers as up to date.
  set(staged_file "${SGP32_ASN1_STAGE_DIR}/${header}")
  set(old "")
  if(EXISTS "${staged_file}")
    file(READ "${staged_file}" old)
  endif()
  if(NOT old STREQUAL text)
    file(WRITE "${staged_file}" "${text}")
  endif()
endforeach()
