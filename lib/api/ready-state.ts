/**
 * The readyState constants as the WebSocket classes expose them (WHATWG `WebSocket` and
 * `curlws/ws`): CONNECTING, OPEN, CLOSING, CLOSED on the class and on its prototype, enumerable
 * and read-only (WebIDL constants; ws defines them the same way).
 */
import { CLOSED, CLOSING, CONNECTING, OPEN } from '../core/connection';

/** The names, indexed by readyState: `READY_STATE_NAMES[1] === 'OPEN'`. */
export const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** Installs the four constants on `ctor` and `ctor.prototype`. */
export function defineReadyStateConstants(ctor: { prototype: object }): void {
  for (const [value, name] of [CONNECTING, OPEN, CLOSING, CLOSED].map((v) => [v, READY_STATE_NAMES[v]] as const)) {
    Object.defineProperty(ctor, name, { value, enumerable: true });
    Object.defineProperty(ctor.prototype, name, { value, enumerable: true });
  }
}
