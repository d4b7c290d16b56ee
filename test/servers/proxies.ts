/**
 * Real proxies from Debian for the network tests, on 127.0.0.1:
 *   tinyproxy (HTTP CONNECT), with and without `BasicAuth alice s3cret`;
 *   microsocks (SOCKS5), with and without user alice / password s3cret;
 * plus a TCP "black hole" that accepts connections and never sends a byte (connect/TLS timeouts).
 * tinyproxy cannot listen on port 0, so a free port is picked first (bind to 0, close, reuse).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface Proxies {
  httpProxyUrl: string;
  httpAuthProxyUrl: string;
  socksProxyUrl: string;
  socksAuthProxyUrl: string;
  blackHolePort: number;
  close(): Promise<void>;
}

export const PROXY_USER = 'alice';
export const PROXY_PASSWORD = 's3cret';

/** Why the proxies cannot run here ('' when they can). */
export function proxiesUnavailableReason(): string {
  const missing = ['tinyproxy', 'microsocks'].filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  return missing.length ? `not installed: ${missing.join(', ')} (npm run setup installs them)` : '';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One tinyproxy (HTTP CONNECT) on a free port; a test that freezes or kills a proxy starts its own. */
export async function startTinyproxy(dir: string, auth: boolean): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const conf = path.join(dir, `tinyproxy-${port}.conf`);
  writeFileSync(
    conf,
    [
      'User nobody',
      'Group nogroup',
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      'MaxClients 200',
      'Allow 127.0.0.1',
      'LogLevel Critical',
      // No ConnectPort line: CONNECT is allowed to any port (the echo servers use random ones).
      ...(auth ? [`BasicAuth ${PROXY_USER} ${PROXY_PASSWORD}`] : []),
      '',
    ].join('\n'),
  );
  const child = spawn('tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' });
  await waitForPort(port, child, 'tinyproxy');
  return { port, child };
}

async function startMicrosocks(auth: boolean): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port), ...(auth ? ['-u', PROXY_USER, '-P', PROXY_PASSWORD] : [])];
  const child = spawn('microsocks', args, { stdio: 'ignore' });
  await waitForPort(port, child, 'microsocks');
  return { port, child };
}

export async function startProxies(dir: string): Promise<Proxies> {
  const children: ChildProcess[] = [];
  const blackHole = net.createServer((socket) => {
    socket.on('error', () => {});
    // Never answer: the client's connect/TLS phase must time out on its own. Read and discard,
    // so the client's FIN is seen and the socket closes (server.close() waits for that).
    socket.resume();
  });
  const close = async (): Promise<void> => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))),
    );
    await new Promise<void>((r) => blackHole.close(() => r()));
  };
  try {
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const http = await startTinyproxy(dir, false);
    children.push(http.child);
    const httpAuth = await startTinyproxy(dir, true);
    children.push(httpAuth.child);
    const socks = await startMicrosocks(false);
    children.push(socks.child);
    const socksAuth = await startMicrosocks(true);
    children.push(socksAuth.child);
    return {
      httpProxyUrl: `http://127.0.0.1:${http.port}`,
      httpAuthProxyUrl: `http://127.0.0.1:${httpAuth.port}`,
      socksProxyUrl: `socks5h://127.0.0.1:${socks.port}`,
      socksAuthProxyUrl: `socks5h://127.0.0.1:${socksAuth.port}`,
      blackHolePort: (blackHole.address() as net.AddressInfo).port,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
