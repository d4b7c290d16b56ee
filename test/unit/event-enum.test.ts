// The event types of a dispatched batch are numbered twice, once per side of the addon boundary:
// `NativeEvent` in lib/core/contract.ts and `EventType` in native/session/event_batch.h. A number that differs
// would deliver one event as another, so the two declarations are read from source (C++ has no
// enum object to ask) and compared name by name. The same holds for the indices of the
// handshake record (`HandshakeField`, native/session/handshake_info.h), and of the
// Session constructor's init array (`SessionInitField`, native/session/session_init.h).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** `Name = N` members of the enum declared by `header` in `file`, comments stripped. */
function enumMembers(file: string, header: RegExp): Map<string, number> {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  const start = source.search(header);
  if (start < 0) throw new Error(`${file}: no declaration matching ${header}`);
  const open = source.indexOf('{', start);
  const body = source
    .slice(open + 1, source.indexOf('}', open))
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '');
  const members = new Map<string, number>();
  for (const entry of body.split(',')) {
    if (!entry.trim()) continue;
    const m = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(entry);
    if (!m) throw new Error(`${file}: enum member without an explicit number: ${entry.trim()}`);
    members.set(m[1], Number(m[2]));
  }
  return members;
}

describe('the event enum across the addon boundary', () => {
  const ts = enumMembers('lib/core/contract.ts', /export (?:const )?enum NativeEvent\b/);
  const cc = enumMembers('native/session/event_batch.h', /enum class EventType\b/);

  it('has the same members with the same numbers on both sides (kOpen <-> Open)', () => {
    const fromCc = new Map([...cc].map(([name, value]) => [name.replace(/^k/, ''), value]));
    expect(Object.fromEntries(ts)).toEqual(Object.fromEntries(fromCc));
  });

  it('numbers every event distinctly, from 1 (0 would be an empty slot)', () => {
    const values = [...ts.values()];
    expect(new Set(values).size).toBe(values.length);
    expect(Math.min(...values)).toBe(1);
    expect(ts.size).toBeGreaterThan(10);
  });
});

describe('the handshake record across the addon boundary', () => {
  const ts = enumMembers('lib/core/contract.ts', /export (?:const )?enum HandshakeField\b/);
  const cc = enumMembers('native/session/handshake_info.h', /enum HandshakeField\b/);

  it('indexes the same fields on both sides (kHsStatus <-> Status), each once, from 0', () => {
    const fromCc = new Map([...cc].map(([name, value]) => [name.replace(/^kHs/, ''), value]));
    expect(Object.fromEntries(ts)).toEqual(Object.fromEntries(fromCc));
    const values = [...ts.values()].sort((a, b) => a - b);
    expect(values).toEqual(values.map((_, i) => i));
    expect(ts.size).toBeGreaterThan(10);
  });
});

describe("the Session constructor's init array across the addon boundary", () => {
  const ts = enumMembers('lib/core/contract.ts', /export (?:const )?enum SessionInitField\b/);
  const cc = enumMembers('native/session/session_init.h', /enum SessionInitField\b/);

  it('has the same positions on both sides (kInitUrl <-> Url), each once, from 0, then the count', () => {
    const fromCc = new Map([...cc].map(([name, value]) => [name.replace(/^kInit/, ''), value]));
    expect(Object.fromEntries(ts)).toEqual(Object.fromEntries(fromCc));
    const count = ts.get('FieldCount');
    const fields = [...ts].filter(([name]) => name !== 'FieldCount').map(([, v]) => v);
    expect(fields.sort((a, b) => a - b)).toEqual(fields.map((_, i) => i));
    expect(count).toBe(fields.length);
    expect(count).toBeGreaterThan(15);
  });

  it("names the fields in the engine's error messages as contract.ts does, in order", () => {
    const source = readFileSync(path.join(ROOT, 'native/session/session_init.cc'), 'utf8');
    const table = /kFieldNames\[\] = \{([\s\S]*?)\};/.exec(source);
    if (!table) throw new Error('session_init.cc: no kFieldNames table');
    const names = [...table[1]!.matchAll(/"(\w+)"/g)].map((m) => m[1]);
    const byPosition = [...ts].filter(([name]) => name !== 'FieldCount').sort((a, b) => a[1] - b[1]);
    expect(names).toEqual(byPosition.map(([name]) => name));
  });
});
