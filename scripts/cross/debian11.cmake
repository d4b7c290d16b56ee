# CMake toolchain file: build for glibc 2.31 (Debian 11) from a newer Debian host, for the
# prebuilds. Used for both the pinned libcurl (scripts/build-curl.sh) and the addon (cmake-js) by
# scripts/cross/build-floor.sh, which sets the environment:
#
#   CURLWS_SYSROOT  a Debian 11 root made by scripts/cross/debian-root.sh holding Debian 11's
#                   gcc 10 (native x86_64-linux-gnu-g++-10 or the x64-hosted
#                   aarch64-linux-gnu-g++-10), glibc 2.31 and libstdc++ 10 / libgcc 10 as static
#                   archives; its DIR/usr/<triplet>/bin/{as,ld,ar,...} point at the host's
#                   binutils for the target (build-floor.sh makes the links)
#   CURLWS_TRIPLET  x86_64-linux-gnu or aarch64-linux-gnu
#
# Debian 11's compiler runs on the host straight out of the root (gcc finds cc1plus, its headers
# and its libraries relative to its own path, and --sysroot confines glibc and crt files to the
# root), so every header, crt file and static runtime archive is Debian 11's: the result needs
# nothing newer than glibc 2.31. Only the assembler and linker are the host's (newer binutils
# produce the same ELF for this input; Debian 11's cross binutils need shared libraries the host
# does not have).
set(_sysroot "$ENV{CURLWS_SYSROOT}")
set(_triplet "$ENV{CURLWS_TRIPLET}")
if(NOT _sysroot OR NOT _triplet)
  message(FATAL_ERROR "debian11.cmake: set CURLWS_SYSROOT and CURLWS_TRIPLET "
                      "(scripts/cross/build-floor.sh does)")
endif()
set(CMAKE_SYSTEM_NAME Linux)
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR "${_triplet}")
set(CMAKE_SYSROOT "${_sysroot}")
set(CMAKE_C_COMPILER "${_sysroot}/usr/bin/${_triplet}-gcc-10")
set(CMAKE_CXX_COMPILER "${_sysroot}/usr/bin/${_triplet}-g++-10")
foreach(_tool ar ranlib strip nm objdump)
  string(TOUPPER "${_tool}" _var)
  set(CMAKE_${_var} "${_sysroot}/usr/${_triplet}/bin/${_tool}" CACHE FILEPATH "")
endforeach()
# libcurl's configure checks link small test programs against OpenSSL 3 (Debian 12's libssl3 in
# the root: headers and link stubs only, the addon never links it) whose own references need
# glibc 2.34: let those test links through, or the checks fail quietly and turn features off.
# Only executables are affected; nothing here builds one that is kept.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--allow-shlib-undefined")

# Libraries and packages only from the root; programs (cmake helpers, node for the addon's
# configure step) only from the host. Headers: both, because the addon's uv.h/Node-API headers are
# architecture-independent and come from the host's Node.
set(CMAKE_FIND_ROOT_PATH "${_sysroot}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
