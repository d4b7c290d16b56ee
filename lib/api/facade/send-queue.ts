/**
 * The send queue both standard wrappers (WHATWG `WebSocket`, `curlws/ws`) put their sends
 * through. A Blob is read asynchronously, and every send (and a `close()`) made after it must
 * wait behind it, so messages leave in the order they were sent. Only while something waits are
 * sends queued: an empty queue means "send now", which the wrappers do themselves.
 *
 * What the wrappers disagree on is a parameter, not a second copy: how a Blob's read is handed
 * back ({@link SendQueueHooks.defer}) and what an unreadable Blob does
 * ({@link SendQueueHooks.onUnreadableBlob}: the standard fails the connection, ws tells the
 * callbacks).
 */

/** A queued send: `context` is the wrapper's own record of it (ws: the send's callback). */
export interface QueuedSend<C> {
  /** Still to be read; `send` then gets its bytes. Absent once the bytes are ready. */
  blob?: Blob;
  /** Hands the send to the connection (`bytes`: the Blob's contents, for a Blob). */
  send: (bytes: Buffer) => void;
  context: C;
}

export interface SendQueueHooks<C> {
  /**
   * How a Blob read's outcome is delivered: directly, or from `process.nextTick` so that what a
   * callback or listener then throws is an uncaught exception rather than a rejection (ws).
   */
  defer(run: () => void): void;
  /**
   * The Blob at the head of the queue could not be read. The sends before it went out; it and
   * everything behind it (`dropped`) have been removed and the pending close forgotten: the
   * wrapper reports the failure and ends the connection.
   */
  onUnreadableBlob(err: Error, failed: QueuedSend<C>, dropped: QueuedSend<C>[]): void;
}

const NO_BYTES = Buffer.alloc(0);

export class BlobOrderedSendQueue<C> {
  readonly #hooks: SendQueueHooks<C>;
  #entries: QueuedSend<C>[] = [];
  /** The Blob being read now (one at a time, at the head, as ws's sender does). */
  #reading: QueuedSend<C> | undefined;
  #pendingClose: (() => void) | undefined;

  constructor(hooks: SendQueueHooks<C>) {
    this.#hooks = hooks;
  }

  /** Something waits behind a Blob: a new send must be queued (its bytes captured now). */
  get busy(): boolean {
    return this.#entries.length > 0;
  }

  /** Queues a send whose bytes are ready (call only while {@link busy}; else send directly). */
  push(send: () => void, context: C): void {
    this.#entries.push({ send, context });
  }

  /** Queues a Blob: it is read when it reaches the head, then `send` gets its bytes. */
  pushBlob(blob: Blob, send: (bytes: Buffer) => void, context: C): void {
    this.#entries.push({ blob, send, context });
    this.#drain();
  }

  /** Runs `close` once everything queued went out (at once when nothing is queued). */
  closeWhenDrained(close: () => void): void {
    if (this.busy) this.#pendingClose = close;
    else close();
  }

  /** The connection ended: drops every queued send (returned) and the pending close. */
  clear(): QueuedSend<C>[] {
    this.#pendingClose = undefined;
    return this.#entries.splice(0);
  }

  #drain(): void {
    while (this.#entries.length > 0) {
      const head = this.#entries[0]!;
      if (head.blob) {
        if (this.#reading !== head) this.#read(head, head.blob);
        return;
      }
      this.#entries.shift();
      head.send(NO_BYTES);
    }
    const close = this.#pendingClose;
    this.#pendingClose = undefined;
    close?.();
  }

  #read(entry: QueuedSend<C>, blob: Blob): void {
    this.#reading = entry;
    const settled = (outcome: () => void) => () => {
      if (this.#reading === entry) this.#reading = undefined;
      // Cleared while being read (the connection ended): nothing is left to send.
      if (this.#entries[0] !== entry) return;
      outcome();
    };
    blob.arrayBuffer().then(
      (ab) =>
        this.#hooks.defer(
          settled(() => {
            this.#entries.shift();
            entry.send(Buffer.from(ab));
            this.#drain();
          }),
        ),
      (err: unknown) =>
        this.#hooks.defer(
          settled(() => {
            const [failed, ...dropped] = this.clear();
            this.#hooks.onUnreadableBlob(err instanceof Error ? err : new Error(String(err)), failed!, dropped);
          }),
        ),
    );
  }
}
