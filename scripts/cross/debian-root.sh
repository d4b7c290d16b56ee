#!/usr/bin/env bash
# A private Debian root made from Debian's own packages WITHOUT touching the host's dpkg (no
# `dpkg --add-architecture`, nothing installed): a throwaway apt configuration (the wanted suite
# and architecture, empty dpkg status) downloads the packages and their dependency closure, and
# `dpkg-deb -x` unpacks them into one directory. No maintainer script runs, no root needed.
#
#   bash scripts/cross/debian-root.sh DIR SUITE ARCH PKG...     # prints DIR
#
#   SUITE  a Debian codename (bookworm, bullseye, ...); SUITE-updates and SUITE-security come along
#   ARCH   the root's dpkg architecture (amd64, arm64)
#   PKG    a package, installed with its dependency closure as on an empty SUITE/ARCH system; or
#          NAME[:ARCH]/OTHERSUITE: that one package alone (no dependencies) from another suite or
#          architecture, e.g. libssl-dev/bookworm for OpenSSL 3 headers in a Debian 11 root
#
# Uses (see docs/install.md):
#   .cache/debian11/build-x64    Debian 11's gcc 10 and glibc 2.31: the x64 prebuild's toolchain
#   .cache/debian11/build-arm64  Debian 11's x64-hosted arm64 cross gcc 10 and arm64 glibc 2.31
#   .cache/debian11/run-x64      libc6 + libstdc++6 only: the chroot the x64 prebuild is tested in
#   .cache/debian11/run-arm64    the same for arm64, for qemu-aarch64-static -L
#   .cache/sysroot-linux-arm64   Debian 12 arm64 with its nodejs (shared libssl3): a second load check
# The mirror is the one in the host's apt configuration (its codename swapped for SUITE), so this
# needs a Debian host; Ubuntu keeps other architectures and old suites elsewhere. Re-running with
# the same arguments is a no-op (DIR/.stamp).
set -euo pipefail

dir=$(realpath -m "${1:?usage: debian-root.sh DIR SUITE ARCH PKG...}")
suite=${2:?suite}
arch=${3:?arch}
shift 3
[ $# -gt 0 ] || { echo "debian-root: no packages given" >&2; exit 2; }
stamp="v3 $suite $arch $*"
if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
  echo "$dir"; exit 0
fi

for cmd in apt-get dpkg-deb dpkg; do
  command -v "$cmd" >/dev/null || { echo "debian-root: '$cmd' is required (a Debian host)" >&2; exit 1; }
done

closure=()   # resolved with dependencies, from SUITE
single=()    # NAME[:ARCH]/SUITE2, downloaded alone
suites=("$suite")
arches=("$arch")
for p in "$@"; do
  case "$p" in
    */*)
      single+=("$p")
      s=${p#*/}; [[ " ${suites[*]} " == *" $s "* ]] || suites+=("$s")
      n=${p%/*}; [[ "$n" == *:* ]] && { a=${n#*:}; [[ " ${arches[*]} " == *" $a "* ]] || arches+=("$a"); } ;;
    *) closure+=("$p") ;;
  esac
done

apt_dir="$dir.apt"
rm -rf "$dir" "$apt_dir"
mkdir -p "$apt_dir/sources" "$apt_dir/prefs" "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/cache"
: > "$apt_dir/status"

# Debian's entries only (the host may list third-party repositories), once per suite wanted, with
# the host's codename replaced: "bookworm bookworm-updates" -> "bullseye bullseye-updates".
host_codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ -n "$host_codename" ] || { echo "debian-root: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
write_sources() { # $1: 1 = with SUITE-updates/-security, 0 = SUITE's release alone
  local s
  rm -f "$apt_dir"/sources/*
  for s in "${suites[@]}"; do
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      # deb822 stanzas; a stanza whose Suites end up empty is dropped
      awk -v RS= -v ORS='\n\n' -v host="$host_codename" -v s="$s" -v upd="$1" '{
        n = split($0, lines, "\n"); out = ""; keep = 1
        for (i = 1; i <= n; i++) {
          line = lines[i]
          if (line ~ /^Suites:/) {
            m = split(substr(line, 8), w, " "); line = "Suites:"; cnt = 0
            for (j = 1; j <= m; j++) {
              x = w[j]; if (x == host) x = s; else if (index(x, host "-") == 1) x = s substr(x, length(host) + 1)
              if (!upd && x != s) continue
              line = line " " x; cnt++
            }
            if (!cnt) keep = 0
          }
          out = out line "\n"
        }
        if (keep) print out
      }' /etc/apt/sources.list.d/debian.sources > "$apt_dir/sources/$s.sources"
    elif grep -qs '^deb .*debian' /etc/apt/sources.list; then
      grep '^deb .*debian' /etc/apt/sources.list | sed -E "s/ $host_codename([- ])/ $s\\1/" \
        | { if [ "$1" = 1 ]; then cat; else grep -Ev " $s-(updates|security) "; fi; } > "$apt_dir/sources/$s.list"
    else
      echo "debian-root: no Debian mirror in the host's apt configuration" >&2; exit 1
    fi
    # the other suites only serve the NAME/SUITE2 packages: never pick them to resolve the closure
    if [ "$s" != "$suite" ]; then
      for n in "$s" "$s-updates" "$s-security"; do
        printf 'Package: *\nPin: release n=%s\nPin-Priority: 100\n\n' "$n"
      done > "$apt_dir/prefs/$s.pref"
    fi
  done
}
write_sources 1

arch_list=$(IFS=,; echo "${arches[*]}")
apt=(-o "APT::Architecture=$arch")
for a in "${arches[@]}"; do apt+=(-o "APT::Architectures::=$a"); done
apt+=(
     -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/sources"
     -o Dir::Etc::Preferences=/dev/null -o "Dir::Etc::PreferencesParts=$apt_dir/prefs"
     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
     -o "Dir::Cache=$apt_dir/cache" -o "Dir::Cache::archives=$apt_dir/archives"
     -o APT::Sandbox::User=root -o Debug::NoLocking=1)
apt-get "${apt[@]}" update -qq >/dev/null 2>&1 || apt-get "${apt[@]}" update >&2
# with an empty dpkg status apt resolves the whole closure, as for an empty SUITE/ARCH system
if [ ${#closure[@]} -gt 0 ] &&
   ! apt-get "${apt[@]}" install --download-only --no-install-recommends -y -qq "${closure[@]}" >&2; then
  # A mirror may list an update whose file it does not carry (seen: bullseye-security's arm64
  # libc6): fall back to SUITE's own release, without -updates/-security.
  echo "debian-root: download failed; retrying with $suite's release packages only" >&2
  write_sources 0
  apt-get "${apt[@]}" update -qq >/dev/null 2>&1 || apt-get "${apt[@]}" update >&2
  apt-get "${apt[@]}" install --download-only --no-install-recommends -y -qq "${closure[@]}" >&2
fi
if [ ${#single[@]} -gt 0 ]; then
  (cd "$apt_dir/archives" && apt-get "${apt[@]}" download -qq "${single[@]}" >&2)
fi
mkdir -p "$dir"
for deb in "$apt_dir"/archives/*.deb; do dpkg-deb -x "$deb" "$dir"; done
# A foreign architecture's multiarch include dir (OpenSSL's configuration.h lives there) is not
# searched by a cross compiler pointed at DIR/usr/include: fold it in.
host_arch=$(dpkg --print-architecture)
for a in "${arches[@]}"; do
  [ "$a" = "$host_arch" ] && continue
  case "$a" in
    amd64) triplet=x86_64-linux-gnu ;; arm64) triplet=aarch64-linux-gnu ;;
    armhf) triplet=arm-linux-gnueabihf ;; *) triplet=$a-linux-gnu ;;
  esac
  [ -d "$dir/usr/include/$triplet" ] && cp -rn "$dir/usr/include/$triplet/." "$dir/usr/include/"
done
# Absolute symlinks (libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.11) would point at the host's
# files: re-point them inside DIR, or a link check fails quietly (and turns a feature off) or,
# worse, finds the host's newer library.
find "$dir" -type l -lname '/*' | while read -r link; do
  ln -sfr "$dir$(readlink "$link")" "$link"
done
(cd "$apt_dir/archives" && ls ./*.deb | sed 's|^\./||') > "$dir/.packages"
rm -rf "$apt_dir"
printf '%s\n' "$stamp" > "$dir/.stamp"
echo "debian-root: $(wc -l < "$dir/.packages") $suite packages ($arch_list) unpacked into $dir" >&2
echo "$dir"
