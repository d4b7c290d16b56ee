#!/usr/bin/env node
// `npx curlws-build`: builds curlws's native addon from source inside the installed package, for a
// system that no shipped prebuild fits (another OS, CPU or C library, or a glibc older than 2.31).
// After it, `require('curlws')` loads node_modules/curlws/build/Release/curlws.node.
//
//   npx curlws-build                              # fetch + build the pinned libcurl, then the addon
//   CURLWS_CURL_SOURCE=/path/curl-X.tar.gz npx curlws-build   # libcurl source from a file (offline)
//   CURLWS_LIBCURL=system npx curlws-build        # link the system libcurl (>= 8.14.1, with ws)
//
// 1. scripts/build-curl.sh: the libcurl release pinned in scripts/libcurl.pin, its SHA-256
//    checked (the official tarball, else Debian's source archive), built static into
//    node_modules/curlws/.cache/libcurl/ (needs bash, cmake, a C compiler, OpenSSL and zlib headers);
// 2. binding.gyp with node-gyp (the copy npm ships; needs python3, make and a C++17 compiler);
// 3. loads the result in this Node and prints what it is.
// Nothing is installed outside node_modules/curlws. Written for Linux; see docs/install.md for
// what was and was not run elsewhere.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgRoot = path.join(__dirname, '..');
const log = (msg) => console.log(`curlws-build: ${msg}`);
function die(msg) {
  console.error(`curlws-build: ${msg}`);
  process.exit(1);
}
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(
    fs
      .readFileSync(__filename, 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.startsWith('//'))
      .map((l) => l.slice(3))
      .join('\n'),
  );
  process.exit(0);
}
if (fs.existsSync(path.join(pkgRoot, 'lib', 'index.ts')))
  die(`${pkgRoot} is a source checkout: build it with \`npm run build\` (docs/install.md)`);
if (process.platform === 'win32') die('building on Windows is not supported by this command yet (it needs bash); see docs/install.md');

// ---- tools: say everything that is missing at once ------------------------------------------------
const system = process.env.CURLWS_LIBCURL === 'system';
const works = (cmd, args = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const missing = [];
if (!works('bash')) missing.push('bash');
if (!system && !works('cmake')) missing.push('cmake');
if (!works('make')) missing.push('make');
// the bundled libcurl carries patches (scripts/curl-patches/), applied with patch(1)
if (!system && !works('patch')) missing.push('patch');
if (!works('python3') && !works('python')) missing.push('python3');
if (![process.env.CXX, 'c++', 'g++', 'clang++'].some((c) => c && works(c))) missing.push('a C++ compiler (g++ or clang++)');
if (system && !works('pkg-config')) missing.push('pkg-config');
if (missing.length) {
  die(
    `missing: ${missing.join(', ')}. For example:\n` +
      '  Debian/Ubuntu: apt-get install cmake g++ make patch python3 libssl-dev zlib1g-dev\n' +
      '  Fedora/RHEL:   dnf install cmake gcc-c++ make patch python3 openssl-devel zlib-devel\n' +
      '  Alpine:        apk add bash cmake g++ make patch python3 linux-headers openssl-dev zlib-dev\n' +
      '  macOS:         xcode-select --install; brew install cmake coreutils openssl@3',
  );
}

function step(what, cmd, args, opts = {}) {
  log(what);
  const r = spawnSync(cmd, args, { cwd: pkgRoot, stdio: 'inherit', ...opts });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${what}: \`${cmd} ${args.join(' ')}\` exited with ${r.status ?? r.signal}`);
}

// ---- 1. libcurl ---------------------------------------------------------------------------------
step(system ? 'CURLWS_LIBCURL=system: checking the system libcurl' : 'libcurl: fetching and building the pinned release', 'bash', [
  path.join('scripts', 'build-curl.sh'),
]);

// ---- 2. the addon with node-gyp -----------------------------------------------------------------
// npm's own node-gyp: npm names it to the scripts it runs; else the copy next to this Node's npm
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [pkgRoot, process.cwd()] }));
  } catch {
    // not installed as a package: look for npm's bundled copy
  }
  const npmDirs = [path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm')];
  const npmOnPath = spawnSync('which', ['npm'], { encoding: 'utf8' }).stdout?.trim();
  if (npmOnPath) npmDirs.push(path.join(path.dirname(fs.realpathSync(npmOnPath.split('\n')[0])), '..'));
  for (const d of npmDirs) candidates.push(path.join(d, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && fs.existsSync(c));
}
const nodeGyp = findNodeGyp();
const gypArgs = ['rebuild', '-j', 'max'];
// Node's headers next to this Node (official tarballs, most packages) save node-gyp a download
const prefix = path.resolve(process.execPath, '..', '..');
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')))
  gypArgs.push(`--nodedir=${prefix}`);
if (nodeGyp) step(`addon: node-gyp ${gypArgs.join(' ')}`, process.execPath, [nodeGyp, ...gypArgs]);
else step(`addon: npx node-gyp ${gypArgs.join(' ')} (npm's own node-gyp not found)`, 'npx', ['--yes', 'node-gyp', ...gypArgs]);

// ---- 3. load it ----------------------------------------------------------------------------------
const addon = path.join(pkgRoot, 'build', 'Release', 'curlws.node');
// (the child prints libcurl's version, TLS library and protocols)
const probe =
  'const v = require(process.argv[1]).versions;' +
  'console.log("libcurl " + v.libcurl + ", " + v.ssl + ", protocols " + v.protocols.join(" "))';
const check = spawnSync(process.execPath, ['-e', probe, addon], { encoding: 'utf8' });
if (check.status !== 0) die(`the built addon does not load:\n${check.stderr}`);
log(`done: ${path.relative(process.cwd(), addon)} (${check.stdout.trim()}); require('curlws') now loads it`);
