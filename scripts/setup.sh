#!/usr/bin/env bash
# One-command setup for a fresh clone: system packages (when missing), npm dependencies, the
# bundled libcurl, the native addon and the TypeScript build; then the demo.
#
# Usage: npm run setup            # or: bash scripts/setup.sh
#        bash scripts/setup.sh --no-demo
# Safe to re-run: every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

run_demo=1
[ "${1:-}" = "--no-demo" ] && run_demo=0

# Build tools and headers, the real peers the tests use (python3-websockets, openssl, proxies),
# and clang-format for `npm run lint`.
need_pkgs=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in cmake g++ make patch pkg-config libssl-dev zlib1g-dev openssl python3-websockets tinyproxy microsocks ca-certificates clang-format; do
  have "$pkg" || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "setup: please install: ${need_pkgs[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
[ "$run_demo" = 1 ] && npm run demo
exit 0
