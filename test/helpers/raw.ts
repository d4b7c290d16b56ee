/** Talking to the raw misbehaving server (test/servers/raw-server.ts) and reading its logs. */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { inject } from 'vitest';
import type { RawConnLog, RawFrameEntry, RawLogEntry } from '../servers/raw-server.js';

export type { RawConnLog, RawFrameEntry, RawLogEntry };
export { Op } from '../servers/raw-server.js';

export interface RawTarget {
  /** ws://127.0.0.1:P/<path>?...&id=<id> */
  url: string;
  id: string;
}

/** A fresh connection id and the URL that carries it. */
export function rawTarget(path: string, params: Record<string, string | number> = {}): RawTarget {
  const id = `${path.replace(/\W+/g, '')}-${randomBytes(6).toString('hex')}`;
  const u = new URL(path, inject('rawUrl'));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
  u.searchParams.set('id', id);
  return { url: u.toString(), id };
}

function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (s += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: s ? JSON.parse(s) : null }));
      })
      .on('error', reject);
  });
}

/** The raw server's log for connection `id`, or null if it never saw that id. */
export async function getRawLog(id: string): Promise<RawConnLog | null> {
  const r = await getJson(`${inject('rawControlUrl')}/log?id=${encodeURIComponent(id)}`);
  return r.status === 200 ? (r.body as RawConnLog) : null;
}

/**
 * Polls the raw log until `pred` holds (generous timeout, not a timing assertion). Returns the log;
 * on timeout throws with the last log attached so the failure says what the server saw.
 */
export async function waitForRawLog(
  id: string,
  pred: (log: RawConnLog) => boolean,
  what = 'condition',
  timeoutMs = 10_000,
): Promise<RawConnLog> {
  const deadline = Date.now() + timeoutMs;
  let last: RawConnLog | null = null;
  for (;;) {
    last = await getRawLog(id);
    if (last && pred(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`raw log for ${id}: timed out waiting for ${what}; log: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The first CLOSE frame the client sent, once it has arrived. */
export async function waitForClientClose(id: string): Promise<{ frame: RawFrameEntry; log: RawConnLog }> {
  const log = await waitForRawLog(id, (l) => l.received.some((f) => f.opcode === 0x8), 'a CLOSE frame from the client');
  return { frame: log.received.find((f) => f.opcode === 0x8)!, log };
}

/** Waits until the server's socket for `id` is fully closed. */
export function waitForSocketClosed(id: string): Promise<RawConnLog> {
  return waitForRawLog(id, (l) => l.socketClosed, 'the socket to close');
}

export function payloadOf(f: RawFrameEntry): Buffer {
  return Buffer.from(f.payload, 'base64');
}

/** seq of the first `out` note named `what`, or undefined. */
export function outSeq(log: RawConnLog, what: string): number | undefined {
  return log.timeline.find((e) => e.dir === 'out' && 'what' in e && e.what === what)?.seq;
}
