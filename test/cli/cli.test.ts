/**
 * The `curlws` command end to end: `node bin/curlws.js …` spawned against the local servers of
 * test/setup/global-setup.ts, through pipes and once through a pseudo-terminal (util-linux
 * `script`). Needs the TypeScript build in dist/ (`npm run build:ts`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closedPort } from '../helpers/net.js';
import { patternBuffer } from '../helpers/pattern.js';
import { rawTarget, waitForRawLog } from '../helpers/raw.js';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'curlws.js');
const wsEcho = inject('wsEchoUrl');
const echoPort = Number(new URL(wsEcho).port);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'curlws-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build:ts` first');

interface Result {
  code: number | null;
  stdout: Buffer;
  out: string;
  err: string;
}

/** Runs the CLI with `input` on stdin (then EOF); resolves when it exits. */
function curlws(args: string[], input: string | Buffer = '', env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '', ...env }, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString('utf8'), err: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // the CLI may exit before reading everything
    child.stdin.end(input);
  });
}

function file(name: string, content: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
}

describe('curlws command: messages', () => {
  it('sends each stdin line as a text message and prints the echoes; EOF closes, exit 0', async () => {
    const r = await curlws([wsEcho], 'hello\nwörld\n\nlast');
    expect(r.err).toBe('');
    expect(r.out).toBe('hello\nwörld\n\nlast\n');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('\x1b'); // no colour when stdout is a pipe
  });

  it('--once sends all of stdin as one message (minus the final newline) and exits after one reply', async () => {
    const r = await curlws(['-n', wsEcho], 'line one\nline two\n');
    expect(r.out).toBe('line one\nline two\n');
    expect(r.code).toBe(0);
  });

  it('--once with empty stdin sends nothing and prints the first message the server sends', async () => {
    const r = await curlws(['--once', '-H', 'X-Cli-Test: yes', '-H', 'X-Empty;', `${wsEcho}headers`]);
    expect(r.code).toBe(0);
    const headers = JSON.parse(r.out) as Record<string, string>;
    expect(headers['x-cli-test']).toBe('yes');
    expect(headers['x-empty']).toBe('');
  });

  it('binary messages are printed as one line of hex each; --count stops after N', async () => {
    const r = await curlws(['-n', '--count', '2', `${wsEcho}push?count=3&size=5`]);
    expect(r.out).toBe(`${patternBuffer(5, 0).toString('hex')}\n${patternBuffer(5, 1).toString('hex')}\n`);
    expect(r.code).toBe(0);
  });

  it('--raw writes binary messages untouched; a server close 1000 exits 0', async () => {
    const r = await curlws(['--raw', `${wsEcho}push?count=3&size=7`]);
    expect(r.stdout.equals(Buffer.concat([0, 1, 2].map((i) => patternBuffer(7, i))))).toBe(true);
    expect(r.code).toBe(0);
  });

  it('--binary sends stdin lines as binary messages', async () => {
    const r = await curlws(['--binary', wsEcho], 'abc\nde\n');
    expect(r.out).toBe('616263\n6465\n');
    expect(r.code).toBe(0);
  });

  it('-n --binary sends stdin bytes untouched', async () => {
    const r = await curlws(['-n', '--binary', '--raw', wsEcho], Buffer.from([0, 255, 10, 13]));
    expect([...r.stdout]).toEqual([0, 255, 10, 13]);
  });

  it('--close-code and --close-reason go out in our CLOSE frame', async () => {
    const t = rawTarget('/echo');
    const r = await curlws(['--close-code', '4321', '--close-reason', 'done here', t.url], 'x\n');
    expect(r.code).toBe(0);
    const log = await waitForRawLog(t.id, (l) => l.received.some((f) => f.opcode === 8), 'the CLOSE');
    const frame = log.received.find((f) => f.opcode === 8)!;
    expect(frame.closeCode).toBe(4321);
    expect(frame.closeReason).toBe('done here');
  });

  it('a server close with another code exits 0 and says so on stderr', async () => {
    const r = await curlws([`${wsEcho}close?code=4001&reason=bye`]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('4001 bye');
  });

  it('--protocol offers a subprotocol; -v traces the handshake and the session on stderr', async () => {
    const r = await curlws(['-v', '--protocol', 'chat', '-n', `${wsEcho}headers`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)['sec-websocket-protocol']).toBe('chat');
    expect(r.err).toMatch(/^> GET \/headers HTTP\/1\.1$/m);
    expect(r.err).toMatch(/^< HTTP\/1\.1 101/m);
    expect(r.err).toContain('* WebSocket open, subprotocol: chat');
    expect(r.err).toContain('* Connection closed: 1000');
  });

  it("--compressed offers permessage-deflate (curl's flag name); without it nothing is offered", async () => {
    const on = await curlws(['--compressed', '-n', `${wsEcho}headers`]);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.out)['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
    const off = await curlws(['-n', `${wsEcho}headers`]);
    expect(JSON.parse(off.out)['sec-websocket-extensions']).toBeUndefined();
  });

  it('-u sends Basic credentials; -A the User-Agent', async () => {
    const r = await curlws(['-n', '-u', 'alice:s3cret', '-A', 'cli-test/1', `${wsEcho}headers`]);
    const h = JSON.parse(r.out) as Record<string, string>;
    expect(h.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(h['user-agent']).toBe('cli-test/1');
  });

  it('--ping-interval sends PINGs (the PONGs show with -v)', async () => {
    const child = spawn(process.execPath, [bin, '-v', '--ping-interval', '0.05', wsEcho], { stdio: 'pipe' });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('* Received PONG')) child.stdin.end();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toContain('* Received PONG');
    expect(code).toBe(0);
  });
});

describe('curlws command: ending the session', () => {
  it('exits when the server closes, even with stdin still open', async () => {
    const child = spawn(process.execPath, [bin, `${wsEcho}close?code=1000&reason=server%20done`], { stdio: 'pipe' });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
  });

  it('Ctrl-C (SIGINT) closes the connection and exits 130', async () => {
    const child = spawn(process.execPath, [bin, '-v', wsEcho], { stdio: 'pipe' });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!sent && err.includes('* WebSocket open')) sent = child.kill('SIGINT'); // once: a second Ctrl-C drops at once
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(err).toContain('* Connection closed: 1000');
  });

  it('a reader that goes away (| head) ends the session with exit 23', async () => {
    const child = spawn(process.execPath, [bin, '--raw', `${wsEcho}push?count=2000&size=65536`], { stdio: 'pipe' });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(23);
  });
});

describe('curlws command: where and how to connect', () => {
  it('--resolve maps a made-up host name to the server', async () => {
    const r = await curlws(['--resolve', `curlws-cli.test:${echoPort}:127.0.0.1`, `ws://curlws-cli.test:${echoPort}/`], 'via resolve\n');
    expect(r.out).toBe('via resolve\n');
    expect(r.code).toBe(0);
  });

  it('--connect-to redirects the connection; a URL without scheme means ws://', async () => {
    const r = await curlws(['--connect-to', `elsewhere.test:80:127.0.0.1:${echoPort}`, 'elsewhere.test/'], 'via connect-to\n');
    expect(r.out).toBe('via connect-to\n');
    expect(r.code).toBe(0);
  });

  it('-4 reaches the IPv4-only server by the name localhost; -6 cannot (exit 6 or 7)', async () => {
    const url = `ws://localhost:${echoPort}/`;
    const v4 = await curlws(['-4', url], 'over v4\n');
    expect(v4.out).toBe('over v4\n');
    expect(v4.code).toBe(0);
    const v6 = await curlws(['-6', url], 'never sent\n');
    expect([6, 7]).toContain(v6.code);
    expect(v6.out).toBe('');
    expect(v6.err).toMatch(/^curlws: \(\d+\) /m);
  });

  it('--interface with an address binds the client side; the server sees it as the peer', async () => {
    const r = await curlws(['-n', '--interface', '127.0.0.2', `${wsEcho}peer`]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { remoteAddress: string }).remoteAddress).toMatch(/127\.0\.0\.2$/);
  });

  it('--interface with a name: "lo" works, a missing interface exits 45', async () => {
    const lo = await curlws(['--interface', 'lo', wsEcho], 'bound to lo\n');
    expect(lo.out).toBe('bound to lo\n');
    expect(lo.code).toBe(0);
    const missing = await curlws(['--interface', 'no-such-if0', wsEcho], 'never sent\n');
    expect(missing.code).toBe(45);
    expect(missing.err).toMatch(/^curlws: \(45\) /m);
  });

  it('--unix-socket connects through a Unix domain socket', async () => {
    const r = await curlws(['--unix-socket', inject('unixSocketPath'), 'ws://localhost/'], 'over unix\n');
    expect(r.out).toBe('over unix\n');
    expect(r.code).toBe(0);
  });

  it('-k accepts the self-signed server; without it the exit code is 60', async () => {
    const url = inject('wssSelfSignedUrl');
    const ok = await curlws(['-k', url], 'tls\n');
    expect(ok.out).toBe('tls\n');
    expect(ok.code).toBe(0);
    const bad = await curlws([url], 'tls\n');
    expect(bad.code).toBe(60);
    expect(bad.err).toMatch(/^curlws: \(60\) /);
    // says what to do, with the command's flags (not the library's option names)
    expect(bad.err).toContain('--cacert FILE');
    expect(bad.err).toContain('-k/--insecure');
    expect(bad.err).not.toContain('tls.ca');
  });

  it('--cacert trusts the test CA', async () => {
    const ca = file('ca.pem', inject('tlsCaPem'));
    const r = await curlws(['--cacert', ca, inject('wssEchoUrl')], 'trusted\n');
    expect(r.out).toBe('trusted\n');
    expect(r.code).toBe(0);
  });

  it('--cert/--key present a client certificate', async () => {
    const client = inject('tlsClient');
    const ca = file('ca2.pem', inject('tlsCaPem'));
    const args = ['-n', '--cacert', ca, '--cert', file('client.pem', client.cert), '--key', file('client.key', client.key)];
    const r = await curlws([...args, `${inject('mtlsEchoUrl')}peer`]);
    expect(JSON.parse(r.out).clientCn).toBe('curlws client');
    expect(r.code).toBe(0);
  });

  it('-x connects through an HTTP proxy', async ({ skip }) => {
    const proxies = inject('proxies');
    if (!proxies) return skip(inject('proxiesSkipReason'));
    const r = await curlws(['-x', proxies.httpProxyUrl, wsEcho], 'proxied\n');
    expect(r.out).toBe('proxied\n');
    expect(r.code).toBe(0);
  });
});

describe('curlws command: exit codes', () => {
  it("a refused port exits 7 with curl's message format", async () => {
    const r = await curlws([`ws://127.0.0.1:${await closedPort()}/`]);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/^curlws: \(7\) /);
  });

  it('-s hides the error message but keeps the exit code', async () => {
    const r = await curlws(['-s', `ws://127.0.0.1:${await closedPort()}/`]);
    expect(r.code).toBe(7);
    expect(r.err).toBe('');
  });

  it.each([
    ['a server that hangs up without an answer', () => rawTarget('/hangup').url],
    ['a TLS port spoken to over ws://', () => inject('wssEchoIpUrl').replace('wss:', 'ws:')],
  ])('%s exits 52 (Empty reply from server), as curl does', async (_name, url) => {
    const r = await curlws([url()]);
    expect(r.code).toBe(52);
    expect(r.err).toBe('curlws: (52) Empty reply from server\n');
  });

  it('a 403 answer to the handshake exits 22', async () => {
    const r = await curlws([rawTarget('/status', { code: 403 }).url]);
    expect(r.code).toBe(22);
    expect(r.err).toContain('403');
  });

  it('a redirect without -L exits 22 and says to use -L/--location; with -L it is followed', async () => {
    const r = await curlws([rawTarget('/redirect', { to: '/echo', status: 302 }).url]);
    expect(r.code).toBe(22);
    expect(r.err).toMatch(
      /^curlws: \(22\) Unexpected server response: 302 — the server redirects to \/echo; use -L\/--location to follow it\n$/,
    );
    const followed = await curlws(['-L', rawTarget('/redirect', { to: '/echo', status: 302 }).url], 'moved\n');
    expect(followed.out).toBe('moved\n');
    expect(followed.code).toBe(0);
  });

  it('at EOF against a server that never answers the CLOSE: says what it waits for; --close-timeout bounds it', async () => {
    const r = await curlws(['--close-timeout', '1.5', rawTarget('/no-close-reply').url], 'x\n');
    expect(r.err).toContain("curlws: waiting for the server's CLOSE (up to 1.5 s; --close-timeout changes it, Ctrl-C quits)\n");
    expect(r.err).toContain('curlws: (56) Connection closed without a closing handshake (1006)\n');
    expect(r.code).toBe(56);
    // a server that answers says nothing of the kind
    const ok = await curlws(['--close-timeout', '1.5', wsEcho], 'x\n');
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
  });

  it('a protocol violation by the server exits 56', async () => {
    const r = await curlws([rawTarget('/badutf8').url]);
    expect(r.code).toBe(56);
    expect(r.err).toMatch(/^curlws: \(56\) /m);
  });

  it('--tls-keylog FILE gets the TLS secrets; SSLKEYLOGFILE gets nothing (as the library)', async () => {
    const ca = file('keylog-ca.pem', inject('tlsCaPem'));
    const keys = path.join(tmp, 'cli.keys');
    const envKeys = path.join(tmp, 'cli-env.keys');
    const r = await curlws(['--cacert', ca, '--tls-keylog', keys, inject('wssEchoUrl')], 'x\n', { SSLKEYLOGFILE: envKeys });
    expect(r.code).toBe(0);
    const lines = readFileSync(keys, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(line).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    expect(existsSync(envKeys) ? readFileSync(envKeys, 'utf8') : '').toBe('');
  });

  it('--tls-keylog into a missing directory exits 23 and names the flag', async () => {
    const r = await curlws(['--tls-keylog', path.join(tmp, 'nope', 'k.keys'), inject('wssEchoUrl')]);
    expect(r.code).toBe(23);
    expect(r.err).toMatch(/^curlws: \(23\) Cannot open the TLS key log file \(--tls-keylog\) .*nope.*No such file or directory\n$/);
  });

  it('--cacert with a missing file exits 77', async () => {
    const r = await curlws(['--cacert', path.join(tmp, 'nope.pem'), inject('wssEchoUrl')]);
    expect(r.code).toBe(77);
  });

  it('--max-time against a server that never answers exits 28', async () => {
    const start = Date.now();
    const r = await curlws(['-m', '0.3', rawTarget('/silence').url]);
    expect(r.code).toBe(28);
    expect(r.err).toContain('(28)');
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it('an unknown option exits 2 with a did-you-mean', async () => {
    const r = await curlws(['--insecur', wsEcho]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "curlws: option --insecur: is unknown\ncurlws: did you mean --insecure?\ncurlws: try 'curlws --help' for more information\n",
    );
  });

  it('usage errors exit 2: missing URL, missing parameter, bad number, bad close code, bad option value', async () => {
    for (const args of [
      [],
      ['-H'],
      ['--connect-timeout', 'soon', wsEcho],
      ['--close-code', '1005', wsEcho],
      ['--resolve', 'nonsense', wsEcho],
    ]) {
      const r = await curlws(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/^curlws: .+\ncurlws: try 'curlws --help'/);
    }
  });

  it('a URL of another scheme exits 3', async () => {
    const r = await curlws(['ftp://127.0.0.1/']);
    expect(r.code).toBe(3);
  });

  it('--help and --version exit 0', async () => {
    const help = await curlws(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: curlws [options] URL');
    expect(help.out).toContain('--unix-socket PATH');
    expect(help.out).toContain('--close-timeout SECONDS');
    // it points at docs/cli.md, so the package must ship it
    expect(help.out).toContain('docs/cli.md in the\ncurlws package');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('docs');
    expect(existsSync(path.join(root, 'docs', 'cli.md'))).toBe(true);
    const version = await curlws(['-V']);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^curlws \d+\.\d+\.\d+ \(node v[\d.]+\) libcurl\/\d+\.\d+\.\d+ /);
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('curlws command: terminal', () => {
  it.skipIf(!hasScript)('in a PTY: prompt, typed line echoed with a coloured "<" marker, Ctrl-D closes', async () => {
    const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${wsEcho}`, '/dev/null'], {
      stdio: 'pipe',
      env: { ...process.env, NO_COLOR: '', TERM: 'xterm' },
    });
    let out = '';
    const waitFor = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output: ${JSON.stringify(out)}`)), 10_000);
        const check = (): void => {
          if (re.test(out)) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(/> /);
    expect(out).toContain('Connected to');
    child.stdin.write('typed in a tty\r');
    await waitFor(/\x1b\[2m<\x1b\[0m typed in a tty/);
    child.stdin.write('\x04'); // Ctrl-D
    expect(await closed).toBe(0);
    expect(out).toContain('Closed: 1000');
  });

  it.skipIf(!hasScript)('in a PTY: Ctrl-C ends the prompt line, so the shell prompt starts on its own line', async () => {
    const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${wsEcho}`, '/dev/null'], {
      stdio: 'pipe',
      env: { ...process.env, NO_COLOR: '', TERM: 'xterm' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 10_000;
    while (!out.includes('> ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('> ');
    child.stdin.write('\x03'); // Ctrl-C
    expect(await closed).toBe(130);
    // (readline's cursor moves are not text)
    const text = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    expect(text.slice(text.lastIndexOf('> '))).toMatch(/^> \r?\n$/);
  });
});
