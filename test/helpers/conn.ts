/**
 * Event recording for curlws connections, typed structurally so these helpers don't depend on
 * lib/ internals: anything with `on(event, listener)` works.
 */
export interface ErrLike extends Error {
  code?: string;
  closeCode?: number;
  status?: number;
  headers?: Record<string, string>;
}

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

export type ConnEvent =
  | { type: 'message'; data: string | Buffer; isBinary: boolean }
  | { type: 'ping'; payload: Buffer }
  | { type: 'pong'; payload: Buffer }
  | { type: 'drain' }
  | { type: 'error'; error: ErrLike }
  | ({ type: 'close' } & CloseInfo);

export interface Emitterish {
  on(event: string, listener: (...args: any[]) => void): unknown;
}

export interface Tracker {
  /** every event, in emission order */
  readonly events: ConnEvent[];
  messages(): { data: string | Buffer; isBinary: boolean }[];
  errors(): ErrLike[];
  types(): string[];
  /** resolves with the (first) close event */
  closed: Promise<CloseInfo>;
  /** resolves once `pred` holds for the event list (checked after every event) */
  until(pred: (events: ConnEvent[]) => boolean, what?: string): Promise<void>;
  /** resolves when at least `n` messages have arrived; rejects if the connection closes first */
  messagesAfter(n: number): Promise<{ data: string | Buffer; isBinary: boolean }[]>;
}

/** Attach listeners for every public event and record them in order. Call right after connect(). */
export function track(conn: Emitterish): Tracker {
  const events: ConnEvent[] = [];
  const waiters = new Set<() => void>();
  let resolveClosed!: (c: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((r) => (resolveClosed = r));
  const push = (e: ConnEvent): void => {
    events.push(e);
    for (const w of [...waiters]) w();
  };
  conn.on('message', (data: string | Buffer, isBinary: boolean) => push({ type: 'message', data, isBinary }));
  conn.on('ping', (payload: Buffer) => push({ type: 'ping', payload }));
  conn.on('pong', (payload: Buffer) => push({ type: 'pong', payload }));
  conn.on('drain', () => push({ type: 'drain' }));
  conn.on('error', (error: ErrLike) => push({ type: 'error', error }));
  conn.on('close', (code: number, reason: string, wasClean: boolean) => {
    push({ type: 'close', code, reason, wasClean });
    resolveClosed({ code, reason, wasClean });
  });
  const messages = () => events.flatMap((e) => (e.type === 'message' ? [{ data: e.data, isBinary: e.isBinary }] : []));
  const until = (pred: (ev: ConnEvent[]) => boolean, what = 'condition'): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (pred(events)) {
          waiters.delete(check);
          resolve();
        } else if (events.some((e) => e.type === 'close')) {
          waiters.delete(check);
          reject(new Error(`connection closed before ${what}; events: ${describeEvents(events)}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    events,
    messages,
    errors: () => events.flatMap((e) => (e.type === 'error' ? [e.error] : [])),
    types: () => events.map((e) => e.type),
    closed,
    until,
    async messagesAfter(n: number) {
      await until((ev) => ev.filter((e) => e.type === 'message').length >= n, `${n} messages`);
      return messages();
    },
  };
}

export function describeEvents(events: ConnEvent[]): string {
  return events
    .map((e) => {
      switch (e.type) {
        case 'message':
          return `message(${e.isBinary ? 'bin' : 'text'}:${e.data.length})`;
        case 'ping':
        case 'pong':
          return `${e.type}(${e.payload.toString('hex')})`;
        case 'error':
          return `error(${e.error.code}:${e.error.closeCode ?? ''})`;
        case 'close':
          return `close(${e.code},${JSON.stringify(e.reason)},${e.wasClean})`;
        default:
          return e.type;
      }
    })
    .join(' ');
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<ErrLike> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    return err as ErrLike;
  }
  // don't leak a connection that should never have opened
  (value as { terminate?: () => void } | null)?.terminate?.();
  throw new Error('expected the promise to reject, but it resolved');
}

/** Runs `fn`, turning a synchronous throw into a rejection (for "throws or rejects" contracts). */
export async function settle<T>(fn: () => T | Promise<T>): Promise<T> {
  return await fn();
}
