#!/usr/bin/env bash
# Checks that binding.gyp (the node-gyp mirror of CMakeLists.txt) builds and loads, without
# touching this checkout's build/ (the cmake-js build): copies the repo (minus node_modules,
# build, dist, .cache) to a temp dir, symlinks node_modules, runs `node-gyp rebuild` there
# against the bundled libcurl, then checks the addon:
#   - it loads and reports the pinned libcurl (scripts/libcurl.pin) with ws and wss;
#   - ldd shows no libcurl / libssl / libcrypto / libz dependency;
#   - it exports no curl_* symbols (nm -D --defined-only).
# The temp dir is removed on exit, success or not.
#
# Usage: bash scripts/check-gyp.sh
#   Needs node_modules (npm ci) and the bundled libcurl (npm run build:curl).
#   CURLWS_CACHE_DIR  where the bundled libcurl lives (default: <repo>/.cache/libcurl)
#   NODE_GYP          node-gyp to run (default: node-gyp on PATH, else the one npm bundles,
#                     else `npx --yes node-gyp`)
#   npm_config_nodedir  Node headers dir (default: Node's own prefix if it ships
#                     include/node/common.gypi, else node-gyp downloads the headers)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fail() { echo "check-gyp: FAIL: $*" >&2; exit 1; }

[ -d "$root/node_modules/node-addon-api" ] || fail "no node_modules/node-addon-api; run npm ci first"
export CURLWS_CACHE_DIR=${CURLWS_CACHE_DIR:-$root/.cache/libcurl}
unset CURLWS_LIBCURL   # this check is about the bundled (default) mode
curl_version=$(sed -n 's/^CURL_VERSION=//p' "$root/scripts/libcurl.pin")

# node-gyp: $NODE_GYP, node-gyp on PATH, npm's bundled copy, or npx.
node_gyp=()
if [ -n "${NODE_GYP:-}" ]; then
  node_gyp=("$NODE_GYP")
elif command -v node-gyp >/dev/null 2>&1; then
  node_gyp=(node-gyp)
else
  npm_gyp=${npm_config_node_gyp:-}
  if [ -z "$npm_gyp" ] && command -v npm >/dev/null 2>&1; then
    npm_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  fi
  if [ -n "$npm_gyp" ] && [ -f "$npm_gyp" ]; then
    node_gyp=(node "$npm_gyp")
  else
    node_gyp=(npx --yes node-gyp)
  fi
fi

gyp_args=(rebuild -j max --loglevel=warn)
nodedir=${npm_config_nodedir:-}
if [ -z "$nodedir" ]; then
  prefix=$(node -p "require('path').resolve(process.execPath, '../..')")
  [ -f "$prefix/include/node/common.gypi" ] && nodedir=$prefix
fi
[ -n "$nodedir" ] && gyp_args+=("--nodedir=$nodedir")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/curlws-gypcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "check-gyp: copying $root to $tmp"
tar -C "$root" --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./.cache \
  -cf - . | tar -C "$tmp" -xf -
ln -s "$root/node_modules" "$tmp/node_modules"

echo "check-gyp: ${node_gyp[*]} ${gyp_args[*]} (CURLWS_CACHE_DIR=$CURLWS_CACHE_DIR)"
(cd "$tmp" && "${node_gyp[@]}" "${gyp_args[@]}") || fail "node-gyp rebuild failed"

addon="$tmp/build/Release/curlws.node"
[ -f "$addon" ] || fail "no $addon"

echo "check-gyp: loading $addon"
node -e '
  const [addon, want] = process.argv.slice(1);
  const v = require(addon).versions;
  console.log(v);
  if (v.libcurl !== want) throw new Error(`libcurl ${v.libcurl}, expected ${want}`);
  for (const p of ["ws", "wss"])
    if (!v.protocols.includes(p)) throw new Error(`libcurl has no ${p}`);
' "$addon" "$curl_version" || fail "the addon did not load or is not the bundled libcurl $curl_version with ws/wss"

deps=$(ldd "$addon")
echo "$deps"
if grep -Eq 'lib(curl|ssl|crypto|z)\.so' <<<"$deps"; then
  fail "the addon links a shared libcurl/OpenSSL/zlib"
fi

curl_syms=$(nm -D --defined-only "$addon" | awk '$3 ~ /^curl_/' || true)
[ -z "$curl_syms" ] || fail "the addon exports libcurl symbols:
$curl_syms"

echo "check-gyp: OK (binding.gyp builds; libcurl $curl_version with ws/wss; no shared curl/ssl/z; no curl_* exports)"
