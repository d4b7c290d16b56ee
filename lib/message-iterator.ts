/**
 * The async iterator over incoming messages shared by `Connection` and `ReconnectingWebSocket`:
 * a queue the owner pushes into, one pending `next()` at most, an error delivered once, and hooks
 * that let the owner pause and resume reading (receive backpressure).
 */
import type { Message } from './connection';

/** What the owner sees of its active iterator: push into `queue` or settle `waiter`. */
export interface IteratorState {
  queue: Message[];
  waiter: { resolve(r: IteratorResult<Message>): void; reject(e: Error): void } | undefined;
  done: boolean;
  error: Error | undefined;
}

export interface IteratorHooks {
  /** A message was taken; `remaining` are still queued (resume reading when few are left). */
  taken(remaining: number): void;
  /** The consumer stopped (return(), end, or the error was delivered). */
  finished(): void;
}

/** Builds the iterator over `state`; the owner keeps `state` to feed it. */
export function messageIterator(state: IteratorState, hooks: IteratorHooks): AsyncIterableIterator<Message> {
  const finish = (): void => {
    state.done = true;
    hooks.finished();
  };
  const iterator: AsyncIterableIterator<Message> = {
    next: () => {
      const m = state.queue.shift();
      if (m) {
        hooks.taken(state.queue.length);
        return Promise.resolve({ value: m, done: false });
      }
      if (state.error) {
        const e = state.error;
        state.error = undefined;
        finish();
        return Promise.reject(e);
      }
      if (state.done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        state.waiter = { resolve, reject };
      });
    },
    return: () => {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
