/**
 * Dispatch depth: JS that answers every event with more work makes the engine deliver round
 * after round from one uv callback. Delivery may be cut into several loop iterations (so the
 * event loop is not starved), but no event may be left behind: the 'close' of a terminate()
 * issued in a late round must arrive, and the session must be released.
 *
 * The peer is silent (it never echoes), so nothing but the engine's own scheduling can carry
 * the rounds on: each trace line's send() produces the next round's trace lines
 * ("=> Send TEXT 1 bytes").
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../lib/index.js';
import type { Connection } from '../../lib/index.js';
import { binding } from '../../lib/core/native.js';
import { track } from '../helpers/conn.js';
import { runScript } from '../helpers/child.js';
import { rawTarget } from '../helpers/raw.js';

// setImmediate runs in the loop's check phase: only if the engine lets the loop go on between
// rounds. It is armed well past the rounds of one dispatch (from there on the engine carries the
// chain) and ends the otherwise endless chain.
const starveScript = `
const { connect } = require(process.env.CURLWS_DIST);
(async () => {
  let conn;
  let sends = 0;
  let immediateAt = -1;
  conn = await connect(process.env.PEER_URL, {
    verbose: {
      data: true,
      output: (line) => {
        if (!line.startsWith('=> Send TEXT') || !conn || conn.readyState !== 1) return;
        sends++;
        if (sends === 100) setImmediate(() => { immediateAt = sends; conn.terminate(); });
        conn.send('x').catch(() => {});
      },
    },
  });
  conn.on('close', (code) => console.log('CLOSED ' + code + ' after ' + sends + ' sends, immediate at send ' + immediateAt));
  conn.send('go').catch(() => {});
})();
`;

/** Opens a connection whose trace callback sends on every line and terminates on line `stopAt`. */
async function deepDispatch(stopAt: number) {
  let conn: Connection | undefined;
  let lines = 0;
  let terminated = false;
  const opened = await connect(rawTarget('/no-close-reply').url, {
    verbose: {
      data: true,
      output: () => {
        if (!conn || terminated) return;
        lines++;
        if (lines >= stopAt) {
          terminated = true;
          conn.terminate();
        } else if (conn.readyState === 1) {
          void conn.send('x').catch(() => {});
        }
      },
    },
  });
  conn = opened;
  const t = track(opened);
  void opened.send('go').catch(() => {});
  const closed = await Promise.race([
    t.closed,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no 'close' after ${lines} trace lines (readyState ${opened.readyState}, terminated ${terminated})`)),
        10_000,
      ).unref(),
    ),
  ]);
  return { conn: opened, t, closed, terminated, lines };
}

describe('dispatch depth', () => {
  for (const stopAt of [20, 68, 500]) {
    it(`a verbose callback that sends on every line and terminates on line ${stopAt} gets exactly one 'close'`, async () => {
      const r = await deepDispatch(stopAt);
      expect(r.terminated).toBe(true);
      expect(r.lines).toBe(stopAt);
      expect(r.closed.code).toBe(1006);
      expect(r.conn.readyState).toBe(3);
      expect(r.t.events.filter((e) => e.type === 'close')).toHaveLength(1);
    });
  }

  // One send per "=> Send TEXT" line: every round writes one frame and makes one such line, so
  // the chain never ends by itself and never fills a socket (the sink peer reads, never answers).
  // In a child process: an engine that starves the loop also starves this runner's timers.
  it('a callback whose every round triggers the next does not starve the event loop', async () => {
    const r = await runScript(starveScript, { env: { PEER_URL: rawTarget('/sink').url }, killAfterMs: 20_000 });
    expect(r.out).toMatch(/^CLOSED 1006 after \d+ sends, immediate at send (\d+)$/m);
    expect(Number(/immediate at send (\d+)/.exec(r.out)![1])).toBeGreaterThanOrEqual(100);
    expect(r.code).toBe(0);
  });

  it('the session is released after a deep dispatch (the native session count goes back)', async () => {
    const before = binding.diagnostics().sessions;
    const r = await deepDispatch(300);
    expect(r.closed.code).toBe(1006);
    // 'close' is emitted inside the dispatch; the session unregisters when that dispatch ends.
    await new Promise((r) => setImmediate(r));
    expect(binding.diagnostics().sessions).toBe(before);
  });
});
