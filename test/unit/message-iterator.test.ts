// MessageIterator: both sides of the async iterator Connection and ReconnectingWebSocket share.
import { describe, expect, it } from 'vitest';
import { MessageIterator } from '../../lib/core/message-iterator';

function make(ended = false) {
  const log: string[] = [];
  const it = new MessageIterator<number>({ taken: (n) => log.push(`taken ${n}`), finished: () => log.push('finished') }, ended);
  return { it, log, consumer: it.iterator() };
}

describe('MessageIterator', () => {
  it('hands a message to a pending next(), queues the rest, in order', async () => {
    const { it, log, consumer } = make();
    const first = consumer.next();
    expect(it.push(1)).toBe(0);
    expect(it.push(2)).toBe(1);
    expect(it.push(3)).toBe(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await consumer.next()).toEqual({ value: 2, done: false });
    expect(it.length).toBe(1);
    expect(log).toEqual(['taken 1']);
  });

  it('delivers queued messages before the error, the error once, then done', async () => {
    const { it, log, consumer } = make();
    it.push(1);
    it.fail(new Error('boom'));
    it.end();
    expect(await consumer.next()).toEqual({ value: 1, done: false });
    await expect(consumer.next()).rejects.toThrow('boom');
    expect(await consumer.next()).toEqual({ value: undefined, done: true });
    expect(log).toEqual(['taken 0', 'finished']);
  });

  it('end() wakes a pending next() with the error, or with done', async () => {
    const a = make();
    const pending = a.consumer.next();
    a.it.fail(new Error('gone'));
    a.it.end();
    await expect(pending).rejects.toThrow('gone');
    const b = make();
    const waiting = b.consumer.next();
    b.it.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('ignores pushes once ended or returned, and reports done at once when built ended', async () => {
    const { it, log, consumer } = make();
    await consumer.return?.();
    expect(it.done).toBe(true);
    expect(it.push(7)).toBe(0);
    expect(await consumer.next()).toEqual({ value: undefined, done: true });
    expect(log).toEqual(['finished']);
    expect(await make(true).consumer.next()).toEqual({ value: undefined, done: true });
  });
});
