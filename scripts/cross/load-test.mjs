// Loads a prebuild the way an installed package does, in a Node that runs somewhere else than this
// process — under an emulator (another architecture) or inside a chroot (another, older glibc) —
// and holds real conversations with echo servers in THIS (host) Node on 127.0.0.1.
//
//   QEMU_LD_PREFIX=<arm64 root> node scripts/cross/load-test.mjs --arch=arm64 \
//     --node=<arm64 node> --emulator=qemu-aarch64-static
//   node scripts/cross/load-test.mjs --arch=x64 --node=<official node> --root=.cache/debian11/run-x64 \
//     [--expect-glibc=2.31]      # fail unless the client's glibc reports exactly this version
//
// --root (needs root privileges: chroot): the Node binary is copied into ROOT/opt/ and the project
// is made in ROOT/tmp/, so the client runs with nothing from the host but the kernel: ROOT's
// glibc, libstdc++ and loader (scripts/cross/debian-root.sh makes a Debian 11 one, glibc 2.31).
//
// A throwaway project gets node_modules/curlws = this checkout's `npm pack` tarball unpacked (what
// npm would install: every prebuild, no build/) and node_modules/node-gyp-build; then
// the install test's fixtures run in the target Node: test/install/smoke.cjs (require, the prebuild
// is the loaded shared object) and smoke.mjs (import, connect() text/binary/200 kB/ping/close,
// WebSocket, curlws/ws) against ws:// and — when the openssl CLI can make a certificate — wss://
// echo servers served by the host's Node on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEchoServer } from '../../test/install/echo-server.mjs';
import { selfSignedCert } from '../self-signed-cert.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const opt = (name) =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const arch = opt('arch');
const node = opt('node') && path.resolve(opt('node'));
const emulator = opt('emulator');
const chroot = opt('root') && path.resolve(opt('root'));
const expectGlibc = opt('expect-glibc');
const keep = process.argv.includes('--keep');
const log = (msg) => console.log(`load-test: ${msg}`);
function fail(msg) {
  console.error(`load-test: FAILED: ${msg}`);
  process.exit(1);
}
if (!arch || !node) fail('usage: load-test.mjs --arch=<arch> --node=<Node for that arch> [--emulator=<cmd> | --root=<dir>] [--keep]');
if (chroot && !existsSync(path.join(chroot, '.stamp'))) fail(`--root=${chroot} is not a root made by scripts/cross/debian-root.sh`);
// the target Node runs with the throwaway project as its cwd: a relative sysroot would break
if (process.env.QEMU_LD_PREFIX) process.env.QEMU_LD_PREFIX = path.resolve(process.env.QEMU_LD_PREFIX);
const tuple = `linux-${arch}`;
const prebuilds = path.join(root, 'prebuilds', tuple);
if (!existsSync(prebuilds)) fail(`no prebuilds/${tuple}/`);
if (!existsSync(path.join(root, 'dist', 'index.js'))) fail('no dist/: run `npm run build:ts`');

// ---- the throwaway project -------------------------------------------------------------------
// in a chroot, paths the client sees are ROOT-relative: `inside(p)`
if (chroot) mkdirSync(path.join(chroot, 'tmp'), { recursive: true });
const tmp = mkdtempSync(path.join(chroot ? path.join(chroot, 'tmp') : os.tmpdir(), `curlws-${tuple}-`));
const inside = (p) => (chroot ? `/${path.relative(chroot, p)}` : p);
const pkgDir = path.join(tmp, 'node_modules', 'curlws');
mkdirSync(pkgDir, { recursive: true });
const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' });
const tarball = pack.stdout?.trim().split('\n').pop();
if (pack.status !== 0 || !tarball) fail(`npm pack failed:\n${pack.stderr}`);
const untar = spawnSync('tar', ['-xzf', path.join(tmp, tarball), '-C', pkgDir, '--strip-components=1'], { encoding: 'utf8' });
if (untar.status !== 0) fail(`tar: ${untar.stderr}`);
if (!existsSync(path.join(pkgDir, 'prebuilds', tuple))) fail(`${tarball} has no prebuilds/${tuple}/`);
if (existsSync(path.join(pkgDir, 'build'))) fail(`${tarball} ships build/`);
cpSync(path.dirname(require.resolve('node-gyp-build/package.json')), path.join(tmp, 'node_modules', 'node-gyp-build'), { recursive: true });
for (const f of ['smoke.cjs', 'smoke.mjs', 'echo-server.mjs', 'ws-handshake.mjs'])
  cpSync(path.join(root, 'test', 'install', f), path.join(tmp, f));
writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'curlws-cross-load-test', private: true }));

let cmd = emulator ? [emulator, node] : [node];
if (chroot) {
  const dest = path.join(chroot, 'opt', `node-${path.basename(path.dirname(path.dirname(node)))}`, 'bin', 'node');
  if (!existsSync(dest)) {
    mkdirSync(path.dirname(dest), { recursive: true });
    try {
      linkSync(node, dest);
    } catch {
      copyFileSync(node, dest);
    }
  }
  cmd = ['chroot', chroot, inside(dest)];
}
// asynchronous: the echo servers live in this process's event loop
async function target(script, env = {}) {
  // chroot(8) starts in /: the fixtures expect the project as the working directory
  const run = chroot
    ? ['-e', `process.chdir(${JSON.stringify(inside(tmp))}); import(${JSON.stringify(`${inside(tmp)}/${script}`)})`]
    : [script];
  // (a host NODE_EXTRA_CA_CERTS path means nothing inside the chroot)
  const base = chroot ? { ...process.env, NODE_EXTRA_CA_CERTS: '' } : process.env;
  const child = spawn(cmd[0], [...cmd.slice(1), ...run], { cwd: tmp, env: { ...base, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const [code, signal] = await Promise.race([once(child, 'exit'), once(child, 'error').then(([e]) => fail(`${cmd[0]}: ${e.message}`))]);
  if (code !== 0) fail(`${cmd.join(' ')} ${script} exited with ${code ?? signal}:\n${out}${err}`);
  return JSON.parse(out.trim().split('\n').pop());
}

// ---- servers in the host's Node --------------------------------------------------------------
const certs = path.join(tmp, 'certs');
mkdirSync(certs);
const pem = selfSignedCert(certs);
const plain = await startEchoServer();
const secure = pem ? await startEchoServer({ cert: readFileSync(pem.cert, 'utf8'), key: readFileSync(pem.key, 'utf8') }) : undefined;
try {
  log(
    `project ${tmp}: node_modules/curlws from ${tarball} (prebuilds: ${readdirSync(path.join(pkgDir, 'prebuilds')).join(', ')}); echo servers in Node ${process.version} ${process.arch}: ${plain.url}${secure ? `, ${secure.url}` : ''}`,
  );
  // the C library the client really runs on (glibc's own report, not the host's)
  writeFileSync(
    path.join(tmp, 'libc.cjs'),
    'const h = process.report.getReport().header;' +
      'console.log(JSON.stringify({ glibc: h.glibcVersionRuntime || "none", node: process.version }));',
  );
  const libc = await target('libc.cjs');
  log(`the client: Node ${libc.node} ${arch} on glibc ${libc.glibc}${chroot ? ` (chroot ${chroot})` : ''}`);
  if (expectGlibc && libc.glibc !== expectGlibc) fail(`the client runs on glibc ${libc.glibc}, not ${expectGlibc}`);
  const cjs = await target('smoke.cjs');
  log(
    `require('curlws') in ${cmd.join(' ')}: loaded ${cjs.addon}: libcurl ${cjs.libcurl}, ${cjs.ssl}, zlib ${cjs.libz}, protocols ${cjs.protocols.join(' ')}`,
  );
  const esm = await target('smoke.mjs', {
    CURLWS_INSTALL_TEST_ECHO_URL: plain.url,
    ...(secure ? { CURLWS_INSTALL_TEST_ECHO_URLS: secure.url, CURLWS_INSTALL_TEST_CERTS: inside(certs) } : {}),
  });
  log(`import('curlws') in Node ${esm.node}: ${esm.exports} named exports, same instance as require()`);
  log(`ws:  ${esm.ws}`);
  log(`wss: ${esm.wss}`);
  if (!esm.node.endsWith(` ${arch}`)) fail(`the client ran on ${esm.node}, not ${arch}`);
  log('ok');
} finally {
  await plain.close();
  await secure?.close();
  if (!keep) rmSync(tmp, { recursive: true, force: true });
}
