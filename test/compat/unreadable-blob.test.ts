/**
 * A Blob whose read fails (a file Blob whose file changed after `fs.openAsBlob`) is never
 * dropped silently. ws-style API, compared with ws: the send's callback and those queued behind
 * it get the error, then 'error', then 'close' 1006. WHATWG: 'error', then 'close' 1006 (undici 8
 * is not compared: it leaves an unhandled rejection and stalls its send queue; docs/compat.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { curlWhatwg, within, wsImpls } from './impls.js';
import type { WsCtor } from './impls.js';

const wsEcho = inject('wsEchoUrl');
const [[, Ref], [, Curl]] = wsImpls as [[string, WsCtor], [string, WsCtor]];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curlws-blob-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A Blob over a file that changes after it was opened: reading it fails (NotReadableError). */
async function unreadableBlob(name: string): Promise<Blob> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, 'original contents');
  const blob = await fs.openAsBlob(file);
  fs.writeFileSync(file, 'changed, and longer than before');
  return blob;
}

describe('send() of an unreadable Blob (ws-style API, ws vs curlws/ws)', () => {
  it('callbacks get the error, then error, then close 1006', async () => {
    const scenario = async (Ctor: WsCtor, name: string) => {
      const blob = await unreadableBlob(name);
      const ws = new Ctor(wsEcho);
      const log: unknown[] = [];
      await new Promise((resolve) => ws.once('open', resolve));
      const closed = new Promise<void>((resolve) =>
        ws.on('close', (code: number) => {
          log.push(['close', code, ws.readyState]);
          resolve();
        }),
      );
      ws.on('error', (err: Error) => log.push(['error', err.name, ws.readyState]));
      ws.on('message', (data: Buffer) => log.push(['message', data.toString()]));
      const cb = (i: number) => (err?: Error) => log.push(['cb', i, err ? err.name : 'ok']);
      ws.send(blob, cb(1));
      ws.send('after', cb(2));
      await within(closed, 10_000, 'close');
      return log;
    };
    const ref = await scenario(Ref, 'ws.txt');
    const curl = await scenario(Curl, 'curlws.txt');
    expect(ref).toEqual([
      ['cb', 1, 'NotReadableError'],
      ['cb', 2, 'NotReadableError'],
      ['error', 'NotReadableError', 2],
      ['close', 1006, 3],
    ]);
    expect(curl).toEqual(ref);
  });

  it('a send before the Blob still goes out; only the Blob and what follows fail', async () => {
    const blob = await unreadableBlob('before.txt');
    const ws = new Curl(wsEcho);
    await new Promise((resolve) => ws.once('open', resolve));
    const cbs: unknown[] = [];
    const closed = new Promise<number>((resolve) => ws.on('close', resolve));
    ws.on('error', () => {});
    ws.send('before', (err?: Error) => cbs.push(['before', err ? err.name : 'ok']));
    ws.send(blob, (err?: Error) => cbs.push(['blob', err ? err.name : 'ok']));
    ws.close(1000); // waits behind the Blob, then is dropped with it
    expect(await within(closed, 10_000, 'close')).toBe(1006);
    // (in either order: the first resolves when the engine reports its write)
    expect(cbs).toHaveLength(2);
    expect(cbs).toEqual(
      expect.arrayContaining([
        ['before', 'ok'],
        ['blob', 'NotReadableError'],
      ]),
    );
  });
});

describe('send() of an unreadable Blob (WHATWG, curlws)', () => {
  it('fails the connection: error (with the read error), then close 1006, not clean', async () => {
    const blob = await unreadableBlob('whatwg.txt');
    const ws = new curlWhatwg(wsEcho);
    await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
    const log: unknown[] = [];
    ws.addEventListener('error', (e: any) => log.push(['error', e.error?.name, ws.readyState]));
    const closed = new Promise<void>((resolve) =>
      ws.addEventListener('close', (e: any) => {
        log.push(['close', e.code, e.wasClean, ws.readyState]);
        resolve();
      }),
    );
    ws.send(blob);
    ws.send('after');
    await within(closed, 10_000, 'close');
    expect(log).toEqual([
      ['error', 'NotReadableError', 3],
      ['close', 1006, false, 3],
    ]);
  });
});
