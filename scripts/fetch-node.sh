#!/usr/bin/env bash
# Prints the path of an official Node.js binary, fetched once from the npm registry, where the
# Node project publishes its release builds as the packages node-<os>-<arch> (package/bin/node).
# Used by .ci/run (the Node matrix), the Debian 11 load test and the arm64 cross build.
#
#   bash scripts/fetch-node.sh 22                 # newest 22.x for linux-x64 -> .../bin/node
#   bash scripts/fetch-node.sh 24.22.3            # exactly that version
#   bash scripts/fetch-node.sh 22 linux-arm64     # another platform (run it under qemu)
#
# Cache: $CURLWS_NODE_CACHE (default .cache/node) /<os>-<arch>/<version>/bin/node, keyed by the
# exact version: a major is resolved with `npm view` (registry metadata only), and when the
# registry cannot be asked the newest cached version of that major is used. Nothing else is
# downloaded; the tarball itself comes through `npm pack` (and so through npm's own cache).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want=${1:?usage: fetch-node.sh <major|version> [<os>-<arch>]}
target=${2:-linux-x64}
[[ "$want" =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]] || { echo "fetch-node: '$want' is not a major or an x.y.z version" >&2; exit 2; }
[[ "$target" =~ ^[a-z0-9]+-[a-z0-9]+$ ]] || { echo "fetch-node: '$target' is not <os>-<arch>" >&2; exit 2; }
cache=${CURLWS_NODE_CACHE:-$root/.cache/node}/$target
say() { echo "fetch-node: $*" >&2; }

case "$want" in
  *.*.*) version=$want ;;
  *)
    # every published version of that major (one line each, in no particular order): the highest
    version=$(npm view --silent "node-$target@$want" version 2>/dev/null \
      | grep -o "[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*'\?$" | tr -d "'" | sort -V | tail -1) || true
    if [ -z "$version" ]; then
      version=$(ls "$cache" 2>/dev/null | grep "^$want\." | sort -V | tail -1 || true)
      [ -n "$version" ] || { say "cannot resolve node-$target@$want (no registry, nothing cached)"; exit 1; }
      say "registry not reachable: using the cached $version"
    fi ;;
esac

node="$cache/$version/bin/node"
if [ ! -x "$node" ]; then
  say "fetching the official Node $version for $target (npm package node-$target@$version)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-$target@$version" >/dev/null) \
    || { say "npm pack node-$target@$version failed"; exit 1; }
  tar -xzf "$tmp"/node-"$target"-*.tgz -C "$tmp" package/bin/node
  mkdir -p "$cache/$version/bin"
  mv "$tmp/package/bin/node" "$node.tmp" && mv "$node.tmp" "$node"
fi
echo "$node"
