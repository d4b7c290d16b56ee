/**
 * The async iterator over incoming messages shared by `Connection` and `ReconnectingWebSocket`,
 * with both of its sides: the owner feeds it (`push`, `fail`, `end`), the consumer reads it
 * (`iterator()`): one pending `next()` at most, queued messages before an error, the error
 * delivered once, and hooks that let the owner pause and resume reading (receive backpressure).
 * Generic over the message type, so it depends on nothing of its owners.
 */

export interface IteratorHooks {
  /** A message was taken; `remaining` are still queued (resume reading when few are left). */
  taken(remaining: number): void;
  /** The consumer stopped (return(), end, or the error was delivered). */
  finished(): void;
}

export class MessageIterator<T> {
  readonly #hooks: IteratorHooks;
  readonly #queue: T[] = [];
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: Error): void } | undefined;
  #done: boolean;
  #error: Error | undefined;

  /** `ended`: the source is already over (the iterator reports done at once). */
  constructor(hooks: IteratorHooks, ended = false) {
    this.#hooks = hooks;
    this.#done = ended;
  }

  /** Messages queued for the consumer. */
  get length(): number {
    return this.#queue.length;
  }

  /** True once the source ended or the consumer stopped: `push` is ignored from then on. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * A message for the consumer: handed to a pending `next()`, else queued.
   * @returns how many messages are queued now (the owner pauses reading at its high-water mark)
   */
  push(message: T): number {
    if (this.#done) return this.#queue.length;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve({ value: message, done: false });
    } else {
      this.#queue.push(message);
    }
    return this.#queue.length;
  }

  /** The error the consumer gets after the queued messages (delivered when the source ends). */
  fail(error: Error): void {
    this.#error = error;
  }

  /** No more messages: a pending `next()` gets the error, if any, else done. */
  end(): void {
    this.#done = true;
    const w = this.#waiter;
    if (!w || this.#queue.length) return;
    this.#waiter = undefined;
    const e = this.#error;
    this.#error = undefined;
    if (e) w.reject(e);
    else w.resolve({ value: undefined, done: true });
  }

  /** The consumer's side. */
  iterator(): AsyncIterableIterator<T> {
    const finish = (): void => {
      this.#done = true;
      this.#hooks.finished();
    };
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        if (this.#queue.length) {
          const m = this.#queue.shift() as T;
          this.#hooks.taken(this.#queue.length);
          return Promise.resolve({ value: m, done: false });
        }
        if (this.#error) {
          const e = this.#error;
          this.#error = undefined;
          finish();
          return Promise.reject(e);
        }
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
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
}
