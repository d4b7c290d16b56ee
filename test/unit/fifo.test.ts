/**
 * The queue behind send completions and the WHATWG `bufferedAmount` (lib/core/fifo.ts): items
 * come out in the order they went in across every compaction, `undefined` items included, and a
 * taken item is not retained.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../lib/core/fifo.js';

describe('Fifo', () => {
  it('is empty at first: shift() gives undefined and length stays 0', () => {
    const q = new Fifo<number>();
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('keeps order across compactions while it never drains (a million in, two taken per push)', () => {
    const q = new Fifo<number>();
    let next = 0;
    let expected = 0;
    // Push three, take two: the head keeps moving and the queue keeps growing, so every
    // compaction threshold is crossed many times without the queue ever becoming empty.
    while (next < 1_000_000) {
      q.push(next++);
      q.push(next++);
      q.push(next++);
      expect(q.shift()).toBe(expected++);
      expect(q.shift()).toBe(expected++);
      if (q.length !== next - expected) throw new Error(`length ${q.length} at ${next}`);
    }
    while (q.length > 0) expect(q.shift()).toBe(expected++);
    expect(expected).toBe(next);
    expect(q.shift()).toBeUndefined();
  });

  it('holds undefined items as items: length tells them apart from an empty queue', () => {
    const q = new Fifo<string | undefined>();
    q.push(undefined);
    q.push('a');
    expect(q.length).toBe(2);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(1);
    expect(q.shift()).toBe('a');
    expect(q.length).toBe(0);
  });

  it('does not retain what was taken (the slot is cleared before compaction)', async () => {
    const q = new Fifo<object>();
    // Made in a plain function: a local of this async test would live on in its frame.
    const pushOne = (): WeakRef<object> => {
      const item = {};
      q.push(item);
      return new WeakRef(item);
    };
    const taken = pushOne();
    q.push({}); // keeps the array from being emptied by the shift
    q.shift();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await new Promise((r) => setImmediate(r)); // WeakRef targets are kept until the job ends
    gc();
    expect(taken.deref()).toBeUndefined();
    expect(q.length).toBe(1);
  });
});
