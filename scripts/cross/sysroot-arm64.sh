#!/usr/bin/env bash
# A private arm64 Debian sysroot for the cross build and its qemu load test, made from Debian's own
# arm64 packages WITHOUT touching the host's dpkg (no `dpkg --add-architecture`, nothing
# installed): a throwaway apt configuration (arm64 only, empty dpkg status) downloads the packages
# and their dependency closure, and `dpkg-deb -x` unpacks them into one directory.
#
#   bash scripts/cross/sysroot-arm64.sh [DIR]     # default .cache/sysroot-linux-arm64; prints DIR
#
# What is in it and why:
#   libssl-dev, zlib1g-dev  headers + link stubs for libcurl's configure checks and compile. They
#                           are NOT linked into the addon: at run time its OpenSSL/zlib symbols bind
#                           to the copies the Node process carries (see CMakeLists.txt).
#   nodejs                  Debian's arm64 Node (18, shared libssl3/zlib/libuv/ICU) with libc6,
#                           libstdc++6 etc.: what `qemu-aarch64-static -L DIR` runs the load test on.
# Needs apt-get, dpkg-deb and Debian's mirror (the one in the host's apt configuration). Re-running
# with the same package set is a no-op (DIR/.stamp).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${1:-$root/.cache/sysroot-linux-arm64}
packages=(libssl-dev zlib1g-dev nodejs)
stamp="arm64 ${packages[*]} v2"

if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
  echo "$dir"; exit 0
fi

for cmd in apt-get dpkg-deb; do
  command -v "$cmd" >/dev/null || { echo "sysroot-arm64: '$cmd' is required (a Debian/Ubuntu host)" >&2; exit 1; }
done

apt_dir="$dir.apt"
rm -rf "$dir" "$apt_dir"
mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/cache"
: > "$apt_dir/status"
# Debian's entries only (the host may list third-party repositories that carry no arm64 build)
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$apt_dir/sources/"
elif grep -qs '^deb .*debian' /etc/apt/sources.list; then
  grep '^deb .*debian' /etc/apt/sources.list > "$apt_dir/sources/debian.list"
else
  echo "sysroot-arm64: no Debian mirror in the host's apt configuration" >&2; exit 1
fi
apt=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
     -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/sources"
     -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
     -o "Dir::Cache=$apt_dir/cache" -o "Dir::Cache::archives=$apt_dir/archives"
     -o APT::Sandbox::User=root -o Debug::NoLocking=1)
apt-get "${apt[@]}" update -qq >/dev/null 2>&1 || apt-get "${apt[@]}" update >&2
# with an empty dpkg status apt resolves the whole closure, as for an empty arm64 system
apt-get "${apt[@]}" install --download-only --no-install-recommends -y -qq "${packages[@]}" >&2
mkdir -p "$dir"
for deb in "$apt_dir"/archives/*.deb; do dpkg-deb -x "$deb" "$dir"; done
# Debian keeps OpenSSL's configuration.h in the multiarch include dir, which a cross compiler
# pointed at DIR/usr/include does not search: fold it in (arm64 headers only live here).
cp -rn "$dir/usr/include/aarch64-linux-gnu/." "$dir/usr/include/"
# Absolute symlinks (libz.so -> /lib/aarch64-linux-gnu/libz.so.1.2.13) would point at the host's
# files: re-point them inside DIR, or every link check in curl's configure fails quietly and turns
# features off (SSL_set0_wbio, SRP, NTLM's DES).
find "$dir" -type l -lname '/*' | while read -r link; do
  ln -sfr "$dir$(readlink "$link")" "$link"
done
(cd "$apt_dir/archives" && ls ./*.deb | sed 's|^\./||') > "$dir/.packages"
rm -rf "$apt_dir"
printf '%s\n' "$stamp" > "$dir/.stamp"
echo "sysroot-arm64: $(wc -l < "$dir/.packages") arm64 packages unpacked into $dir" >&2
echo "$dir"
