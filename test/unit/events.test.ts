import { describe, expect, it } from 'vitest';
import { CloseEvent, ErrorEvent, MessageEvent } from '../../lib/api/events.js';

describe('events', () => {
  it('CloseEvent is an Event with wasClean/code/reason defaults and init values', () => {
    const d = new CloseEvent('close');
    expect(d).toBeInstanceOf(Event);
    expect([d.type, d.wasClean, d.code, d.reason]).toEqual(['close', false, 0, '']);
    const e = new CloseEvent('close', { wasClean: true, code: 4000, reason: 'bye' });
    expect([e.wasClean, e.code, e.reason]).toEqual([true, 4000, 'bye']);
    expect(Object.prototype.toString.call(e)).toBe('[object CloseEvent]');
  });

  it('CloseEvent converts code as a WebIDL unsigned short', () => {
    expect(new CloseEvent('close', { code: 65536 + 1000 }).code).toBe(1000);
  });

  it('ErrorEvent carries message and error', () => {
    const err = new Error('boom');
    const e = new ErrorEvent('error', { message: 'boom', error: err });
    expect(e).toBeInstanceOf(Event);
    expect([e.type, e.message, e.error, e.filename, e.lineno, e.colno]).toEqual(['error', 'boom', err, '', 0, 0]);
  });

  it('MessageEvent is the global one', () => {
    expect(MessageEvent).toBe(globalThis.MessageEvent);
    expect(new MessageEvent('message', { data: 'x' }).data).toBe('x');
  });

  it('event constructors require a type', () => {
    expect(() => new (CloseEvent as any)()).toThrow(TypeError);
    expect(() => new (ErrorEvent as any)()).toThrow(TypeError);
  });
});
