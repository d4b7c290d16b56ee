// Runs inside the throwaway project of scripts/install-test.mjs: the installed package, loaded
// with require() (CommonJS). Prints one JSON line for the test to report.
'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');

const curlws = require('curlws');
const pkgDir = path.dirname(require.resolve('curlws/package.json'));
assert.ok(pkgDir.startsWith(path.join(process.cwd(), 'node_modules')), `curlws resolved outside the project: ${pkgDir}`);
for (const name of ['connect', 'WebSocket', 'WsWebSocket', 'Connection', 'createWebSocketStream', 'CurlError']) {
  assert.equal(typeof curlws[name], 'function', `require('curlws').${name} is ${typeof curlws[name]}`);
}
const v = curlws.versions;
for (const p of ['ws', 'wss']) assert.ok(v.protocols.includes(p), `libcurl ${v.libcurl} lacks ${p}: ${v.protocols}`);

// the addon that was loaded must be the shipped prebuild (there is no build/ in the package)
const ngb = require(require.resolve('node-gyp-build', { paths: [pkgDir] }));
const addon = path.relative(pkgDir, ngb.path(pkgDir));
assert.match(
  addon,
  new RegExp(`^prebuilds[\\\\/]${process.platform}-${process.arch}[\\\\/]curlws\\.[\\w.]*node$`),
  `node-gyp-build picked ${addon}`,
);
const loaded = Object.keys(require.cache)
  .concat(process.report.getReport().sharedObjects || [])
  .filter((f) => f.endsWith('.node'));
assert.ok(
  loaded.some((f) => f === path.join(pkgDir, addon)),
  `${addon} is not among the loaded shared objects: ${loaded.join(', ')}`,
);

const WS = require('curlws/ws');
assert.equal(typeof WS, 'function', "require('curlws/ws') is not a class");
assert.equal(WS, curlws.WsWebSocket, "require('curlws/ws') is not curlws.WsWebSocket");
assert.equal(WS.WebSocket, WS, "require('curlws/ws').WebSocket is not the class itself");

const curl = require('curlws/curl');
assert.equal(typeof curl.Easy, 'function', "require('curlws/curl').Easy is not a class");
assert.equal(curl.CurlError, curlws.CurlError, "curlws/curl's CurlError is not curlws's");
assert.ok(curl.version().startsWith(`libcurl/${v.libcurl}`), `curl.version() is ${curl.version()}`);
assert.equal(curl.versionInfo().version_num, v.libcurlNum);
assert.equal(curl.CURLE_AGAIN, 81);
assert.equal(curl.CURLWS_PING, 16);
assert.equal(curl.CURLOPTS.CURLOPT_URL.id, 10002);
assert.throws(() => new curl.Easy().setopt('CURLOPT_FTPPORT', '-'), { code: 'ERR_CURL_OPTION_UNSUPPORTED' });

console.log(JSON.stringify({ cjs: 'ok', addon, curlws: v.curlws, libcurl: v.libcurl, ssl: v.ssl, libz: v.libz, protocols: v.protocols }));
