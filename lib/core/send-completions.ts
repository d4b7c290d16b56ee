import { Fifo } from './fifo';

/**
 * The completions of sends waiting for the engine, oldest first. The engine reports completions
 * as counts in FIFO order.
 *
 * A send is stored as two functions, not as a promise: `send()` stores its promise's own resolve
 * and reject, the wrappers a callback they allocated once (or none), so a send nobody awaits
 * costs no allocation here.
 */

/** Called once the send's bytes were handed to the kernel. */
export type OnSent = () => void;
/** Called instead of {@link OnSent} when they never will be: the connection ended first. */
export type OnFailed = (error: Error) => void;

export class SendCompletions {
  /** onSent, onFailed of each send, one after the other: one queue to grow, no object per send. */
  #pairs = new Fifo<OnSent | OnFailed | undefined>();
  /** Sent already, told at the next {@link complete}: completions never run inside a send call. */
  #sentEarlier = 0;
  /** What a callback throws: reported (as an uncaught exception), never stopping the others. */
  readonly #onThrow: (err: unknown) => void;

  constructor(onThrow: (err: unknown) => void) {
    this.#onThrow = onThrow;
  }

  get length(): number {
    return this.#pairs.length >> 1;
  }

  /** Queues the newest send's completion; either function may be absent (nobody listens). */
  add(onSent: OnSent | undefined, onFailed: OnFailed | undefined): void {
    this.#pairs.push(onSent);
    this.#pairs.push(onFailed);
  }

  /** The engine reported `count` more of the oldest sent from inside a send call: told later. */
  sentEarlier(count: number): void {
    this.#sentEarlier += count;
  }

  /**
   * The `count` oldest were sent (after those of {@link sentEarlier}: completions are FIFO, so
   * only the total matters). Each leaves the queue before its callback runs, so a callback
   * that sends, closes or terminates sees a consistent queue and is never called twice.
   */
  complete(count: number): void {
    count += this.#sentEarlier;
    this.#sentEarlier = 0;
    const pairs = this.#pairs;
    for (; count > 0 && pairs.length > 0; count--) {
      const onSent = pairs.shift() as OnSent | undefined;
      pairs.shift();
      if (onSent !== undefined) {
        try {
          onSent();
        } catch (err) {
          this.#onThrow(err);
        }
      }
    }
  }

  /**
   * The connection ended: the ones known sent are told so, then every send still queued fails,
   * oldest first, each with its own error.
   */
  failAll(error: () => Error): void {
    if (this.#sentEarlier > 0) this.complete(0);
    const pairs = this.#pairs;
    while (pairs.length > 0) {
      pairs.shift();
      const onFailed = pairs.shift() as OnFailed | undefined;
      if (onFailed !== undefined) {
        try {
          onFailed(error());
        } catch (err) {
          this.#onThrow(err);
        }
      }
    }
  }
}
