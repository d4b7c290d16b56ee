#!/usr/bin/env bash
# Build the pinned libcurl (scripts/libcurl.pin) as a static library with only what a WebSocket
# client needs: HTTP/1.1, ws/wss, TLS (OpenSSL), proxies, zlib.
#
# Usage: bash scripts/build-curl.sh            # builds into .cache/libcurl/<version>/ once
#        bash scripts/build-curl.sh -DCMAKE_TOOLCHAIN_FILE=...   # extra arguments go to curl's
#                                               # cmake (and into the stamp), e.g. a cross build
#                                               # with CURLWS_CACHE_DIR (scripts/cross/)
#        CURLWS_CURL_SOURCE=/path/curl-X.tar.gz bash scripts/build-curl.sh   # explicit source
#        CURLWS_LIBCURL=system ...              # nothing to do: the system libcurl is used
#
# Where the source comes from, in order:
#   1. $CURLWS_CURL_SOURCE: a tarball path, an unpacked source directory, or an http(s) URL;
#   2. the official release tarball (curl's download site);
#   3. Debian's source archive through apt-get (the route on machines that only reach Debian).
# Every tarball is checked against the pinned SHA-256, then the patches in scripts/curl-patches/
# are applied in name order. Re-running after a successful build is a no-op (the install prefix
# carries a stamp with the version, the build flags' hash and the patches' hash).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=libcurl.pin
. "$here/libcurl.pin"

if [ "${CURLWS_LIBCURL:-bundled}" = system ]; then
  echo "build-curl: CURLWS_LIBCURL=system, using the system libcurl (checked at configure time)"
  exit 0
fi

cache=${CURLWS_CACHE_DIR:-$root/.cache/libcurl}
prefix="$cache/$CURL_VERSION"
jobs=$(nproc 2>/dev/null || echo 2)

cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DCMAKE_C_FLAGS=-fvisibility=hidden
  -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON
  -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DBUILD_LIBCURL_DOCS=OFF -DBUILD_MISC_DOCS=OFF
  -DENABLE_CURL_MANUAL=OFF -DCURL_USE_PKGCONFIG=OFF
  -DCURL_USE_OPENSSL=ON -DCURL_ZLIB=ON -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF
  -DUSE_NGHTTP2=OFF -DUSE_NGTCP2=OFF -DUSE_LIBIDN2=OFF -DCURL_USE_LIBPSL=OFF
  -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF -DENABLE_ARES=OFF
  -DENABLE_THREADED_RESOLVER=ON
  # No CA bundle path baked in: CA roots come from Node (CURLOPT_CAINFO_BLOB) or the user.
  -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none
  # HTTP_ONLY=ON would silently drop ws/wss, so disable the other protocols one by one.
  -DCURL_DISABLE_DICT=ON -DCURL_DISABLE_FILE=ON -DCURL_DISABLE_FTP=ON -DCURL_DISABLE_GOPHER=ON
  -DCURL_DISABLE_IMAP=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DCURL_DISABLE_MQTT=ON
  -DCURL_DISABLE_POP3=ON -DCURL_DISABLE_RTSP=ON -DCURL_DISABLE_SMTP=ON -DCURL_DISABLE_TELNET=ON
  -DCURL_DISABLE_TFTP=ON -DCURL_DISABLE_IPFS=ON -DCURL_DISABLE_WEBSOCKETS=OFF
  "$@"
)
# Patches to the pinned source (scripts/curl-patches/*.patch, `patch -p1`, applied in name order;
# docs/troubleshooting.md says what each fixes). Their content is part of the stamp: adding or
# changing one rebuilds.
patches=()
for p in "$here"/curl-patches/*.patch; do [ -f "$p" ] && patches+=("$p"); done
patches_hash=none
if [ "${#patches[@]}" -gt 0 ]; then patches_hash=$(cat "${patches[@]}" | sha256sum | cut -c1-16); fi
stamp_text="$CURL_VERSION $CURL_SHA256 $(printf '%s ' "${cmake_flags[@]}" | sha256sum | cut -c1-16) patches:$patches_hash"

if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$stamp_text" ] \
   && [ -f "$prefix/lib/libcurl.a" ]; then
  echo "build-curl: libcurl $CURL_VERSION already built in $prefix"
  exit 0
fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "build-curl: '$1' is required" >&2; exit 1; }; }
need cmake; need sha256sum; need tar

work="$cache/work-$CURL_VERSION"
rm -rf "$work"; mkdir -p "$work"
tarball="$work/curl-$CURL_VERSION.tar.gz"

verify() { # $1: tarball; succeeds only when it matches the pinned SHA-256
  local got; got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$CURL_SHA256" ]; then
    echo "build-curl: checksum mismatch for $1: got $got, want $CURL_SHA256" >&2
    return 1
  fi
}

download() { # $1: URL, $2: destination
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --connect-timeout 10 --retry 2 -o "$2" "$1"
  else
    node -e 'fetch(process.argv[1]).then(async r=>{if(!r.ok)throw new Error(r.status);require("fs").writeFileSync(process.argv[2],Buffer.from(await r.arrayBuffer()))}).catch(e=>{console.error(String(e));process.exit(1)})' "$1" "$2"
  fi
}

from_debian() { # fetch curl_<version>.orig.tar.gz with apt-get source, without touching apt's config
  need apt-get
  local srcdir="$work/apt" uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list 2>/dev/null || true)
  fi
  [ -n "$uri" ] || { echo "build-curl: no Debian mirror found in apt's configuration" >&2; return 1; }
  mkdir -p "$srcdir/lists/partial" "$srcdir/dl"
  cat > "$srcdir/src.sources" <<SRC
Types: deb-src
URIs: $uri
Suites: sid trixie-backports forky trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  local apt=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$srcdir"
             -o "Dir::State::Lists=$srcdir/lists" -o APT::Sandbox::User=root)
  apt-get "${apt[@]}" update -qq >/dev/null 2>&1 || apt-get "${apt[@]}" update
  # Any Debian revision of the pinned upstream version carries the same orig tarball.
  local debver
  debver=$(apt-cache "${apt[@]}" showsrc curl 2>/dev/null \
    | awk -v v="$CURL_VERSION" '$1 == "Version:" && index($2, v "-") == 1 { print $2; exit }')
  [ -n "$debver" ] || { echo "build-curl: Debian's source archive has no curl $CURL_VERSION" >&2; return 1; }
  (cd "$srcdir/dl" && apt-get "${apt[@]}" source --download-only -qq "curl=$debver" >/dev/null)
  mv "$srcdir/dl/curl_$CURL_VERSION.orig.tar.gz" "$tarball"
}

fetched=""
src="${CURLWS_CURL_SOURCE:-}"
if [ -n "$src" ]; then
  case "$src" in
    http://*|https://*) download "$src" "$tarball" && verify "$tarball" && fetched=1 ;;
    *) if [ -d "$src" ]; then fetched=dir
       else cp "$src" "$tarball" && verify "$tarball" && fetched=1; fi ;;
  esac
  [ -n "$fetched" ] || { echo "build-curl: CURLWS_CURL_SOURCE=$src is not usable" >&2; exit 1; }
fi
if [ -z "$fetched" ]; then
  if download "https://curl.se/download/curl-$CURL_VERSION.tar.gz" "$tarball" 2>/dev/null \
     && verify "$tarball"; then
    fetched=1; echo "build-curl: fetched the official release tarball"
  elif from_debian && verify "$tarball"; then
    fetched=1; echo "build-curl: fetched curl $CURL_VERSION from Debian's source archive"
  else
    echo "build-curl: could not obtain curl $CURL_VERSION; set CURLWS_CURL_SOURCE to a tarball" >&2
    exit 1
  fi
fi

if [ "$fetched" = dir ]; then
  if [ "${#patches[@]}" -gt 0 ]; then # patch a copy: the caller's tree stays as it was
    need patch; cp -a "$src" "$work/curl-$CURL_VERSION"; srctree="$work/curl-$CURL_VERSION"
  else srctree="$src"; fi
else tar -xzf "$tarball" -C "$work"; srctree="$work/curl-$CURL_VERSION"; fi
for p in "${patches[@]}"; do
  need patch
  echo "build-curl: applying $(basename "$p")"
  patch -p1 -N -s -d "$srctree" < "$p" \
    || { echo "build-curl: $(basename "$p") does not apply to curl $CURL_VERSION" >&2; exit 1; }
done

echo "build-curl: building libcurl $CURL_VERSION (static, HTTP/WS only) into $prefix"
rm -rf "$prefix"
cmake -S "$srctree" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$prefix" "${cmake_flags[@]}" \
  > "$work/configure.log" 2>&1 || { tail -40 "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" --parallel "$jobs" > "$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; exit 1; }
cmake --install "$work/build" > "$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; exit 1; }
[ -f "$prefix/lib/libcurl.a" ] || { echo "build-curl: install produced no $prefix/lib/libcurl.a" >&2; exit 1; }
mkdir -p "$prefix/share"
cp "$srctree/include/curl/curl.h" "$prefix/share/curl.h.pinned"
printf '%s\n' "$stamp_text" > "$prefix/.stamp"
rm -rf "$work"
grep -q 'ws' < <("$prefix/bin/curl-config" --protocols 2>/dev/null | tr 'A-Z' 'a-z') \
  || echo "build-curl: warning: curl-config does not list ws" >&2
echo "build-curl: done: $prefix/lib/libcurl.a"
