/**
 * vitest globalSetup: starts every local peer the integration tests talk to (127.0.0.1, port 0),
 * hands their URLs to the tests through `provide`/`inject`, and tears them all down at the end.
 *
 *   wsEchoUrl          ws://127.0.0.1:P/          npm ws echo (see test/servers/ws-echo.ts)
 *   wssEchoUrl         wss://localhost:P/         same echo behind https, cert signed by tlsCaPem
 *   wssEchoIpUrl       wss://127.0.0.1:P/         same server, by IP (the cert has IP SAN 127.0.0.1)
 *   httpsEchoUrl       https://localhost:P/       same server, plain HTTPS GET answers 200 "ok\n"
 *   tlsCaPem           PEM of the test CA
 *   wssSelfSignedUrl   wss://localhost:P2/        echo with a self-signed cert (negative TLS tests)
 *   tlsSelfSignedPem   PEM of that self-signed cert
 *   pyEchoUrl          ws://127.0.0.1:P3/         python3-websockets echo, or '' if unavailable
 *   pyEchoSkipReason   why pyEchoUrl is '' ('' when available)
 *   rawUrl             ws://127.0.0.1:P4          the misbehaving raw server (append a path)
 *   rawControlUrl      http://127.0.0.1:P5        GET /log?id=<id> → RawConnLog JSON
 *   mtlsEchoUrl        wss://localhost:P6/        echo that requires a client cert signed by tlsCaPem
 *   tlsClient          { cert, key, pfx (base64, passphrase "s3cret"), serverPin }
 *   unixSocketPath     path of a Unix socket with the ws echo behind it
 *   proxies            tinyproxy / microsocks URLs and a black-hole port, or null (see proxiesSkipReason)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { pyEchoUnavailableReason, startPyEcho } from '../servers/py-echo.js';
import { startRawServer } from '../servers/raw-server.js';
import { proxiesUnavailableReason, startProxies } from '../servers/proxies.js';
import { generatePki } from '../servers/tls-certs.js';
import { startWsEcho } from '../servers/ws-echo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    wsEchoUrl: string;
    wssEchoUrl: string;
    wssEchoIpUrl: string;
    httpsEchoUrl: string;
    tlsCaPem: string;
    wssSelfSignedUrl: string;
    tlsSelfSignedPem: string;
    pyEchoUrl: string;
    pyEchoSkipReason: string;
    rawUrl: string;
    rawControlUrl: string;
    mtlsEchoUrl: string;
    tlsClient: { cert: string; key: string; pfx: string; serverPin: string };
    unixSocketPath: string;
    proxies: {
      httpProxyUrl: string;
      httpAuthProxyUrl: string;
      socksProxyUrl: string;
      socksAuthProxyUrl: string;
      blackHolePort: number;
    } | null;
    proxiesSkipReason: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const teardown = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error('[global-setup] teardown step failed:', err);
      }
    }
  };
  try {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'curlws-pki-'));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const pki = generatePki(tmp);

    const echo = await startWsEcho();
    cleanups.push(() => echo.close());
    const wssEcho = await startWsEcho({ cert: pki.serverCert, key: pki.serverKey });
    cleanups.push(() => wssEcho.close());
    const wssSelf = await startWsEcho({ cert: pki.selfSignedCert, key: pki.selfSignedKey });
    cleanups.push(() => wssSelf.close());
    const raw = await startRawServer();
    cleanups.push(() => raw.close());
    const mtls = await startWsEcho({ cert: pki.serverCert, key: pki.serverKey }, { clientCa: pki.caPem });
    cleanups.push(() => mtls.close());
    const unixSocketPath = path.join(tmp, 'echo.sock');
    const unixEcho = await startWsEcho(undefined, { unixSocket: unixSocketPath });
    cleanups.push(() => unixEcho.close());

    // Proxies are Debian packages; CI installs them (scripts/setup.sh) and must not skip.
    const proxiesSkipReason = proxiesUnavailableReason();
    let proxies: Awaited<ReturnType<typeof startProxies>> | null = null;
    if (proxiesSkipReason && process.env.CI) throw new Error(`proxy tests cannot run in CI: ${proxiesSkipReason}`);
    if (!proxiesSkipReason) {
      proxies = await startProxies(tmp);
      cleanups.push(() => proxies?.close());
    } else {
      console.warn(`[global-setup] proxy tests disabled: ${proxiesSkipReason}`);
    }

    let pyEchoUrl = '';
    let pyEchoSkipReason = pyEchoUnavailableReason();
    if (!pyEchoSkipReason) {
      try {
        const py = await startPyEcho();
        cleanups.push(() => py.close());
        pyEchoUrl = `ws://127.0.0.1:${py.port}/`;
      } catch (err) {
        pyEchoSkipReason = `pyecho.py failed to start: ${(err as Error).message}`;
      }
    }
    if (pyEchoSkipReason) console.warn(`[global-setup] python3-websockets echo disabled: ${pyEchoSkipReason}`);

    project.provide('wsEchoUrl', `ws://127.0.0.1:${echo.port}/`);
    project.provide('wssEchoUrl', `wss://localhost:${wssEcho.port}/`);
    project.provide('wssEchoIpUrl', `wss://127.0.0.1:${wssEcho.port}/`);
    project.provide('httpsEchoUrl', `https://localhost:${wssEcho.port}/`);
    project.provide('tlsCaPem', pki.caPem);
    project.provide('wssSelfSignedUrl', `wss://localhost:${wssSelf.port}/`);
    project.provide('tlsSelfSignedPem', pki.selfSignedCert);
    project.provide('pyEchoUrl', pyEchoUrl);
    project.provide('pyEchoSkipReason', pyEchoSkipReason);
    project.provide('rawUrl', raw.url);
    project.provide('rawControlUrl', raw.controlUrl);
    project.provide('mtlsEchoUrl', `wss://localhost:${mtls.port}/`);
    project.provide('tlsClient', {
      cert: pki.clientCert,
      key: pki.clientKey,
      pfx: pki.clientPfx.toString('base64'),
      serverPin: pki.serverPin,
    });
    project.provide('unixSocketPath', unixSocketPath);
    project.provide(
      'proxies',
      proxies && {
        httpProxyUrl: proxies.httpProxyUrl,
        httpAuthProxyUrl: proxies.httpAuthProxyUrl,
        socksProxyUrl: proxies.socksProxyUrl,
        socksAuthProxyUrl: proxies.socksAuthProxyUrl,
        blackHolePort: proxies.blackHolePort,
      },
    );
    project.provide('proxiesSkipReason', proxiesSkipReason);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
