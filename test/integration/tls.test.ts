/**
 * wss:// against the generated test PKI (a CA + a localhost/127.0.0.1 cert; and a self-signed
 * cert), and libcurl's TLS coexisting with Node's own OpenSSL in one process.
 */
import * as https from 'node:https';
import { describe, expect, inject, it } from 'vitest';
import { connect, CurlWsError } from '../../lib/index.js';
import { rejectionOf, track } from '../helpers/conn.js';
import { patternBuffer, sha256 } from '../helpers/pattern.js';

const ca = inject('tlsCaPem');
const wssUrl = inject('wssEchoUrl');

function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: caPem }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('wss with a trusted CA', () => {
  it.each([
    ['localhost (DNS SAN)', wssUrl],
    ['127.0.0.1 (IP SAN)', inject('wssEchoIpUrl')],
  ])('%s: handshake, text + 1 MiB binary echo, clean close', async (_n, url) => {
    const conn = await connect(url, { tls: { ca }, protocols: ['chat'] });
    const t = track(conn);
    expect(conn.protocol).toBe('chat');
    expect(conn.handshake.status).toBe(101);
    const big = patternBuffer(1024 * 1024, 9);
    await conn.send('over tls');
    await conn.send(big);
    const got = await t.messagesAfter(2);
    expect(got[0]).toEqual({ data: 'over tls', isBinary: false });
    expect(sha256(got[1]!.data as Buffer)).toBe(sha256(big));
    expect(await conn.close(1000, 'tls bye')).toEqual({ code: 1000, reason: 'tls bye', wasClean: true });
  });

  it('tls.ca as a Buffer works too', async () => {
    const conn = await connect(wssUrl, { tls: { ca: Buffer.from(ca) } });
    await conn.close(1000);
    expect(conn.readyState).toBe(3);
  });
});

describe('certificate verification failures', () => {
  it('self-signed server cert without a CA → CURLE_PEER_FAILED_VERIFICATION', async () => {
    const err = await rejectionOf(connect(inject('wssSelfSignedUrl')));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe('CURLE_PEER_FAILED_VERIFICATION');
    expect(err.message).toContain('pass its CA certificate as tls.ca');
  });

  it('the self-signed cert passed as its own CA is accepted', async () => {
    const conn = await connect(inject('wssSelfSignedUrl'), { tls: { ca: inject('tlsSelfSignedPem') } });
    expect(conn.readyState).toBe(1);
    await conn.close(1000);
  });

  it('a CA-signed cert is rejected when that CA is not trusted (default roots)', async () => {
    const err = await rejectionOf(connect(wssUrl));
    expect(err.code).toBe('CURLE_PEER_FAILED_VERIFICATION');
  });

  it('the wrong CA is rejected', async () => {
    const err = await rejectionOf(connect(wssUrl, { tls: { ca: inject('tlsSelfSignedPem') } }));
    expect(err.code).toBe('CURLE_PEER_FAILED_VERIFICATION');
  });

  it('ws:// to a TLS port fails the handshake with CURLE_GOT_NOTHING (see empty-reply.test.ts)', async () => {
    const err = await rejectionOf(connect(wssUrl.replace('wss:', 'ws:'), { handshakeTimeout: 10_000 }));
    expect(err).toBeInstanceOf(CurlWsError);
    expect(err.code).toBe('CURLE_GOT_NOTHING');
  });
});

describe("libcurl's TLS next to Node's OpenSSL in one process", () => {
  it('https.get, then a wss conversation, then https.get again: all succeed', async () => {
    const httpsUrl = inject('httpsEchoUrl');
    const before = await httpsGet(httpsUrl, ca);
    expect(before).toEqual({ status: 200, body: 'ok\n' });

    const conn = await connect(wssUrl, { tls: { ca } });
    const t = track(conn);
    // interleave: an https request while the wss connection is open
    const [during] = await Promise.all([httpsGet(httpsUrl, ca), conn.send('mixed')]);
    expect(during.status).toBe(200);
    const [m] = await t.messagesAfter(1);
    expect(m).toEqual({ data: 'mixed', isBinary: false });
    expect(await conn.close(1000)).toMatchObject({ code: 1000, wasClean: true });

    const after = await httpsGet(httpsUrl, ca);
    expect(after).toEqual({ status: 200, body: 'ok\n' });
  });
});
