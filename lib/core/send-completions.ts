/**
 * The completions of sends waiting for the engine, oldest first. The engine reports completions
 * as counts in FIFO order; a head index keeps taking them O(1) with a million messages queued.
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
  #onSent: (OnSent | undefined)[] = [];
  #onFailed: (OnFailed | undefined)[] = [];
  #head = 0;
  /** What a callback throws: reported (as an uncaught exception), never stopping the others. */
  readonly #onThrow: (err: unknown) => void;

  constructor(onThrow: (err: unknown) => void) {
    this.#onThrow = onThrow;
  }

  get length(): number {
    return this.#onSent.length - this.#head;
  }

  /** Queues the newest send's completion; either function may be absent (nobody listens). */
  add(onSent: OnSent | undefined, onFailed: OnFailed | undefined): void {
    this.#onSent.push(onSent);
    this.#onFailed.push(onFailed);
  }

  /**
   * The `count` oldest were sent. Each leaves the queue before its callback runs, so a callback
   * that sends, closes or terminates sees a consistent queue and is never called twice.
   */
  complete(count: number): void {
    for (; count > 0 && this.#head < this.#onSent.length; count--) {
      const i = this.#head++;
      const onSent = this.#onSent[i];
      this.#onSent[i] = this.#onFailed[i] = undefined; // nothing retained by a finished send
      if (onSent !== undefined) {
        try {
          onSent();
        } catch (err) {
          this.#onThrow(err);
        }
      }
    }
    this.#compact();
  }

  /** The connection ended: every send still queued fails, oldest first, each with its own error. */
  failAll(error: () => Error): void {
    while (this.#head < this.#onFailed.length) {
      const i = this.#head++;
      const onFailed = this.#onFailed[i];
      this.#onSent[i] = this.#onFailed[i] = undefined;
      if (onFailed !== undefined) {
        try {
          onFailed(error());
        } catch (err) {
          this.#onThrow(err);
        }
      }
    }
    this.#compact();
  }

  #compact(): void {
    if (this.#head === this.#onSent.length) {
      this.#onSent.length = this.#onFailed.length = this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#onSent.length) {
      this.#onSent.splice(0, this.#head);
      this.#onFailed.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
