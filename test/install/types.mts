// Type-checked (never run) by scripts/install-test.mjs against the installed package's .d.ts,
// as an ES module under module/moduleResolution node16 and nodenext.
import {
  connect,
  WebSocket,
  type WsWebSocket,
  versions,
  CLOSE_CODES,
  CurlError,
  type CloseResult,
  type Connection,
  type ConnectOptions,
  type Handshake,
  type Versions,
  type WsClientOptions,
} from 'curlws';
import curlws from 'curlws';
import WsDefault from 'curlws/ws';
import { Easy, CURLE_AGAIN, CURLWS_TEXT, CURLH_1XX, type CurlWsFrame, type WsRecvResult } from 'curlws/curl';

const options: ConnectOptions = { protocols: ['echo'], handshakeTimeout: 5000, tls: { ca: 'pem', minVersion: 'TLSv1.2' } };

export async function talk(url: string | URL): Promise<CloseResult> {
  const conn: Connection = await connect(url, options);
  conn.on('message', (data, isBinary) => {
    const d: string | Buffer = data;
    const b: boolean = isBinary;
    void d;
    void b;
  });
  await conn.send('hello');
  await conn.ping();
  const h: Handshake = conn.handshake;
  const status: number = h.status;
  void status;
  for await (const m of conn) {
    const data: string | Buffer = m.data;
    void data;
    break;
  }
  return conn.close(CLOSE_CODES.NORMAL, 'bye');
}

const ws = new WebSocket('wss://example.com', ['v1'], { tls: { ca: 'pem' } });
ws.binaryType = 'arraybuffer';
ws.onmessage = (ev) => {
  void ev.data;
};
ws.onclose = (ev) => {
  const c: number = ev.code;
  void c;
};
ws.addEventListener('open', () => ws.send(new Uint8Array(1)));

const wsOpts: WsClientOptions = { headers: { authorization: 'x' }, handshakeTimeout: 1000 };
const legacy = new WsDefault('ws://example.com', wsOpts);
const same: typeof WsWebSocket = WsDefault;
legacy.on('message', (data, isBinary) => {
  void data;
  void isBinary;
});
legacy.send('x', (err?: Error) => {
  void err;
});
void same;

const v: Versions = versions;
const libcurl: string = v.libcurl;
const alsoConnect: typeof connect = curlws.connect;
void libcurl;
void alsoConnect;
export const isCurlError = (e: unknown): e is CurlError => e instanceof CurlError;

export async function lowLevel(url: string): Promise<CurlWsFrame | null> {
  const curl = new Easy();
  curl.setopt('CURLOPT_URL', url);
  curl.setopt('CURLOPT_CONNECT_ONLY', 2);
  curl.setopt('CURLOPT_HTTPHEADER', ['Sec-WebSocket-Protocol: chat']);
  curl.setopt('CURLOPT_WRITEFUNCTION', (data: Buffer, size: number, nmemb: number) => {
    void data;
    return size * nmemb;
  });
  await curl.perform();
  const status: number = curl.getinfo('CURLINFO_RESPONSE_CODE');
  const ip: string | null = curl.getinfo('CURLINFO_PRIMARY_IP');
  const proto: string | undefined = curl.header('Sec-WebSocket-Protocol', { origin: CURLH_1XX })?.value;
  void status;
  void ip;
  void proto;
  curl.wsSend(Buffer.from('x'), CURLWS_TEXT);
  const r: WsRecvResult = curl.wsRecv(Buffer.alloc(16));
  if (r.result === CURLE_AGAIN) await curl.wsReadable();
  curl.close();
  return r.meta;
}

// the types are real, not `any`: each of these must be an error
// @ts-expect-error CURLOPT_URL takes a string
new Easy().setopt('CURLOPT_URL', 42);
// @ts-expect-error not a libcurl option
new Easy().setopt('CURLOPT_NOPE', 1);
// @ts-expect-error CURLINFO_RESPONSE_CODE is a number
export const notString: string = new Easy().getinfo('CURLINFO_RESPONSE_CODE');
// @ts-expect-error a number is not a URL
void connect(42);
// @ts-expect-error not an option
const bad: ConnectOptions = { notAnOption: true };
// @ts-expect-error 'fragments' is a curlws/ws binaryType, not a WHATWG one
ws.binaryType = 'fragments';
void bad;
