// The Sec-WebSocket-Key of a curlws/curl handshake: libcurl draws one only when the application
// has not set its own through CURLOPT_HTTPHEADER (the bundled libcurl's patch
// scripts/curl-patches/0006-ws-key-only-when-not-set.patch). Either way the request carries
// exactly one key of 16 bytes, and the one the application set is the one sent.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CURLH_1XX } from '../../lib/curl';
import { getRawLog, rawTarget } from '../helpers/raw';
import { connectOnly } from './helpers';

const acceptKey = (key: string): string => createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

async function sentKey(id: string): Promise<string> {
  const key = (await getRawLog(id))?.request.headers['sec-websocket-key'];
  if (key === undefined) throw new Error('the request had no Sec-WebSocket-Key');
  return key; // repeated headers would come joined with ", "
}

describe('curlws/curl: Sec-WebSocket-Key', () => {
  it('without a key of the application, libcurl sends one of its own: 16 bytes, fresh per handshake', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = rawTarget('/echo');
      const easy = await connectOnly(t.url);
      try {
        const key = await sentKey(t.id);
        expect(Buffer.from(key, 'base64')).toHaveLength(16);
        expect(Buffer.from(key, 'base64').toString('base64')).toBe(key);
        expect(easy.header('Sec-WebSocket-Accept', { origin: CURLH_1XX })?.value).toBe(acceptKey(key));
        keys.push(key);
      } finally {
        easy.close();
      }
    }
    expect(new Set(keys).size).toBe(3);
  });

  it("with the application's key in CURLOPT_HTTPHEADER, that key is sent, once", async () => {
    for (const name of ['Sec-WebSocket-Key', 'sec-websocket-key']) {
      const mine = randomBytes(16).toString('base64');
      const t = rawTarget('/echo');
      const easy = await connectOnly(t.url, (e) => e.setopt('CURLOPT_HTTPHEADER', [`${name}: ${mine}`]));
      try {
        expect(await sentKey(t.id)).toBe(mine);
        expect(easy.header('Sec-WebSocket-Accept', { origin: CURLH_1XX })?.value).toBe(acceptKey(mine));
      } finally {
        easy.close();
      }
    }
  });
});
