#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs a libsgp32 build tree with DESTDIR into a temporary directory and checks what an application
# sees there: headers (public and generated), the shared library (SONAME, exported symbols), the static
# archive, the CMake package and sgp32.pc. Then builds tests/install/consumer against the installed
# tree with find_package(sgp32) (sgp32::sgp32 and sgp32::sgp32_static) and with pkg-config, runs the
# programs and checks their output.
#
#   tests/install/check.sh <build dir>              (make test-install runs it on build/)
#   tests/install/check.sh --minimal <build dir>    (make test-minimal runs it on build-minimal/)
#
# What is checked follows the build's own configuration: a static-only build (the minimal preset)
# has no shared library to check, and then sgp32::sgp32 is the static library. --minimal also checks
# the firmware promise: configuring needed no tool or package beyond the compiler, asn1c and patch,
# and a program linked with the library needs nothing but libc at run time.
set -eu

usage() { echo "usage: $0 [--minimal] <build dir>" >&2; exit 2; }
minimal=0
if [ $# -eq 2 ] && [ "$1" = --minimal ]; then minimal=1; shift; fi
[ $# -eq 1 ] || usage
[ -f "$1/CMakeCache.txt" ] || { echo "check.sh: $1 is not a configured CMake build directory" >&2; exit 2; }

build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
cmake=${CMAKE:-cmake}
cc=${CC:-cc}
prefix=/usr/local

work=$(mktemp -d "${TMPDIR:-/tmp}/sgp32-install-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
destdir=$work/destdir
root=$destdir$prefix
failures=0

fail() { echo "check.sh: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "check.sh: ok: $*"; }
die() { echo "check.sh: FAIL: $*" >&2; exit 1; }
# Runs a command quietly; on failure shows its output and records the failure.
run_logged() {
  what=$1; shift
  if "$@" >"$work/log" 2>&1; then return 0; fi
  cat "$work/log" >&2
  fail "$what"
  return 1
}

cache_bool() {
  value=$(sed -n "s/^$1:BOOL=//p" "$build/CMakeCache.txt")
  case "$value" in ON | TRUE | 1 | YES | on | true | yes) echo 1 ;; *) echo 0 ;; esac
}
want_shared=$(cache_bool SGP32_BUILD_SHARED)
want_static=$(cache_bool SGP32_BUILD_STATIC)
version=$(sed -n 's/^#define SGP32_VERSION_STRING "\(.*\)"$/\1/p' "$source_dir/include/sgp32/version.h")
[ -n "$version" ] || die "cannot read SGP32_VERSION_STRING from include/sgp32/version.h"
echo "check.sh: build $build (shared=$want_shared static=$want_static), version $version"

# ---- 0. The minimal firmware build found no tool or library beyond the compiler, asn1c and patch.
if [ "$minimal" = 1 ]; then
  [ "$want_shared" = 0 ] || fail "--minimal: the build has SGP32_BUILD_SHARED=ON"
  # Every optional part (SGP32_WITH_*: crypto, transports, libcurl, software eUICC) and every extra.
  extras=$(grep -E '^SGP32_(WITH_[A-Z0-9_]+|BUILD_TESTS|BUILD_EXAMPLES|BUILD_FUZZERS):BOOL=(ON|TRUE|1|YES)$' \
    "$build/CMakeCache.txt" | sed 's/:BOOL=.*//' | tr '\n' ' ' || true)
  [ -z "$extras" ] || fail "--minimal: the build has these options ON: $extras"
  found=$(grep -E '^[A-Za-z0-9_]+(:FILEPATH=|_DIR:PATH=|_FOUND:INTERNAL=1)' "$build/CMakeCache.txt" |
    grep -v -E '^(CMAKE_|SGP32_ASN1C:|SGP32_PATCH:)' || true)
  [ -z "$found" ] || fail "--minimal: configuring looked up more than compiler, asn1c and patch: $(echo "$found" | tr '\n' ' ')"
  pass "minimal configuration (only the compiler, asn1c and patch)"
fi

# ---- 1. Install with DESTDIR (what `make install DESTDIR=...` does).
DESTDIR=$destdir "$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; die "cmake --install $build failed"; }
# Again: a second install over the first (make install twice) must work as well.
DESTDIR=$destdir "$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; die "second cmake --install $build failed"; }
pass "cmake --install with DESTDIR (twice)"

# The library directory is whatever GNUInstallDirs chose (lib, lib64 or lib/<multiarch>).
pc_file=$(find "$root" -name sgp32.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc_file" ] || die "sgp32.pc not installed under $root"
libdir=$(dirname "$(dirname "$pc_file")")
pass "sgp32.pc at ${pc_file#"$destdir"}"

# ---- 2. Headers: every public header, and the generated asn1c headers under sgp32/asn1/.
# softeuicc.h goes with the software eUICC, a test tool that is not installed.
for header in "$source_dir"/include/sgp32/*.h; do
  name=$(basename "$header")
  case "$name" in
    softeuicc.h | vpcd.h) [ ! -e "$root/include/sgp32/$name" ] || fail "include/sgp32/$name installed without its library" ;;
    *) cmp -s "$header" "$root/include/sgp32/$name" || fail "include/sgp32/$name missing or different" ;;
  esac
done
for header in asn_application.h asn_system.h AddInitialEimRequest.h EuiccPackageRequest.h Certificate.h; do
  [ -f "$root/include/sgp32/asn1/$header" ] || fail "generated header include/sgp32/asn1/$header not installed"
done
if find "$root/include" -name '*.c' | grep -q .; then fail "C sources installed under include/"; fi
pass "headers under include/sgp32/ and include/sgp32/asn1/"

# ---- 3. Libraries.
if [ "$want_static" = 1 ]; then
  [ -f "$libdir/libsgp32.a" ] || fail "static archive libsgp32.a not installed in ${libdir#"$destdir"}"
  nm "$libdir/libsgp32.a" 2>/dev/null | grep -q ' T sgp32_decode$' || fail "libsgp32.a does not define sgp32_decode"
  pass "static archive"
elif [ -e "$libdir/libsgp32.a" ]; then
  fail "libsgp32.a installed although SGP32_BUILD_STATIC is OFF"
fi
if [ "$want_shared" = 1 ]; then
  so=$libdir/libsgp32.so
  [ -L "$so" ] || fail "development symlink libsgp32.so missing"
  [ -L "$so.0" ] || fail "SONAME symlink libsgp32.so.0 missing"
  [ -f "$so.$version" ] || fail "libsgp32.so.$version missing"
  soname=$(readelf -d "$so.$version" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
  [ "$soname" = "libsgp32.so.0" ] || fail "SONAME is '$soname', expected libsgp32.so.0"
  # Only the public API is exported; SGP32_0 is the version node of lib/sgp32.map.
  foreign=$(nm -D --defined-only "$so.$version" | awk '$3 != "SGP32_0" && $3 !~ /^sgp32_/ {print $3}')
  [ -z "$foreign" ] || fail "libsgp32.so exports non-sgp32_ symbols: $(echo "$foreign" | head -n 10 | tr '\n' ' ')"
  nm -D --defined-only "$so.$version" | grep -q ' sgp32_codec_type_find@@SGP32_0$' ||
    fail "sgp32_codec_type_find is not exported with version SGP32_0"
  # ...and every function a public header declares is exported (a header of a component left out
  # of this build is skipped: its functions do not exist).
  exported=$(nm -D --defined-only "$so.$version" | awk '{print $3}' | sed 's/@.*//')
  for header in "$root"/include/sgp32/*.h; do
    case "$(basename "$header")" in
      transport_pcsc.h) [ "$(cache_bool SGP32_WITH_PCSC)" = 1 ] || continue ;;
      transport_at.h) [ "$(cache_bool SGP32_WITH_AT)" = 1 ] || continue ;;
      transport_qmi.h) [ "$(cache_bool SGP32_WITH_QMI)" = 1 ] || continue ;;
      http_curl.h) [ "$(cache_bool SGP32_WITH_CURL)" = 1 ] || continue ;;
      host_posix.h) [ "$(cache_bool SGP32_WITH_HOST_POSIX)" = 1 ] || continue ;;
    esac
    for fn in $(grep -oE '\bsgp32_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u); do
      case " $(echo $exported) " in
        *" $fn "*) ;;
        *) grep -qE "\(\*$fn\)|typedef[^;]*$fn" "$header" ||
             fail "$(basename "$header") declares $fn but libsgp32.so does not export it (lib/sgp32.map)" ;;
      esac
    done
  done
  pass "shared library (SONAME $soname, only sgp32_* exported, every public function exported)"
elif ls "$libdir"/libsgp32.so* >/dev/null 2>&1; then
  fail "libsgp32.so installed although SGP32_BUILD_SHARED is OFF"
fi

# ---- 4. The CMake package.
for f in sgp32Config.cmake sgp32ConfigVersion.cmake sgp32Targets.cmake; do
  [ -f "$libdir/cmake/sgp32/$f" ] || fail "lib/cmake/sgp32/$f not installed"
done
if grep -rq -e "$source_dir" -e "$build" "$libdir/cmake/sgp32" "$pc_file"; then
  fail "installed CMake package or sgp32.pc refers to the source or build tree"
fi

expected="libsgp32 $version, AddInitialEimRequest from SGP32Definitions, eimId eim1"
# check_program <what> <binary> <expect libsgp32.so: 1|0>
check_program() {
  output=$(LD_LIBRARY_PATH=$libdir "$2" 2>&1) || { fail "$1: program failed: $output"; return; }
  [ "$output" = "$expected" ] || { fail "$1: printed '$output', expected '$expected'"; return; }
  if [ "$minimal" = 1 ]; then
    all_needed=$(readelf -d "$2" | sed -n 's/.*Shared library: \[\(.*\)\].*/\1/p' | tr '\n' ' ')
    [ "$all_needed" = "libc.so.6 " ] || { fail "$1: minimal build, but the program needs: $all_needed"; return; }
  fi
  needed=$(readelf -d "$2" | sed -n 's/.*Shared library: \[\(libsgp32[^]]*\)\].*/\1/p')
  if [ "$3" = 1 ]; then
    [ "$needed" = "libsgp32.so.0" ] || { fail "$1: needs '$needed', expected libsgp32.so.0"; return; }
    # The installed copy must be the one loaded, not one from the build tree or the system.
    resolved=$(LD_LIBRARY_PATH=$libdir ldd "$2" | awk '$1 == "libsgp32.so.0" {print $3}')
    [ "$resolved" = "$libdir/libsgp32.so.0" ] || { fail "$1: loads libsgp32 from '$resolved'"; return; }
  else
    [ -z "$needed" ] || { fail "$1: linked dynamically to $needed, expected the static library"; return; }
  fi
  pass "$1"
}

# ---- 5. A CMake consumer: find_package(sgp32) with the installed tree on CMAKE_PREFIX_PATH.
cmake_consumer() { # <name> <CONSUMER_STATIC> <expect shared>
  dir=$work/consumer-$1
  run_logged "find_package consumer ($1): configure" \
    "$cmake" -S "$here/consumer" -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$root" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" -DCONSUMER_STATIC="$2" || return 0
  found=$(sed -n 's/^sgp32_DIR:PATH=//p' "$dir/CMakeCache.txt")
  [ "$found" = "$libdir/cmake/sgp32" ] || { fail "find_package found '$found', not the installed package"; return 0; }
  run_logged "find_package consumer ($1): build" "$cmake" --build "$dir" || return 0
  check_program "find_package(sgp32) consumer, $1" "$dir/consumer" "$3"
}
if [ "$want_shared" = 1 ]; then
  cmake_consumer "sgp32::sgp32 (shared)" OFF 1
else
  cmake_consumer "sgp32::sgp32 (static-only build)" OFF 0
fi
if [ "$want_static" = 1 ]; then cmake_consumer "sgp32::sgp32_static" ON 0; fi

# ---- 6. A pkg-config consumer: plain cc with `pkg-config --cflags --libs sgp32`. The .pc file names
# the final prefix; PKG_CONFIG_SYSROOT_DIR maps it into DESTDIR (as when cross-compiling). The
# system's own .pc directories come after ours, for what sgp32.pc requires (wolfssl with the crypto
# layer); the sysroot then also prefixes their paths, which is harmless here: the system directories
# stay on the compiler's default search path.
system_pc_path=$(pkg-config --variable pc_path pkg-config) || die "pkg-config is missing"
PKG_CONFIG_LIBDIR=$libdir/pkgconfig:$system_pc_path PKG_CONFIG_SYSROOT_DIR=$destdir
export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
unset PKG_CONFIG_PATH
pc_version=$(pkg-config --modversion sgp32) || die "pkg-config cannot read sgp32.pc"
[ "$pc_version" = "$version" ] || fail "pkg-config --modversion sgp32 says '$pc_version', expected $version"
flags=$(pkg-config --cflags --libs sgp32) || die "pkg-config --cflags --libs sgp32 failed"
case " $flags " in *" -I$root/include "*) ;; *) fail "pkg-config --cflags lacks -I$root/include: $flags" ;; esac
case " $flags " in *" -L$libdir "*) ;; *) fail "pkg-config --libs lacks -L$libdir: $flags" ;; esac
# shellcheck disable=SC2086 # the flags are words
if run_logged "pkg-config consumer: compile and link ($cc $flags)" \
  "$cc" -std=c99 -Wall -Wextra -Werror -o "$work/consumer-pkg-config" "$here/consumer/main.c" $flags; then
  check_program "pkg-config sgp32 consumer" "$work/consumer-pkg-config" "$want_shared"
fi
# Static linking with pkg-config --static. The whole archive is linked, not only the members main.c
# uses, so every dependency of libsgp32.a must be listed by sgp32.pc (Requires.private: wolfssl with
# the crypto layer), or this link fails with undefined symbols.
if [ "$want_static" = 1 ]; then
  static_flags=$(pkg-config --cflags --static --libs sgp32) || die "pkg-config --static --libs sgp32 failed"
  static_flags=$(echo " $static_flags " |
    sed 's/ -lsgp32 / -Wl,-Bstatic,--whole-archive -lsgp32 -Wl,--no-whole-archive,-Bdynamic /')
  # shellcheck disable=SC2086 # the flags are words
  if run_logged "pkg-config --static consumer: compile and link ($cc $static_flags)" \
    "$cc" -std=c99 -Wall -Wextra -Werror -o "$work/consumer-pkg-config-static" "$here/consumer/main.c" $static_flags; then
    check_program "pkg-config --static sgp32 consumer" "$work/consumer-pkg-config-static" 0
  fi
fi

if [ "$failures" -ne 0 ]; then
  echo "check.sh: $failures check(s) FAILED for $build" >&2
  exit 1
fi
echo "check.sh: all install checks passed for $build"
