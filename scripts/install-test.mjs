// Install test: what a user gets from the registry. Packs the repo, installs the tarball into a
// fresh throwaway project (npm install --ignore-scripts; node-gyp-build must then find the shipped
// prebuild, since the package has no build/), and in that project: require('curlws'),
// import('curlws'), require('curlws/ws'), require/import('curlws/curl'), tsc --noEmit against the shipped .d.ts (node16 and
// nodenext), a real conversation with a local echo server (ws:, and wss: when the openssl CLI is
// there), a scripts-on `npm install` must build nothing, and publint. With --from-source, also
// what a user on a platform without a fitting prebuild does: the tarball installed in another
// fresh project with its prebuilds removed, require() must fail with ERR_CURLWS_LOAD naming
// `npx curlws-build`, which must then fetch and build libcurl and the addon (binding.gyp, npm's
// node-gyp) so that the same conversations work on the built addon.
//
//   node scripts/install-test.mjs               # npm run build + npm run prebuild:host first
//   node scripts/install-test.mjs --no-build    # test what is already in dist/ and prebuilds/
//   node scripts/install-test.mjs --from-source # + the build-from-source path (~3-5 min more)
//   node scripts/install-test.mjs --keep        # keep the temp dir (path printed) for a look
//
// Needs the npm registry (node-gyp-build, typescript, @types/node, publint); nothing else online.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPin } from './libcurl-pin.mjs';
import { selfSignedCert } from './self-signed-cert.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'test', 'install');
const argv = new Set(process.argv.slice(2));
const keep = argv.has('--keep');
const tuple = `${process.platform}-${process.arch}`;
const started = Date.now();

const results = [];
let current = '';
function step(name) {
  current = name;
  console.log(`\ninstall-test: ── ${name}`);
}
function ok(detail) {
  results.push([current, detail]);
  console.log(`install-test: ok: ${detail}`);
}
class StepError extends Error {}
const softFailures = [];
function soft(msg) {
  softFailures.push([current, msg]);
  console.error(`install-test: FAILED: ${msg}`);
}
function fail(msg) {
  throw new StepError(msg);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts, env: { ...process.env, ...opts.env } });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    fail(
      `\`${cmd} ${args.join(' ')}\` exited with ${r.status ?? r.signal}${opts.cwd ? ` (in ${opts.cwd})` : ''}\n` +
        `${(r.stdout || '').trim()}\n${(r.stderr || '').trim()}`.trimEnd(),
    );
  }
  return r;
}
const npm = (args, opts) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], opts);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'curlws-install-'));
const proj = path.join(tmp, 'project');
let exitCode = 0;

try {
  // ---- build ----------------------------------------------------------------------------------
  if (!argv.has('--no-build')) {
    step('npm run build && node scripts/prebuild.mjs');
    run('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    run(process.execPath, [path.join(root, 'scripts', 'prebuild.mjs')], { cwd: root, stdio: 'inherit' });
    ok('built');
  }

  // ---- pack -----------------------------------------------------------------------------------
  step('npm pack');
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], { cwd: root }).stdout)[0];
  const tarball = path.join(tmp, packed.filename);
  const files = packed.files.map((f) => f.path);
  const has = (p) => files.includes(p);
  const prebuilds = files.filter((f) => f.startsWith(`prebuilds/${tuple}/`) && f.endsWith('.node'));
  if (!prebuilds.length)
    fail(`the tarball has no prebuilds/${tuple}/*.node: run \`npm run prebuild:host\` (package.json "files" must list "prebuilds")`);
  const forbidden = files.filter((f) => /^(build|\.cache|node_modules|test|lib|\.ci)\//.test(f) || f.endsWith('.tgz'));
  if (forbidden.length)
    fail(`the tarball ships files it must not: ${forbidden.slice(0, 10).join(', ')}${forbidden.length > 10 ? ', …' : ''}`);
  const required = [
    'package.json',
    'README.md',
    'dist/index.js',
    'dist/index.mjs',
    'dist/index.d.ts',
    'dist/index.d.mts',
    'dist/ws.js',
    'dist/ws.d.ts',
    'dist/curl.js',
    'dist/curl.d.ts',
    'docs/cli.md', // `curlws --help` points at it
    'dist/examples/websocket.js', // docs/libcurl.md runs it from the package
  ];
  const missing = required.filter((f) => !has(f));
  if (missing.length) fail(`the tarball lacks ${missing.join(', ')} (did \`npm run build\` run?)`);
  const biggest = [...packed.files]
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((f) => `${f.path} ${kib(f.size)}`);
  ok(
    `${packed.filename}: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${packed.entryCount} files; ` +
      `prebuilds: ${prebuilds.join(', ')}; no build/; largest: ${biggest.join(', ')}`,
  );
  if (!files.some((f) => /^licen[cs]e/i.test(f)))
    console.log('install-test: note: no LICENSE file in the tarball (package.json says "license": "MIT")');

  // ---- package.json entry points (publint's core checks, without publint) ----------------------
  step('package.json entry points resolve to shipped files');
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const targets = [];
  const walk = (v, where) => {
    if (typeof v === 'string') targets.push([where, v]);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}[${JSON.stringify(k)}]`);
  };
  walk(pkg.exports, 'exports');
  for (const k of ['main', 'types', 'module']) if (pkg[k]) targets.push([k, pkg[k]]);
  const problems = [];
  for (const [where, t] of targets) {
    if (!t.startsWith('./')) problems.push(`${where}: "${t}" must start with ./`);
    else if (!has(path.posix.normalize(t))) problems.push(`${where}: ${t} is not in the tarball`);
  }
  const walkConditions = (v, where) => {
    if (!v || typeof v !== 'object') return;
    const keys = Object.keys(v);
    if (keys.includes('types') && keys.indexOf('types') !== 0) problems.push(`${where}: "types" must be the first condition`);
    if (keys.includes('default') && keys.indexOf('default') !== keys.length - 1)
      problems.push(`${where}: "default" must be the last condition`);
    for (const [k, x] of Object.entries(v)) walkConditions(x, `${where}.${k}`);
  };
  walkConditions(pkg.exports, 'exports');
  if (pkg.scripts?.install || pkg.scripts?.preinstall || pkg.scripts?.postinstall) {
    console.log(
      `install-test: note: install scripts: ${['preinstall', 'install', 'postinstall']
        .filter((s) => pkg.scripts[s])
        .map((s) => `${s}=${pkg.scripts[s]}`)
        .join(', ')}`,
    );
  } else if (has('binding.gyp') && pkg.gypfile !== false) {
    problems.push(
      'binding.gyp is shipped without an install script and without "gypfile": false: npm would run `node-gyp rebuild` on every install',
    );
  }
  if (problems.length) fail(problems.join('\n'));
  ok(
    `${targets.length} entry points (${targets
      .map(([, t]) => t)
      .filter((t, i, a) => a.indexOf(t) === i)
      .join(', ')}) all shipped; condition order fine`,
  );

  // ---- install into a fresh project -----------------------------------------------------------
  step('npm install <tarball> --ignore-scripts in a fresh project');
  mkdirSync(proj);
  writeFileSync(
    path.join(proj, 'package.json'),
    JSON.stringify(
      {
        name: 'curlws-install-test',
        version: '0.0.0',
        private: true,
        dependencies: { curlws: `file:${tarball}` },
        devDependencies: { typescript: '~5.9.0', '@types/node': '^20.0.0' },
      },
      null,
      2,
    ),
  );
  for (const f of readdirSync(fixtures)) copyFileSync(path.join(fixtures, f), path.join(proj, f));
  npm(['install', '--ignore-scripts'], { cwd: proj });
  const installed = path.join(proj, 'node_modules', 'curlws');
  if (!existsSync(path.join(installed, 'package.json'))) fail('node_modules/curlws is missing after npm install');
  if (existsSync(path.join(installed, 'build')))
    fail('the installed package has a build/ directory: node-gyp-build would load it instead of the prebuild');
  const shipped = readdirSync(path.join(installed, 'prebuilds', tuple)).filter((f) => f.endsWith('.node'));
  if (!shipped.length) fail(`the installed package has no prebuilds/${tuple}/*.node`);
  for (const dep of Object.keys(pkg.dependencies || {})) {
    if (!existsSync(path.join(proj, 'node_modules', dep, 'package.json'))) fail(`dependency ${dep} was not installed`);
  }
  ok(`installed: prebuilds/${tuple}/${shipped.join(', ')}, no build/; dependencies: ${Object.keys(pkg.dependencies || {}).join(', ')}`);

  // ---- load -----------------------------------------------------------------------------------
  step("require('curlws'), require('curlws/ws') and require('curlws/curl') (CommonJS)");
  const cjs = JSON.parse(run(process.execPath, ['smoke.cjs'], { cwd: proj }).stdout.trim().split('\n').pop());
  ok(
    `loaded ${cjs.addon}: curlws ${cjs.curlws}, libcurl ${cjs.libcurl}, ${cjs.ssl}, zlib ${cjs.libz}, protocols ${cjs.protocols.join(' ')}`,
  );

  step("import('curlws') (ESM) and a conversation with a local echo server");
  const env = {};
  const certs = path.join(proj, 'certs');
  mkdirSync(certs);
  if (selfSignedCert(certs)) env.CURLWS_INSTALL_TEST_CERTS = certs;
  const esm = JSON.parse(run(process.execPath, ['smoke.mjs'], { cwd: proj, env }).stdout.trim().split('\n').pop());
  ok(`ESM: ${esm.exports} named exports, same instance as require(); ws: ${esm.ws}; wss: ${esm.wss}`);
  const conversationEnv = env;

  // ---- types ----------------------------------------------------------------------------------
  for (const mode of ['node16', 'nodenext']) {
    step(`tsc --noEmit, module/moduleResolution ${mode}`);
    const cfg = `tsconfig.${mode}.json`;
    writeFileSync(
      path.join(proj, cfg),
      JSON.stringify(
        {
          compilerOptions: {
            module: mode,
            moduleResolution: mode,
            target: 'es2022',
            lib: ['es2022'],
            types: ['node'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            noUnusedLocals: true,
            // ts-expect-error lines in the fixtures prove the types are real, not `any`
          },
          files: ['types.mts', 'types.cts'],
        },
        null,
        2,
      ),
    );
    const tsc = run(process.execPath, [path.join(proj, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', cfg], {
      cwd: proj,
      allowFail: true,
    });
    if (tsc.status !== 0) {
      // keep going: the later steps still tell something; the run fails at the end
      soft(
        `tsc (${mode}, lib es2022 without DOM, skipLibCheck off) found errors in the shipped types:\n${tsc.stdout}${tsc.stderr}`.trimEnd(),
      );
      continue;
    }
    const tsv = JSON.parse(readFileSync(path.join(proj, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
    ok(`TypeScript ${tsv}: types.mts (ESM import) and types.cts (import = require) check against dist/*.d.ts, skipLibCheck off`);
  }

  // ---- install scripts on ---------------------------------------------------------------------
  step('npm install <tarball> with install scripts on (what most users run): must build nothing');
  const proj2 = path.join(tmp, 'project-scripts');
  mkdirSync(proj2);
  writeFileSync(path.join(proj2, 'package.json'), JSON.stringify({ name: 'curlws-install-test-scripts', version: '0.0.0', private: true }));
  const withScripts = npm(['install', tarball, '--foreground-scripts'], { cwd: proj2 });
  const installed2 = path.join(proj2, 'node_modules', 'curlws');
  if (existsSync(path.join(installed2, 'build')))
    fail(`npm install (scripts on) compiled the addon:\n${withScripts.stdout}${withScripts.stderr}`);
  run(process.execPath, ['-e', "if (!require('curlws').versions.protocols.includes('wss')) process.exit(1)"], { cwd: proj2 });
  // what `"install": "node-gyp-build"` would run: it must find the prebuild and do nothing
  const ngbBin = path.join(proj, 'node_modules', 'node-gyp-build', 'bin.js');
  const pathEnv = `${path.join(proj, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`;
  run(process.execPath, [ngbBin], { cwd: installed, env: { PATH: pathEnv, npm_config_build_from_source: '' } });
  if (existsSync(path.join(installed, 'build'))) fail('node-gyp-build (as an install script) tried to compile: the prebuild did not load');
  ok(
    `${pkg.scripts?.install ? `install script "${pkg.scripts.install}"` : 'no install script ("gypfile": false)'}: nothing compiled, loads; node-gyp-build as an install script: prebuild loads, no compile`,
  );

  // ---- publint --------------------------------------------------------------------------------
  step('publint');
  const pl = npm(['install', '--no-save', '--ignore-scripts', 'publint@^0.3'], { cwd: proj, allowFail: true });
  const plBin = path.join(proj, 'node_modules', 'publint', 'src', 'cli.js');
  if (pl.status !== 0 || !existsSync(plBin)) {
    console.log(
      `install-test: publint could not be installed (${(pl.stderr || '').trim().split('\n').pop()}); the entry-point check above stands in for it`,
    );
    results.push([current, 'unavailable (entry-point check above instead)']);
  } else {
    const plv = JSON.parse(readFileSync(path.join(proj, 'node_modules', 'publint', 'package.json'), 'utf8')).version;
    // the installed package is exactly the tarball's contents: lint it as is (no re-pack)
    const r = run(process.execPath, [plBin, 'run', installed, '--pack', 'false', '--strict'], { cwd: proj, allowFail: true });
    const out = `${r.stdout}${r.stderr}`.trim();
    console.log(
      out
        .split('\n')
        .map((l) => `  publint: ${l}`)
        .join('\n'),
    );
    if (r.status !== 0) soft(`publint ${plv} --strict reports problems (listed above)`);
    else ok(`publint ${plv} --strict: ${out.split('\n').pop()}`);
  }

  if (argv.has('--from-source')) fromSource(tarball, pkg, conversationEnv);
} catch (err) {
  exitCode = 1;
  console.error(`\ninstall-test: FAILED at "${current}":\n${err instanceof StepError ? err.message : err.stack}`);
} finally {
  if (keep) console.log(`\ninstall-test: kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
if (softFailures.length) {
  exitCode = 1;
  for (const [name, msg] of softFailures) console.error(`\ninstall-test: FAILED at "${name}":\n${msg}`);
}

// ---- build from source: no prebuild fits ----------------------------------------------------------
function fromSource(tarball, pkg, env) {
  step('no prebuild fits: require() fails with ERR_CURLWS_LOAD naming the build command');
  const proj3 = path.join(tmp, 'project-from-source');
  mkdirSync(proj3);
  writeFileSync(path.join(proj3, 'package.json'), JSON.stringify({ name: 'curlws-from-source', version: '0.0.0', private: true }));
  npm(['install', tarball], { cwd: proj3 });
  const installed = path.join(proj3, 'node_modules', 'curlws');
  // what a platform without a prebuild sees: none for this platform (and no build/)
  rmSync(path.join(installed, 'prebuilds'), { recursive: true, force: true });
  const probe =
    "try { require('curlws'); console.log(JSON.stringify({ loaded: true })) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }";
  const before = JSON.parse(run(process.execPath, ['-e', probe], { cwd: proj3 }).stdout.trim().split('\n').pop());
  if (before.code !== 'ERR_CURLWS_LOAD') fail(`without a prebuild require('curlws') gave ${JSON.stringify(before)}, not ERR_CURLWS_LOAD`);
  if (!before.message.includes('npx curlws-build'))
    fail(`the ERR_CURLWS_LOAD message does not name \`npx curlws-build\`:\n${before.message}`);
  ok(`ERR_CURLWS_LOAD, the message names \`npx curlws-build\`: "${before.message.split('\n')[0]}"`);

  step('npx curlws-build: fetch the pinned libcurl (checksum), build it and the addon with node-gyp');
  const t0 = Date.now();
  run('npx', ['curlws-build'], { cwd: proj3, stdio: 'inherit' });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  const addon = path.join(installed, 'build', 'Release', 'curlws.node');
  if (!existsSync(addon)) fail(`npx curlws-build left no ${path.relative(proj3, addon)}`);
  // the checks prebuild.mjs makes of a prebuild, as far as they apply to a local build
  const pin = readPin().CURL_VERSION;
  const loaded = JSON.parse(
    run(
      process.execPath,
      [
        '-e',
        "const v = require('curlws').versions; const p = require('node-gyp-build').path(require('path').dirname(require.resolve('curlws/package.json'))); console.log(JSON.stringify({ ...v, features: undefined, path: p }))",
      ],
      { cwd: proj3 },
    )
      .stdout.trim()
      .split('\n')
      .pop(),
  );
  if (path.resolve(loaded.path) !== addon) fail(`node-gyp-build picks ${loaded.path}, not the built ${addon}`);
  if (loaded.libcurl !== pin) fail(`the built addon has libcurl ${loaded.libcurl}, scripts/libcurl.pin says ${pin}`);
  if (!loaded.protocols.includes('wss')) fail(`the built libcurl has no wss: ${loaded.protocols}`);
  let elf = '';
  if (process.platform === 'linux') {
    const needed = [...run('readelf', ['-d', addon]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    const bad = needed.filter((n) => /^lib(curl|ssl|crypto|z|stdc\+\+|gcc_s)\./.test(n));
    if (bad.length) fail(`the built addon needs ${bad.join(', ')} (libcurl static, OpenSSL/zlib from Node, C++ runtime linked in)`);
    const curlSyms = run('nm', ['-D', '--defined-only', addon])
      .stdout.split('\n')
      .filter((l) => /\s(curl_|Curl_)/.test(l));
    if (curlSyms.length) fail(`the built addon exports libcurl symbols: ${curlSyms.slice(0, 5).join(', ')}`);
    elf = `; NEEDED ${needed.join(', ')}, no curl_* exports`;
  }
  ok(
    `built in ${secs} s: ${path.relative(proj3, addon)}, libcurl ${loaded.libcurl}, ${loaded.ssl}, protocols ${loaded.protocols.join(' ')}${elf}`,
  );

  step('the built addon holds the same conversations (ESM, ws: and wss:)');
  for (const f of ['smoke.mjs', 'echo-server.mjs', 'ws-handshake.mjs']) copyFileSync(path.join(fixtures, f), path.join(proj3, f));
  const esm = JSON.parse(run(process.execPath, ['smoke.mjs'], { cwd: proj3, env }).stdout.trim().split('\n').pop());
  ok(`ws: ${esm.ws}; wss: ${esm.wss}`);
}

console.log(`\ninstall-test: ${exitCode ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const [name, detail] of results) console.log(`  ✓ ${name}: ${detail}`);
process.exit(exitCode);
