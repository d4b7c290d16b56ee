/** Shared helpers for the curlws/curl tests: a CONNECT_ONLY connection and a receive loop. */
import { Writable } from 'node:stream';
import { CURLE_AGAIN, Easy } from '../../lib/curl';
import type { CurlWsFrame } from '../../lib/curl';

export interface Chunk {
  data: Buffer;
  meta: CurlWsFrame;
}

/** An Easy with CONNECT_ONLY=2 that has completed the upgrade to `url`. */
export async function connectOnly(url: string, setup?: (easy: Easy) => void): Promise<Easy> {
  const easy = new Easy();
  easy.setopt('CURLOPT_URL', url);
  easy.setopt('CURLOPT_CONNECT_ONLY', 2);
  setup?.(easy);
  try {
    await easy.perform();
  } catch (err) {
    easy.close();
    throw err;
  }
  return easy;
}

/** The next chunk curl_ws_recv returns, waiting (wsReadable) through CURLE_AGAIN. */
export async function nextChunk(easy: Easy, size = 65536): Promise<Chunk> {
  const buf = Buffer.alloc(size);
  for (;;) {
    const r = easy.wsRecv(buf);
    if (r.result === CURLE_AGAIN) {
      await easy.wsReadable();
      continue;
    }
    return { data: Buffer.from(buf.subarray(0, r.nread)), meta: r.meta! };
  }
}

/** `count` chunks in order. */
export async function chunks(easy: Easy, count: number, size = 65536): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for (let i = 0; i < count; i++) out.push(await nextChunk(easy, size));
  return out;
}

/** Sends all of `data` as one frame, retrying partial sends and CURLE_AGAIN as libcurl documents. */
export async function sendAll(easy: Easy, data: Buffer, flags: number): Promise<void> {
  let rest = data;
  do {
    const r = easy.wsSend(rest, flags);
    if (r.result === CURLE_AGAIN) await easy.wsWritable();
    else rest = rest.subarray(r.sent);
  } while (rest.length);
}

/** A collector for the examples' `stderr`. */
export function textSink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}
