/**
 * The `onopen`/`onmessage`/`onerror`/`onclose` attributes, installed the same way on both
 * WebSocket classes. Where a class keeps its handlers differs (WHATWG: listeners on its
 * `EventTarget`, {@link EventTargetHandlerSlots}; curlws/ws: marked listeners on its
 * `EventEmitter`, with ws's rules), so that is the class's {@link HandlerSlots}.
 */

/** The events that have an `on…` attribute. */
export const HANDLER_EVENTS = ['open', 'error', 'close', 'message'] as const; // ws's order (its accessors are enumerable)
export type HandlerEvent = (typeof HANDLER_EVENTS)[number];

/** Where one instance keeps its `on…` handlers. */
export interface HandlerSlots {
  get(type: HandlerEvent): unknown;
  set(type: HandlerEvent, handler: unknown): void;
}

/**
 * Defines `on<event>` accessors on `proto` for {@link HANDLER_EVENTS}, reading and writing the
 * instance's slots. `enumerable`: ws defines them enumerable; the WHATWG class keeps them as its
 * own class accessors would be (not enumerable).
 */
export function defineEventHandlerAttributes<T extends object>(proto: T, slotsOf: (self: T) => HandlerSlots, enumerable: boolean): void {
  for (const type of HANDLER_EVENTS) {
    Object.defineProperty(proto, `on${type}`, {
      enumerable,
      configurable: true,
      get(this: T) {
        return slotsOf(this).get(type);
      },
      set(this: T, handler: unknown) {
        slotsOf(this).set(type, handler);
      },
    });
  }
}

interface HandlerEntry {
  handler: unknown;
  listener: (event: Event) => unknown;
}

/** An `EventTarget`'s event handler attributes, as the HTML standard defines them. */
export class EventTargetHandlerSlots implements HandlerSlots {
  readonly #target: EventTarget;
  readonly #entries = new Map<string, HandlerEntry>();

  constructor(target: EventTarget) {
    this.#target = target;
  }

  get(type: HandlerEvent): unknown {
    return this.#entries.get(type)?.handler ?? null;
  }

  set(type: HandlerEvent, value: unknown): void {
    // [LegacyTreatNonObjectAsNull]: anything that is not an object or function means "none".
    const handler = typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : null;
    const entry = this.#entries.get(type);
    if (handler === null) {
      if (entry) {
        this.#target.removeEventListener(type, entry.listener);
        this.#entries.delete(type);
      }
      return;
    }
    if (entry) {
      // Same listener, same position in the listener list; only the callback changes.
      entry.handler = handler;
      return;
    }
    const target = this.#target;
    const created: HandlerEntry = {
      handler,
      listener: (event: Event) => {
        const h = created.handler;
        if (typeof h === 'function') return (h as (e: Event) => unknown).call(target, event);
        throw new TypeError(`The on${type} handler is not callable`);
      },
    };
    this.#entries.set(type, created);
    target.addEventListener(type, created.listener);
  }
}
