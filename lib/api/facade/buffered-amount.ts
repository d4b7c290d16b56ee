/**
 * The WHATWG `bufferedAmount`: every byte a `send()` that did not throw counted, until the
 * connection reports that message handed to the kernel. A message that never is (sent while
 * closing, dropped when the connection ended) stays counted, so after close the value only grows.
 *
 * The connection reports completions oldest first, so the sizes of the messages handed to it wait
 * in a FIFO of numbers and two callbacks made once serve every message: no allocation per send.
 * (The connection's own `bufferedAmount` cannot stand in: with permessage-deflate it counts
 * compressed bytes.)
 */
export class BufferedAmount {
  #value = 0;
  #sizes: number[] = [];
  #head = 0;

  /** The connection handed this message's bytes to the kernel. */
  readonly onSent = (): void => {
    this.#value -= this.#take();
  };
  /** The connection ended before it could: the bytes stay counted. */
  readonly onFailed = (): void => {
    this.#take();
  };

  get value(): number {
    return this.#value;
  }

  /** A `send()` of `size` bytes (counted whether or not it is ever transmitted). */
  count(size: number): void {
    this.#value += size;
  }

  /** That message (the newest counted one handed on) was queued on the connection. */
  track(size: number): void {
    this.#sizes.push(size);
  }

  #take(): number {
    const size = this.#sizes[this.#head++] ?? 0;
    if (this.#head === this.#sizes.length) {
      this.#sizes.length = this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#sizes.length) {
      this.#sizes.splice(0, this.#head);
      this.#head = 0;
    }
    return size;
  }
}
