#!/usr/bin/env bash
# Builds the addon for a prebuild with a glibc 2.31 floor (Debian 11, Ubuntu 20.04 and newer):
# Debian 11's gcc 10, glibc 2.31 and static libstdc++/libgcc out of a private Debian 11 root, on
# this (newer, x64) Debian host. Prints the path of the built curlws.node. scripts/prebuild.mjs
# runs it for linux-x64; scripts/cross/prebuild-arm64.sh for linux-arm64.
#
#   bash scripts/cross/build-floor.sh x64      # -> build-linux-x64/Release/curlws.node
#   bash scripts/cross/build-floor.sh arm64    # -> build-linux-arm64/Release/curlws.node
#
# Steps (each cached; a re-run only recompiles what changed):
#   1. host binutils for the target (arm64: binutils-aarch64-linux-gnu, apt-get as root if missing)
#   2. the Debian 11 build root (scripts/cross/debian-root.sh -> .cache/debian11/build-<arch>):
#      x64: g++-10, libc6-dev, zlib1g-dev; arm64: g++-10-aarch64-linux-gnu, libc6-dev-arm64-cross,
#      Debian 11's arm64 zlib1g-dev. Plus Debian 12's libssl-dev/libssl3 for the target: OpenSSL 3
#      headers (Debian 11 has only 1.1), which libcurl is compiled against and whose symbols bind
#      to Node's own OpenSSL at load time. About 25 s (x64) / 40 s (arm64) the first time.
#   3. the pinned libcurl with scripts/cross/debian11.cmake -> .cache/libcurl-linux-<arch>/
#   4. the addon with cmake-js and the same toolchain -> build-linux-<arch>/ (build/ is untouched)
# Environment: CURLWS_CURL_SOURCE as for build-curl.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
arch=${1:?usage: build-floor.sh x64|arm64}
say() { echo "build-floor: $*" >&2; }
die() { echo "build-floor: $*" >&2; exit 1; }
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "this recipe runs on Linux x86_64 (Debian 12 tested)"

case "$arch" in
  x64)
    triplet=x86_64-linux-gnu; tool_prefix=""; binutils_pkg=binutils
    pkgs=(g++-10 libc6-dev zlib1g-dev libssl-dev/bookworm libssl3/bookworm)
    sys_inc=usr/include; ssl_lib=usr/lib/x86_64-linux-gnu ;;
  arm64)
    triplet=aarch64-linux-gnu; tool_prefix=aarch64-linux-gnu-; binutils_pkg=binutils-aarch64-linux-gnu
    pkgs=(g++-10-aarch64-linux-gnu libc6-dev-arm64-cross zlib1g-dev:arm64/bullseye
          zlib1g:arm64/bullseye libssl-dev:arm64/bookworm libssl3:arm64/bookworm)
    sys_inc=usr/include; ssl_lib=usr/lib/aarch64-linux-gnu ;;
  *) die "unknown arch $arch (x64 or arm64)" ;;
esac

# ---- 1. host binutils ---------------------------------------------------------------------------
if ! command -v "${tool_prefix}as" >/dev/null || ! command -v "${tool_prefix}ld" >/dev/null; then
  [ "$(id -u)" = 0 ] || die "missing ${tool_prefix}as/ld: run \`sudo apt-get install $binutils_pkg\`"
  say "installing $binutils_pkg (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$binutils_pkg" >/dev/null
fi

# ---- 2. the Debian 11 build root ----------------------------------------------------------------
sysroot=$(bash scripts/cross/debian-root.sh "$root/.cache/debian11/build-$arch" bullseye amd64 "${pkgs[@]}")
# gcc runs the assembler and linker from its tool directory: make those the host's binutils
# (Debian 11's cross binutils there need shared libraries the host does not have)
tooldir="$sysroot/usr/$triplet/bin"
mkdir -p "$tooldir"
for t in as ld ar ranlib strip nm objdump; do
  ln -sf "$(command -v "$tool_prefix$t")" "$tooldir/$t"
done
export CURLWS_SYSROOT="$sysroot" CURLWS_TRIPLET="$triplet"
toolchain="$root/scripts/cross/debian11.cmake"

# ---- 3. libcurl ---------------------------------------------------------------------------------
curl_cache="$root/.cache/libcurl-linux-$arch"
# (the toolchain's and the root's identity go into build-curl.sh's stamp: a change rebuilds)
ident=$(cat "$toolchain" "$sysroot/.stamp" | sha256sum | cut -c1-16)
CURLWS_CACHE_DIR="$curl_cache" bash scripts/build-curl.sh \
  "-DCMAKE_TOOLCHAIN_FILE=$toolchain" "-DCURLWS_TOOLCHAIN_ID=$ident" --no-warn-unused-cli \
  "-DOPENSSL_ROOT_DIR=$sysroot/usr" "-DOPENSSL_INCLUDE_DIR=$sysroot/$sys_inc" \
  "-DOPENSSL_SSL_LIBRARY=$sysroot/$ssl_lib/libssl.so" "-DOPENSSL_CRYPTO_LIBRARY=$sysroot/$ssl_lib/libcrypto.so" \
  "-DZLIB_INCLUDE_DIR=$sysroot/$sys_inc" "-DZLIB_LIBRARY=$sysroot/$ssl_lib/libz.so" >&2

# ---- 4. addon -----------------------------------------------------------------------------------
say "building the addon for linux-$arch (Debian 11 toolchain) into build-linux-$arch/"
cmake_arch=$([ "$arch" = x64 ] && echo x64 || echo arm64)
CURLWS_CACHE_DIR="$curl_cache" node node_modules/cmake-js/bin/cmake-js compile --out "build-linux-$arch" \
  --arch "$cmake_arch" "--CDCMAKE_TOOLCHAIN_FILE=$toolchain" --log-level warn >&2
echo "$root/build-linux-$arch/Release/curlws.node"
