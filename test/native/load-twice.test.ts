// The addon loaded a second time in one environment (require.cache cleared, the package
// required again, as hot-reloading tools do). Node gives each load its own napi_env, so each
// copy has its own instance data (engine, dispatcher, session registry): connections of both
// copies work side by side, each copy counts only its own, and both end at their baseline.
import { describe, expect, inject, it } from 'vitest';
import { runScript } from '../helpers/child.js';

const echoUrl = inject('wsEchoUrl');

const script = `
const path = require('node:path');
const dist = path.dirname(process.env.CURLWS_DIST);
const nativeOf = () => require(path.join(dist, 'core', 'native.js')).binding;
(async () => {
  const first = require(process.env.CURLWS_DIST);
  const firstNative = nativeOf();
  const c1 = await first.connect(process.env.ECHO_URL);
  for (const k of Object.keys(require.cache)) if (k.startsWith(dist) || k.endsWith('.node')) delete require.cache[k];
  const second = require(process.env.CURLWS_DIST);
  const c2 = await second.connect(process.env.ECHO_URL);
  const secondNative = nativeOf();
  const open = [firstNative.diagnostics().sessions, secondNative.diagnostics().sessions];
  const echoed = await Promise.all([c1, c2].map((c, i) => {
    const got = new Promise((r) => c.once('message', (m) => r(String(m))));
    c.send('copy ' + (i + 1));
    return got;
  }));
  await Promise.all([c1.close(), c2.close()]);
  // close() resolves with the close event; the uv handles finish closing a loop turn later.
  const idle = (d) => d.uvHandles === 3 && d.sessions === 0;
  for (let i = 0; i < 200 && !(idle(firstNative.diagnostics()) && idle(secondNative.diagnostics())); i++)
    await new Promise((r) => setTimeout(r, 10));
  const after = [firstNative.diagnostics(), secondNative.diagnostics()];
  const distinct = first !== second && firstNative !== secondNative;
  console.log('RESULT ' + JSON.stringify({ distinct, open, echoed, after }));
})().catch((e) => { console.log('ERROR ' + e.stack); process.exitCode = 1; });
`;

describe('the addon loaded twice in one environment', () => {
  it('keeps one engine per copy; connections of both copies work and end', async () => {
    const r = await runScript(script, { env: { ECHO_URL: echoUrl } });
    expect(r.signal, r.out).toBeNull();
    expect(r.code, r.out).toBe(0);
    const line = /^RESULT (.*)$/m.exec(r.out);
    expect(line, r.out).not.toBeNull();
    const result = JSON.parse(line![1]!);
    expect(result.distinct).toBe(true); // really two loads of the package
    expect(result.open).toEqual([1, 1]); // each copy's registry holds its own connection
    expect(result.echoed).toEqual(['copy 1', 'copy 2']);
    const idle = { uvHandles: 3, sessions: 0, zlibBytes: 0 };
    expect(result.after).toEqual([idle, idle]);
  });
});
