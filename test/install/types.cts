// Type-checked (never run) by scripts/install-test.mjs: the CommonJS side of the shipped .d.ts.
import curlws = require('curlws');
import WsWebSocket = require('curlws/ws');
import curl = require('curlws/curl');

export async function lowLevel(url: string): Promise<number> {
  const easy: curl.Easy = new curl.Easy();
  easy.setopt('CURLOPT_URL', url);
  easy.setopt('CURLOPT_CONNECT_ONLY', 2);
  await easy.perform();
  const { result, sent } = easy.wsSend(Buffer.from('hi'), curl.CURLWS_TEXT);
  easy.close();
  return result === curl.CURLE_OK ? sent : -1;
}

export async function talk(): Promise<curlws.CloseResult> {
  const conn: curlws.Connection = await curlws.connect('ws://127.0.0.1:1/', { protocols: ['echo'] });
  await conn.send(Buffer.from('hi'));
  return conn.close(1000);
}

const w = new WsWebSocket('ws://127.0.0.1:1/', ['echo']);
w.on('close', (code: number, reason: Buffer) => {
  void code;
  void reason;
});
const viaProp: typeof WsWebSocket = WsWebSocket.WebSocket;
const viaIndex: typeof curlws.WsWebSocket = WsWebSocket;
void viaProp;
void viaIndex;

// @ts-expect-error connect needs a URL
void curlws.connect();
