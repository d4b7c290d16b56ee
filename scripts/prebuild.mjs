// Puts the native addon where node-gyp-build finds it in an installed package (no build/ there),
// stripped, and proves the binary is shippable.
//
//   npm run prebuild:host                 # the addon -> prebuilds/<platform>-<arch>/curlws.<libc>.node
//   node scripts/prebuild.mjs --no-build   # never build: fail if the built addon is missing or stale
//   node scripts/prebuild.mjs --check      # only re-check the prebuild(s) already in prebuilds/
//   node scripts/prebuild.mjs --from=FILE --out=DIR   # check FILE as DIR/prebuilds/... (DIR stands
//        in for the package root; .ci/run proves the checks reject a build above the glibc floor)
//   node scripts/prebuild.mjs --arch=arm64 --from=build-linux-arm64/Release/curlws.node \
//        [--node=/sysroot/usr/bin/node --emulator=qemu-aarch64-static]   # a cross build (never
//        built here: scripts/cross/prebuild-arm64.sh builds it), stripped and checked with the
//        target's binutils (aarch64-linux-gnu-strip, …), loaded in the target's Node under the emulator
//
// Layout and name are what prebuildify@6 (`prebuildify --napi --tag-libc --strip`) produces:
// prebuilds/linux-x64/curlws.glibc.node. The libc tag matters: node-gyp-build skips a file tagged
// for the other libc, so an Alpine user gets curlws's ERR_CURLWS_LOAD message instead of a glibc
// binary failing inside dlopen, and a musl build can sit next to the glibc one.
//
// Which addon: on a linux-x64 glibc host, the glibc-floor build (scripts/cross/build-floor.sh x64:
// Debian 11's toolchain -> build-linux-x64/Release/curlws.node); elsewhere (musl, macOS, Windows, an
// arm64 machine) the normal build, build/Release/curlws.node; --from names any other file.
//
// The checks (Linux): NEEDED only the C library (glibc prebuilds for x64/arm64: libc, libpthread,
// libm and the dynamic loader, with the C++ runtime linked in; musl: also libstdc++/libgcc),
// no RPATH/RUNPATH, no libcurl/OpenSSL/zlib symbols defined or exported, glibc prebuilds for x64 and
// arm64 need no symbol version above GLIBC_2.31 (the floor: Debian 11, Ubuntu 20.04, RHEL 9), the
// binary loads in a fresh Node and reports libcurl with ws and wss, and node-gyp-build resolves to
// it with PREBUILDS_ONLY. Any failed check fails the build.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPin } from './libcurl-pin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const opt = (name) =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
// cross builds: the target arch, the file cmake-js made, the binutils prefix, the target's Node
const arch = opt('arch') || process.arch;
const cross = arch !== process.arch;
const GNU_TRIPLETS = { arm64: 'aarch64-linux-gnu', x64: 'x86_64-linux-gnu', arm: 'arm-linux-gnueabihf' };
const tool = (name) => (cross ? `${process.env.CURLWS_CROSS_PREFIX ?? `${GNU_TRIPLETS[arch] ?? arch}-`}${name}` : name);
const targetNode = opt('node') ? path.resolve(opt('node')) : cross ? undefined : process.execPath;
const emulator = opt('emulator');
// (--from names a file made elsewhere: nothing here would rebuild it)
const noBuild = args.has('--no-build') || cross || Boolean(opt('from'));
const checkOnly = args.has('--check');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const platform = process.platform;
// the libc this Node runs on (what the binary is linked against); LIBC overrides, as in node-gyp-build
const libc = process.env.LIBC || (platform !== 'linux' ? '' : process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl');
const tuple = `${platform}-${arch}`;
// the package root the prebuild goes into (and node-gyp-build resolves from)
const outRoot = opt('out') ? path.resolve(opt('out')) : root;
const prebuildDir = path.join(outRoot, 'prebuilds', tuple);
const fileName = [pkg.name, libc].filter(Boolean).join('.') + '.node';
const dest = path.join(prebuildDir, fileName);
// The glibc floor of the linux-x64 and linux-arm64 prebuilds (docs/install.md): the newest symbol
// version they may need. Debian 11 and Ubuntu 20.04 have 2.31.
const GLIBC_FLOOR = '2.31';
const floorTarget = platform === 'linux' && libc === 'glibc' && (arch === 'x64' || arch === 'arm64');
// on an x64 Linux host the x64 prebuild comes from Debian 11's toolchain (arm64: prebuild-arm64.sh)
const floorBuild = floorTarget && !cross && !opt('from') && process.arch === 'x64';
const built = opt('from')
  ? path.resolve(opt('from'))
  : path.join(root, floorBuild ? `build-linux-${arch}` : 'build', 'Release', `${pkg.name}.node`);

const log = (msg) => console.log(`prebuild: ${msg}`);
let placed = false; // set once this run has put a new prebuild in place
function fail(msg) {
  console.error(`prebuild: FAILED: ${msg}`);
  // a prebuild that failed its checks must not stay where `npm pack` would ship it
  if (placed && existsSync(dest)) {
    rmSync(dest);
    console.error(`prebuild: removed ${path.relative(outRoot, dest)}`);
  }
  process.exit(1);
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB (${n} bytes)`;
const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
function have(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

// ---- 1. build (or reuse) ---------------------------------------------------------------------
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['native', 'CMakeLists.txt', 'scripts/libcurl.pin', 'scripts/curl-patches']) visit(path.join(root, p));
  return newest;
}

if (!checkOnly) {
  const stale = !existsSync(built) || statSync(built).mtimeMs < newestSource();
  if (floorBuild && !noBuild) {
    // incremental: the Debian 11 root and libcurl are cached, cmake-js recompiles what changed
    log(`building with Debian 11's toolchain (glibc ${GLIBC_FLOOR} floor): scripts/cross/build-floor.sh ${arch}`);
    const r = spawnSync('bash', [path.join(root, 'scripts', 'cross', 'build-floor.sh'), arch], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) fail(`scripts/cross/build-floor.sh ${arch} exited with ${r.status ?? r.signal}`);
  } else if (stale) {
    if (noBuild)
      fail(
        `${path.relative(root, built)} is ${existsSync(built) ? 'older than native/' : 'missing'}; run \`${cross ? `npm run prebuild:${arch}` : floorBuild ? 'npm run prebuild:host' : 'npm run build'}\``,
      );
    log(existsSync(built) ? 'build/Release/curlws.node is stale: rebuilding' : 'no build/Release/curlws.node: building');
    // build:curl is a no-op when the pinned libcurl is already in .cache/
    for (const script of ['build:curl', 'build:native']) {
      const r = spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit' });
      if (r.status !== 0) fail(`npm run ${script} exited with ${r.status}`);
    }
  } else {
    log(`reusing ${path.relative(root, built)} (up to date with native/)${cross ? `, cross-built for ${tuple}` : ''}`);
  }

  // ---- 2. copy + strip (the build artefact itself is left alone) -----------------------------
  mkdirSync(prebuildDir, { recursive: true });
  // an older prebuild for this libc (or an untagged one, which would shadow it) must not linger
  for (const f of readdirSync(prebuildDir)) {
    const tags = f.split('.');
    if (f.endsWith('.node') && f !== fileName && (tags.includes(libc) || !tags.some((t) => t === 'glibc' || t === 'musl'))) {
      log(`removing stale prebuilds/${tuple}/${f}`);
      rmSync(path.join(prebuildDir, f));
    }
  }
  const tmp = `${dest}.tmp`;
  copyFileSync(built, tmp);
  if (platform === 'linux' || platform === 'darwin') {
    if (!have(tool('strip')) && platform === 'linux') fail(`\`${tool('strip')}\` (binutils) not found`);
    run(tool('strip'), platform === 'darwin' ? ['-x', tmp] : ['--strip-unneeded', tmp]);
  }
  renameSync(tmp, dest);
  placed = true;
  log(`${path.relative(root, built)}: ${kib(statSync(built).size)}`);
  log(`prebuilds/${tuple}/${fileName}: ${kib(statSync(dest).size)} after strip`);
}

// ---- 3. check every prebuild for this platform/arch ------------------------------------------
if (!existsSync(dest)) fail(`prebuilds/${tuple}/${fileName} does not exist`);

// glibc floor prebuilds: libstdc++ and libgcc are linked in (CMakeLists.txt CURLWS_STATIC_RUNTIME).
// What is left is glibc's, and Node itself needs all of it: libpthread, because below glibc 2.34
// pthread_create (libcurl's threaded resolver) lives there; the loader (x64), for __tls_get_addr
// (libstdc++'s exception state is thread-local in a dlopen()ed object); libm (arm64), for floorl
// in libstdc++'s hash table sizing (x64 computes it inline).
const FLOOR_NEEDED = [/^libc\.so\.6$/, /^libpthread\.so\.0$/, /^libm\.so\.6$/, /^ld-linux[-\w.]*\.so\.\d$/];
const ALLOWED_NEEDED = [
  /^libc\.so\.6$/,
  /^libm\.so\.6$/,
  /^libpthread\.so\.0$/,
  /^libdl\.so\.2$/,
  /^librt\.so\.1$/,
  /^ld-linux[-\w.]*\.so\.\d$/,
  /^libstdc\+\+\.so\.6$/,
  /^libgcc_s\.so\.1$/,
  /^libc\.musl-[\w]+\.so\.1$/,
  /^ld-musl-[\w]+\.so\.1$/,
];
// anything that would mean libcurl, OpenSSL or zlib got linked in or leaked out
const FORBIDDEN_DEFINED =
  /^(curl_|Curl_|SSL_|TLS_|EVP_|OPENSSL_|CRYPTO_|X509_|BIO_|ERR_|inflate|deflate|zlibVersion|nghttp|ares_|psl_|idn2_)/;

function checkElf(file) {
  const rel = path.relative(outRoot, file);
  if (!have('readelf') || !have(tool('nm')) || !have(tool('objdump')))
    fail(`readelf/${tool('nm')}/${tool('objdump')} (binutils) not found`);
  const machine = run('readelf', ['-h', file])
    .match(/Machine:\s+(.*)/)?.[1]
    .trim();
  const wantMachine = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64', arm: 'ARM', ia32: 'Intel 80386' }[arch];
  if (wantMachine && machine !== wantMachine) fail(`${rel} is built for ${machine}, not ${arch} (${wantMachine})`);
  log(`${rel}: ELF machine ${machine}`);
  const dyn = run('readelf', ['-d', '-W', file]);
  const needed = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  log(`${rel}: NEEDED ${needed.join(', ')}`);
  const allowed = floorTarget ? FLOOR_NEEDED : ALLOWED_NEEDED;
  const bad = needed.filter((n) => !allowed.some((re) => re.test(n)));
  if (bad.length)
    fail(
      `${rel} needs ${bad.join(', ')}: only ${floorTarget ? 'glibc (libc, libpthread, libm, the loader; libstdc++/libgcc linked in)' : 'the C/C++ runtime'} is allowed (libcurl is static, OpenSSL/zlib bind to Node's)`,
    );
  if (/\((RPATH|RUNPATH)\)/.test(dyn))
    fail(
      `${rel} has an RPATH/RUNPATH:\n${dyn
        .split('\n')
        .filter((l) => /PATH/.test(l))
        .join('\n')}`,
    );

  const defined = run(tool('nm'), ['-D', '--defined-only', file])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/));
  const leaked = defined.filter(([, , name]) => name && FORBIDDEN_DEFINED.test(name));
  if (leaked.length)
    fail(
      `${rel} exports ${leaked
        .slice(0, 10)
        .map((s) => s[2])
        .join(', ')}${leaked.length > 10 ? ', …' : ''}`,
    );
  const text = defined.filter(([, type]) => type === 'T').map((s) => s[2]);
  const nonNapi = text.filter((n) => !/^(napi_|node_api_)/.test(n) && !/^_ZN?St|^_ZNKSt|^_ZNSt/.test(n));
  if (nonNapi.length) fail(`${rel} exports unexpected functions: ${nonNapi.join(', ')}`);
  log(
    `${rel}: exports ${text.join(', ')} (+${defined.length - text.length} weak/unique C++ template symbols); no curl_*/OpenSSL/zlib definitions`,
  );

  const undef = run(tool('nm'), ['-D', '--undefined-only', file]);
  const fromNode = ['SSL_', 'EVP_', 'X509_', 'inflate', 'napi_'].map(
    (p) => `${p}* ${(undef.match(new RegExp(`\\s${p}\\w*`, 'g')) || []).length}`,
  );
  log(`${rel}: unresolved, bound to the Node process at load: ${fromNode.join(', ')}`);

  // the newest GLIBC_x.y symbol version among the undefined symbols (GLIBC_PRIVATE never is)
  const vers = run(tool('objdump'), ['-T', file]).match(/GLIBC_\d+(\.\d+)*/g);
  const max = vers
    ? [...new Set(vers)]
        .map((v) => v.slice(6))
        .sort(compareVersions)
        .pop()
    : undefined;
  const newest = max
    ? run(tool('objdump'), ['-T', file])
        .split('\n')
        .filter((l) => l.includes(`(GLIBC_${max})`))
    : [];
  if (floorTarget) {
    if (!max) fail(`${rel} has no GLIBC_ symbol versions: not linked against glibc?`);
    if (compareVersions(max, GLIBC_FLOOR) > 0)
      fail(
        `${rel} needs glibc ${max} (${newest.map((l) => l.trim().split(/\s+/).pop()).join(', ')}), above the ${GLIBC_FLOOR} floor: ` +
          `build it with Debian 11's toolchain (\`npm run prebuild:host\`, scripts/cross/build-floor.sh)`,
      );
    log(`${rel}: needs glibc >= ${max} (${newest.map((l) => l.trim().split(/\s+/).pop()).join(', ')}), within the ${GLIBC_FLOOR} floor`);
  } else if (max) {
    log(`${rel}: needs glibc >= ${max} (build on the oldest glibc you support)`);
  }
}

function compareVersions(a, b) {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

function checkLoad(file) {
  const rel = path.relative(outRoot, file);
  const pin = readPin().CURL_VERSION;
  // a fresh process: the addon must resolve its OpenSSL/zlib symbols against this Node alone
  // (for a cross build: the target's Node, under the emulator)
  const nodeCmd = emulator ? [emulator, targetNode] : [targetNode];
  const code =
    `const m={exports:{}};process.dlopen(m,${JSON.stringify(file)});` +
    'const v=m.exports.versions;process.stdout.write(JSON.stringify({...v,features:undefined,' +
    'node:process.version,nodeArch:process.arch,nodeOpenssl:process.versions.openssl}))';
  const r = spawnSync(nodeCmd[0], [...nodeCmd.slice(1), '-e', code], { encoding: 'utf8', env: { ...process.env, LD_BIND_NOW: '1' } });
  if (r.status !== 0) fail(`${rel} does not load in ${nodeCmd.join(' ')} (LD_BIND_NOW=1):\n${r.stderr}${r.error ?? ''}`);
  const v = JSON.parse(r.stdout);
  if (v.nodeArch !== arch) fail(`${nodeCmd.join(' ')} is Node for ${v.nodeArch}, not ${arch}`);
  log(
    `${rel}: loads in Node ${v.node} ${v.nodeArch}${emulator ? ` (under ${emulator})` : ''}, all symbols bound eagerly: libcurl ${v.libcurl}, ${v.ssl}, zlib ${v.libz}, protocols ${v.protocols.join(' ')}, Node-API ${v.napi}`,
  );
  for (const p of ['ws', 'wss']) if (!v.protocols.includes(p)) fail(`${rel}: libcurl ${v.libcurl} has no ${p} support`);
  if (pin && v.libcurl !== pin) fail(`${rel}: libcurl ${v.libcurl}, but scripts/libcurl.pin says ${pin}`);
  const nodeSsl = `OpenSSL/${v.nodeOpenssl}`;
  if (!v.ssl.startsWith(nodeSsl.replace(/\+.*$/, ''))) log(`warning: ${rel} reports ${v.ssl}, Node has ${nodeSsl}`);

  // what an installed package does: node-gyp-build from the package root, build/ ignored
  const ngb = spawnSync(
    nodeCmd[0],
    [...nodeCmd.slice(1), '-p', `require(${JSON.stringify(require.resolve('node-gyp-build'))}).path(${JSON.stringify(outRoot)})`],
    { encoding: 'utf8', env: { ...process.env, PREBUILDS_ONLY: '1' } },
  );
  if (ngb.status !== 0) fail(`node-gyp-build finds no prebuild in ${outRoot}:\n${ngb.stderr}`);
  if (path.resolve(ngb.stdout.trim()) !== path.resolve(file)) fail(`node-gyp-build picks ${ngb.stdout.trim()}, not ${rel}`);
  log(`node-gyp-build (PREBUILDS_ONLY=1) resolves to prebuilds/${tuple}/${fileName}`);
}

if (platform === 'linux') checkElf(dest);
if (targetNode) checkLoad(dest);
else log(`NOT load-tested: no --node=<a Node for ${arch}> (and --emulator=…) given`);
const others = readdirSync(prebuildDir).filter((f) => f.endsWith('.node') && f !== fileName);
if (others.length) log(`also in prebuilds/${tuple} (not checked here, other libc): ${others.join(', ')}`);
log('ok');
