/**
 * The implementations the compat suites run against, on the same local servers:
 *   - ws-style API:    npm `ws`'s client (reference) and curlws's `WsWebSocket` (curlws/ws)
 *   - WHATWG API:      undici's `WebSocket` (reference, optional) and curlws's `WebSocket`
 * undici (a devDependency, the current major 8) is loaded if resolvable (or run with NODE_PATH
 * pointing at a scratch install: `npm i --no-save undici@8` in /tmp/x, then
 * NODE_PATH=/tmp/x/node_modules npx vitest run test/compat) and if this Node meets its `engines`
 * (undici 8: Node >= 22.19). Otherwise its leg is skipped with the reason.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { WebSocket as WsRef } from 'ws';
import { WebSocket as CurlWebSocket } from '../../lib/api/websocket.js';
import { WsWebSocket } from '../../lib/api/ws-compat.js';

const require = createRequire(path.join(process.cwd(), 'package.json'));

/** Constructor shape shared by `ws` and curlws/ws. */
export type WsCtor = (new (address: string | URL, protocols?: any, options?: any) => any) & ReadyStates;
/** Constructor shape shared by WHATWG implementations. */
export type WhatwgCtor = (new (url: string | URL, protocols?: string | string[]) => any) & ReadyStates;

interface ReadyStates {
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

export const wsImpls: [name: string, ctor: WsCtor][] = [
  ['ws', WsRef as unknown as WsCtor],
  ['curlws', WsWebSocket as unknown as WsCtor],
];

/** `>=X.Y.Z` (undici's engines form) against this Node; any other form counts as satisfied. */
function nodeSatisfies(range: string | undefined): boolean {
  const m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range?.trim() ?? '');
  if (!m) return true;
  const want = m.slice(1).map(Number);
  const have = process.versions.node.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

function loadUndici(): { ctor: WhatwgCtor | undefined; reason: string } {
  let pkg: { version: string; engines?: { node?: string } };
  try {
    pkg = require('undici/package.json');
  } catch (err) {
    return {
      ctor: undefined,
      reason: `undici is not installed (${(err as Error).message.split('\n')[0]}); add undici@8 to devDependencies or set NODE_PATH to a scratch install`,
    };
  }
  // undici 8 needs Node >= 22.19 and throws while loading on Node 20: its leg runs in CI's
  // Node 22/24/26 runs (.ci/run) instead
  if (!nodeSatisfies(pkg.engines?.node))
    return { ctor: undefined, reason: `undici ${pkg.version} needs Node ${pkg.engines?.node}, this is ${process.version}` };
  // where undici should load, a failure is a failure (not a skip)
  const undici = require('undici') as { WebSocket: WhatwgCtor };
  return { ctor: undici.WebSocket, reason: '' };
}

export const undici = loadUndici();
export const curlWhatwg = CurlWebSocket as unknown as WhatwgCtor;

/** Rejects after `ms` so a hung scenario fails with a message instead of the test timeout. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** A plain description of a thrown value: class, DOMException name, message. */
export function describeThrow(fn: () => unknown): { threw: false } | { threw: true; ctor: string; name: string; message: string } {
  try {
    fn();
    return { threw: false };
  } catch (err) {
    const e = err as Error;
    return { threw: true, ctor: e.constructor.name, name: e.name, message: e.message };
  }
}

/** Describes a message payload by type and content, so traces compare across implementations. */
export async function describeData(data: unknown): Promise<{ type: string; value: string }> {
  if (typeof data === 'string') return { type: 'string', value: data };
  if (Buffer.isBuffer(data)) return { type: 'Buffer', value: data.toString('hex') };
  if (data instanceof ArrayBuffer) return { type: 'ArrayBuffer', value: Buffer.from(data).toString('hex') };
  if (data instanceof Blob) return { type: 'Blob', value: Buffer.from(await data.arrayBuffer()).toString('hex') };
  if (Array.isArray(data)) return { type: 'fragments', value: Buffer.concat(data as Buffer[]).toString('hex') };
  return { type: typeof data, value: String(data) };
}
