# CMake toolchain file: Linux arm64 (aarch64, glibc) from an x64 Debian/Ubuntu host with
# `g++-aarch64-linux-gnu`. Used for both the pinned libcurl (scripts/build-curl.sh) and the addon
# (cmake-js) by scripts/cross/prebuild-arm64.sh.
#
# The compilers' own arm64 glibc/libstdc++ live in /usr/aarch64-linux-gnu. OpenSSL and zlib
# headers come from the private sysroot (scripts/cross/sysroot-arm64.sh), passed to curl's cmake
# explicitly as OPENSSL_*/ZLIB_* paths, so no x64 header from /usr/include can slip in.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_AR aarch64-linux-gnu-ar CACHE FILEPATH "")
set(CMAKE_RANLIB aarch64-linux-gnu-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "")

# Libraries and packages only from the target; programs (cmake helpers, node for the addon's
# configure step) only from the host. Headers: both, because the addon's uv.h/Node-API headers
# are architecture-independent and come from the host's Node.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
