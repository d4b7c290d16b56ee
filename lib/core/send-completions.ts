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
  /** onSent, onFailed of each send, in pairs: one array to grow, one push per send. */
  #pairs: (OnSent | OnFailed | undefined)[] = [];
  #head = 0; // index of the oldest pair's onSent
  /** Sent already, told at the next {@link complete}: completions never run inside a send call. */
  #sentEarlier = 0;
  /** What a callback throws: reported (as an uncaught exception), never stopping the others. */
  readonly #onThrow: (err: unknown) => void;

  constructor(onThrow: (err: unknown) => void) {
    this.#onThrow = onThrow;
  }

  get length(): number {
    return (this.#pairs.length - this.#head) >> 1;
  }

  /** Queues the newest send's completion; either function may be absent (nobody listens). */
  add(onSent: OnSent | undefined, onFailed: OnFailed | undefined): void {
    this.#pairs.push(onSent, onFailed);
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
    for (; count > 0 && this.#head < pairs.length; count--) {
      const i = this.#head;
      this.#head += 2;
      const onSent = pairs[i] as OnSent | undefined;
      pairs[i] = pairs[i + 1] = undefined; // nothing retained by a finished send
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

  /**
   * The connection ended: the ones known sent are told so, then every send still queued fails,
   * oldest first, each with its own error.
   */
  failAll(error: () => Error): void {
    if (this.#sentEarlier > 0) this.complete(0);
    const pairs = this.#pairs;
    while (this.#head < pairs.length) {
      const i = this.#head;
      this.#head += 2;
      const onFailed = pairs[i + 1] as OnFailed | undefined;
      pairs[i] = pairs[i + 1] = undefined;
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
    if (this.#head === this.#pairs.length) {
      this.#pairs.length = this.#head = 0;
    } else if (this.#head >= 8192 && this.#head * 2 >= this.#pairs.length) {
      this.#pairs.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
