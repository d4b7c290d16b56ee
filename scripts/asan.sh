#!/usr/bin/env bash
# `npm run test:asan`: the addon built with AddressSanitizer + UndefinedBehaviorSanitizer (gcc's
# libasan/libubsan) into build-asan/ (build/ is never touched), then, with the ASan runtime
# preloaded into node (LD_PRELOAD) and CURLWS_ADDON_PATH pointing at the sanitized addon:
#   1. the fast suite (npm test: unit, integration, native teardown, compat, CLI, short fuzz);
#   2. the conformance run (test/conformance, 301 cases);
#   3. the fuzz test for a longer time (default 60 s; --fuzz-duration=S, --seed=N);
# with LeakSanitizer on in every process (suppressions: scripts/lsan.supp). Sanitizer logs go
# to test/.tmp/asan/ (one file per process); scripts/asan-report.mjs summarises them and fails
# on any ASan error, UBSan error, or leak with a frame in the addon (our code or libcurl).
#
# Usage: npm run test:asan [-- --fuzz-duration=60 --seed=N --only-fuzz]
#   --only-fuzz skips 1 and 2.
# Works on a fresh Debian/Ubuntu machine as root: installs g++ (which brings libasan/libubsan)
# and runs scripts/setup.sh when the checkout is not built yet.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

fuzz_duration=60
seed=""
only_fuzz=0
for arg in "$@"; do
  case "$arg" in
    --fuzz-duration=*) fuzz_duration=${arg#*=} ;;
    --seed=*) seed=${arg#*=} ;;
    --only-fuzz) only_fuzz=1 ;;
    *) echo "asan: unknown argument $arg" >&2; exit 2 ;;
  esac
done

# ---- toolchain ---------------------------------------------------------------------------------
runtime() { gcc -print-file-name="$1" 2>/dev/null; }
if ! command -v g++ >/dev/null || ! command -v cmake >/dev/null || [ ! -e "$(runtime libasan.so)" ] ||
   [ ! -e "$(runtime libubsan.so)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "asan: installing g++ cmake (gcc's libasan/libubsan)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends g++ cmake make >/dev/null
  else
    echo "asan: need g++ with libasan and libubsan (Debian: apt-get install g++ cmake)" >&2
    exit 1
  fi
fi
libasan=$(readlink -f "$(runtime libasan.so)")
libubsan=$(readlink -f "$(runtime libubsan.so)")

# A fresh checkout: dependencies, bundled libcurl, dist/ (scripts/setup.sh skips what is there).
curl_version=$(sed -n 's/^CURL_VERSION=//p' scripts/libcurl.pin)
if [ ! -d node_modules/cmake-js ] || [ ! -f ".cache/libcurl/$curl_version/lib/libcurl.a" ] || [ ! -f dist/index.js ]; then
  bash scripts/setup.sh --no-demo
fi
npm run build:ts --silent >/dev/null

# ---- build -------------------------------------------------------------------------------------
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
echo "asan: building the addon with $sanitize into build-asan/"
# cmake-js passes its own CMAKE_CXX_FLAGS (overriding ours), so the flags go in the build type's.
npx cmake-js compile --out build-asan --log-level warn --CDCMAKE_BUILD_TYPE=RelWithDebInfo \
  "--CDCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g $sanitize" "--CDCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined" \
  --CDCURLWS_STATIC_RUNTIME=OFF
addon="$root/build-asan/Release/curlws.node"
# Instrumented code calls __asan_report_* / __ubsan_handle_*: without them only the runtime
# would be there (malloc interception and LSan), not the checks on our memory accesses.
undefined_symbols=$(nm -D --undefined-only "$addon")
if ! grep -q '__asan_report_load' <<<"$undefined_symbols" || ! grep -q '__ubsan_handle_' <<<"$undefined_symbols"; then
  echo "asan: $addon is not instrumented (compiler flags were dropped)" >&2
  exit 1
fi

# ---- run ---------------------------------------------------------------------------------------
logs="$root/test/.tmp/asan"
rm -rf "$logs"
mkdir -p "$logs"
export CURLWS_ADDON_PATH="$addon"
export LD_PRELOAD="$libasan:$libubsan"
# exitcode=0: a leak report must not change the exit code of the processes the tests spawn
# (the CLI tests check them); asan-report.mjs reads the logs instead. Real errors still abort.
export ASAN_OPTIONS="detect_leaks=1:exitcode=0:abort_on_error=1:log_path=$logs/asan:detect_stack_use_after_return=0"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:abort_on_error=1:log_path=$logs/asan"
export CURLWS_LSAN_CHECK=1         # vitest: LSan after each test file (test/setup/lsan-check.ts)
export CURLWS_FUZZ_RSS_LIMIT_MB=0   # ASan's quarantine keeps freed memory: RSS means nothing here

# The tests must really run on the sanitized addon: check a process loads it and the runtime.
node -e "
  require('./dist/core/native.js');
  const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
  if (!maps.includes('build-asan/Release/curlws.node') || !maps.includes('libasan'))
    { console.error('asan: the sanitized addon or libasan is not loaded'); process.exit(1); }
  console.log('asan: node loads build-asan/Release/curlws.node with libasan preloaded');"

status=0
if [ "$only_fuzz" = 0 ]; then
  echo "asan: fast suite with the sanitized addon ($addon)"
  node scripts/run-tests.mjs --testTimeout=120000 --hookTimeout=120000 | tee "$logs/../asan-suite.out" || status=1
fi

if [ "$only_fuzz" = 0 ]; then
  echo "asan: conformance (301 Autobahn-style cases)"
  node test/conformance/run.mjs --quiet | tail -n 3 || status=1
fi

seed_arg=()
[ -n "$seed" ] && seed_arg=("--seed=$seed")
echo "asan: fuzz for ${fuzz_duration}s"
node test/fuzz/run.mjs "--duration=$fuzz_duration" --connections=40 "${seed_arg[@]}" | tail -n 5 || status=1

unset LD_PRELOAD
node scripts/asan-report.mjs "$logs" asan || status=1
[ "$status" = 0 ] && echo "asan: PASS" || echo "asan: FAIL (logs in $logs)"
exit "$status"
