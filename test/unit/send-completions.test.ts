/**
 * The FIFO of send completions behind `Connection` (lib/core/send-completions.ts): each one is
 * told once, oldest first, even when a callback throws or re-enters the queue.
 */
import { describe, expect, it } from 'vitest';
import { SendCompletions } from '../../lib/core/send-completions.js';

describe('SendCompletions', () => {
  it('completes oldest first, skips absent callbacks, and fails the rest each with its own error', () => {
    const thrown: unknown[] = [];
    const q = new SendCompletions((err) => thrown.push(err));
    const log: string[] = [];
    for (let i = 0; i < 5; i++) {
      if (i === 2) q.add(undefined, undefined);
      else
        q.add(
          () => log.push(`sent ${i}`),
          (err) => log.push(`failed ${i}: ${err.message}`),
        );
    }
    q.complete(3);
    expect(q.length).toBe(2);
    let n = 0;
    q.failAll(() => new Error(`e${n++}`));
    expect(log).toEqual(['sent 0', 'sent 1', 'failed 3: e0', 'failed 4: e1']);
    expect(q.length).toBe(0);
    expect(thrown).toEqual([]);
  });

  it('sends the engine completed inside a call are told at the next complete() or before failAll()', () => {
    const q = new SendCompletions(() => {});
    const log: string[] = [];
    for (let i = 0; i < 4; i++)
      q.add(
        () => log.push(`sent ${i}`),
        () => log.push(`failed ${i}`),
      );
    q.sentEarlier(1);
    expect(log).toEqual([]); // never from inside the send call
    q.complete(1);
    expect(log).toEqual(['sent 0', 'sent 1']);
    q.sentEarlier(1);
    q.failAll(() => new Error('closed'));
    expect(log).toEqual(['sent 0', 'sent 1', 'sent 2', 'failed 3']);
  });

  it('a callback that throws is reported and the others still run, once', () => {
    const thrown: unknown[] = [];
    const q = new SendCompletions((err) => thrown.push(err));
    const log: number[] = [];
    q.add(() => {
      log.push(0);
      throw new Error('boom');
    }, undefined);
    q.add(() => log.push(1), undefined);
    q.add(undefined, () => {
      throw new Error('boom 2');
    });
    q.complete(2);
    q.complete(5); // more than queued: nothing is called twice
    q.failAll(() => new Error('closed'));
    expect(log).toEqual([0, 1]);
    expect((thrown as Error[]).map((e) => e.message)).toEqual(['boom']);
  });

  it('a callback that adds, completes or fails from inside sees a consistent queue', () => {
    const q = new SendCompletions((err) => {
      throw err;
    });
    const log: string[] = [];
    q.add(() => {
      log.push('a');
      q.add(
        () => log.push('c'),
        () => log.push('c failed'),
      );
      q.complete(1); // re-entrant: completes b, not a again
    }, undefined);
    q.add(
      () => log.push('b'),
      () => log.push('b failed'),
    );
    q.complete(1);
    expect(log).toEqual(['a', 'b']);
    q.add(undefined, () => {
      log.push('d failed');
      q.failAll(() => new Error('again'));
    });
    q.failAll(() => new Error('closed'));
    expect(log).toEqual(['a', 'b', 'c failed', 'd failed']);
    expect(q.length).toBe(0);
  });

  it('keeps O(1) work per completion with a long queue (compacts, never loses one)', () => {
    const q = new SendCompletions(() => {});
    let sent = 0;
    const onSent = (): void => {
      sent++;
    };
    for (let i = 0; i < 20_000; i++) q.add(onSent, undefined);
    for (let i = 0; i < 19_999; i++) q.complete(1);
    expect(q.length).toBe(1);
    q.add(onSent, undefined);
    q.complete(2);
    expect(sent).toBe(20_001);
    expect(q.length).toBe(0);
  });
});
