/**
 * The `curlws` command: telnet/nc for WebSocket, with curl's flags and exit codes.
 * Entry point {@link main} (bin/curlws.js). Argument parsing lives in cli-args.ts, the mapping of
 * flags to `connect()` options and of errors to exit codes in cli-options.ts; this file runs the
 * session. Reference: docs/cli.md.
 */
import * as readline from 'node:readline';
import type { Connection, ConnectOptions } from '../index';
import { type CliArgs, helpText, parseArgs, UsageError } from './args';
import { connectOptions, describeFailure, EXIT, HINT } from './options';
import { validateCloseArgs } from '../core/frames';
import { DEFAULTS } from '../core/options';

type Lib = typeof import('../index');

/** Runs the command and exits the process with its exit code (flushing stdout first). */
export function main(argv: string[]): void {
  run(argv).then(exit, (err: unknown) => {
    process.stderr.write(`curlws: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    exit(1);
  });
}

function exit(code: number): void {
  // Pipes and files are written synchronously on POSIX; the callback covers the other cases.
  if (process.stdout.writableLength === 0 || process.stdout.destroyed) process.exit(code);
  process.stdout.write('', () => process.exit(code));
}

/** Runs the command; resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  let args: CliArgs;
  try {
    args = parseArgs(argv);
    if (args.flags.has('help')) {
      process.stdout.write(helpText());
      return 0;
    }
    if (args.flags.has('version')) {
      process.stdout.write(versionText(loadLib()));
      return 0;
    }
    if (args.url === undefined) throw new UsageError('no URL specified!');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`curlws: ${e.message}`);
    if (e.hint) err(`curlws: did you mean ${e.hint}?`);
    err(`curlws: ${HINT}`);
    return EXIT.USAGE;
  }
  const silent = args.flags.has('silent') && !args.flags.has('show-error');
  try {
    const close = closeArgs(args);
    const lib = loadLib();
    const options = connectOptions(args);
    return await session(lib, withScheme(args.url), options, args, close);
  } catch (e) {
    const { code, message } = describeFailure(e);
    if (!silent) {
      if (code === EXIT.USAGE) {
        err(`curlws: ${message}`);
        err(`curlws: ${HINT}`);
      } else {
        err(`curlws: (${code}) ${message}`);
      }
    }
    return code;
  }
}

function loadLib(): Lib {
  // Loaded lazily: --help and usage errors must not need the native addon.
  return require('../index') as Lib;
}

function versionText(lib: Lib): string {
  const v = lib.versions;
  return (
    `curlws ${v.curlws} (node ${process.version}) libcurl/${v.libcurl} ${v.ssl} zlib/${v.libz} napi/${v.napi}\n` +
    `Protocols: ${v.protocols.join(' ')}\n` +
    `Features: ${v.features.join(' ')}\n`
  );
}

/** curl guesses a scheme for a bare host; for curlws that is ws://. */
function withScheme(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `ws://${url}`;
}

function closeArgs(args: CliArgs): { code: number; reason: string | undefined } {
  const code = args.numbers.get('close-code') ?? 1000;
  const reason = args.values.get('close-reason');
  try {
    validateCloseArgs(code, reason);
  } catch (e) {
    const flag = (e as Error).message.includes('reason') ? '--close-reason' : '--close-code';
    const m = /^Expected (.*) for \w+ but received (.*) of type \w+$/s.exec((e as Error).message);
    throw new UsageError(
      `option ${flag}: ${m ? `expected ${m[1]}${m[1]?.includes('(got') ? '' : ` (got ${m[2]})`}` : (e as Error).message}`,
    );
  }
  return { code, reason };
}

const NORMAL_CLOSE = new Set([1000, 1001, 1005]);
const DEFAULT_CLOSE_TIMEOUT_MS = DEFAULTS.closeTimeout;
/** How long the wait for the server's CLOSE goes on before the command says what it waits for. */
const CLOSE_NOTICE_AFTER_MS = 500;

/** Connects, pumps stdin to the server and messages to stdout; resolves with the exit code. */
async function session(
  lib: Lib,
  url: string,
  options: ConnectOptions,
  a: CliArgs,
  close: { code: number; reason: string | undefined },
): Promise<number> {
  const { stdin, stdout, stderr } = process;
  const once = a.flags.has('once');
  const binaryOut = a.flags.has('raw') ? 'raw' : 'hex';
  const sendBinary = a.flags.has('binary');
  const limit = once ? (a.numbers.get('count') ?? 1) : a.numbers.get('count');
  const verbose = a.verbose > 0;
  const silent = a.flags.has('silent') && !a.flags.has('show-error');
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  // Terminal mode: a prompt, "<" markers for received messages, notices in the terminal.
  const ui = !once && Boolean(stdin.isTTY) && Boolean(stdout.isTTY);
  const color = Boolean(stdout.isTTY) && !noColor;
  const errColor = Boolean(stderr.isTTY) && !noColor;
  const paint = (on: boolean, sgr: string, s: string): string => (on ? `\x1b[${sgr}m${s}\x1b[0m` : s);
  const info = (line: string): void => {
    if (verbose) stderr.write(`${paint(errColor, '2', `* ${line}`)}\n`);
  };

  const controller = new AbortController();
  const maxTime = a.numbers.get('max-time');
  let timedOut = false;
  let interrupted = false;
  let rl: readline.Interface | undefined;
  let conn: Connection | undefined;
  let settle!: (code: number) => void;
  const done = new Promise<number>((resolve) => (settle = resolve));
  let finished = false;
  const timers: NodeJS.Timeout[] = [];
  const finish = (code: number): void => {
    if (finished) return;
    finished = true;
    for (const t of timers) clearTimeout(t);
    process.removeListener('SIGINT', onSigint);
    rl?.close();
    settle(code);
  };

  // A reader that went away (| head) ends the session as curl does: exit 23.
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    conn?.terminate();
    finish(EXIT.WRITE_ERROR);
    if (e.code !== 'EPIPE' && !silent) stderr.write(`curlws: (23) Failure writing output: ${e.message}\n`);
  });

  let closing = false;
  const closeTimeoutMs = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const startClose = (): void => {
    if (closing || !conn) return;
    closing = true;
    info(`Closing: ${close.code}${close.reason ? ` ${close.reason}` : ''}`);
    void conn.close(close.code, close.reason);
    // A server that does not answer our CLOSE holds the exit for up to --close-timeout: say so
    // once the wait is noticeable, rather than hanging silently.
    if (!silent && closeTimeoutMs > CLOSE_NOTICE_AFTER_MS) {
      const notice = setTimeout(() => {
        if (finished) return;
        const line = `curlws: waiting for the server's CLOSE (up to ${closeTimeoutMs / 1000} s; --close-timeout changes it, Ctrl-C quits)`;
        if (ui && rl) print(`${paint(color, '2', line)}\n`);
        else stderr.write(`${paint(errColor, '2', line)}\n`);
      }, CLOSE_NOTICE_AFTER_MS);
      notice.unref();
      timers.push(notice);
    }
  };
  /** max-time and Ctrl-C: close politely, but do not wait for a silent server for long. */
  const stop = (): void => {
    if (!conn) {
      controller.abort();
      return;
    }
    startClose();
    timers.push(setTimeout(() => conn?.terminate(), 1000).unref());
  };
  function onSigint(): void {
    // The prompt line ends here, so the shell's prompt starts on a line of its own.
    if (ui && !interrupted) stdout.write('\n');
    if (interrupted) {
      conn?.terminate();
      finish(EXIT.INTERRUPTED);
      return;
    }
    interrupted = true;
    stop();
  }
  process.on('SIGINT', onSigint);
  if (maxTime !== undefined && maxTime > 0) {
    const ms = Math.max(1, Math.round(maxTime * 1000));
    timers.push(
      setTimeout(() => {
        timedOut = true;
        if (!silent) stderr.write(`curlws: (28) Operation timed out after ${ms} milliseconds\n`);
        stop();
      }, ms),
    );
  }

  // -n reads stdin while connecting.
  const input = once ? readAll(stdin) : undefined;

  try {
    conn = await lib.connect(url, { ...options, signal: controller.signal });
  } catch (e) {
    if (timedOut) return EXIT.TIMEOUT;
    if (interrupted) return EXIT.INTERRUPTED;
    throw e;
  } finally {
    if (!conn) finish(0); // clears the timers and the SIGINT handler
  }
  const c = conn;
  // After the handshake's trace lines, which the engine delivers on the next turn.
  setImmediate(() =>
    info(`WebSocket open${c.protocol ? `, subprotocol: ${c.protocol}` : ''}${c.extensions ? `, extensions: ${c.extensions}` : ''}`),
  );
  let error: (Error & { code?: string }) | undefined;
  c.on('error', (e) => {
    error = e;
  });
  c.on('ping', (p) => info(`Received PING${p.length ? ` (${p.length} bytes)` : ''}`));
  c.on('pong', (p) => info(`Received PONG${p.length ? ` (${p.length} bytes)` : ''}`));

  /** Writes above the prompt line in terminal mode (and redraws the prompt unless `last`). */
  const print = (text: string | Buffer, last = false): void => {
    if (ui && rl) {
      readline.clearLine(stdout, 0);
      readline.cursorTo(stdout, 0);
      stdout.write(text);
      if (!last) rl.prompt(true);
    } else {
      stdout.write(text);
    }
  };
  let received = 0;
  c.on('message', (data, binary) => {
    if (limit !== undefined && received >= limit) return;
    received++;
    const marker = ui ? `${paint(color, '2', '<')} ` : '';
    if (!binary) print(`${marker}${data as string}\n`);
    else if (binaryOut === 'raw') print(data as Buffer);
    else print(`${marker}${paint(color, '36', (data as Buffer).toString('hex'))}\n`);
    if (limit !== undefined && received >= limit) startClose();
  });

  c.on('close', (code, reason, wasClean) => {
    info(`Connection closed: ${code}${reason ? ` ${reason}` : ''}${wasClean ? '' : ' (not clean)'}`);
    if (timedOut) return finish(EXIT.TIMEOUT);
    if (interrupted) return finish(EXIT.INTERRUPTED);
    if (error) {
      const f = describeFailure(error);
      if (!silent) stderr.write(`curlws: (${f.code}) ${f.message}\n`);
      return finish(f.code);
    }
    if (!wasClean) {
      if (!silent) stderr.write(`curlws: (56) Connection closed without a closing handshake (${code})\n`);
      return finish(EXIT.RECV_ERROR);
    }
    if (!NORMAL_CLOSE.has(code) && code !== close.code && !silent && !verbose) {
      const line = `curlws: the server closed the connection: ${code}${reason ? ` ${reason}` : ''}`;
      if (ui && rl) print(`${paint(color, '33', line)}\n`, true);
      else stderr.write(`${paint(errColor, '33', line)}\n`);
    } else if (ui && rl) {
      print(`${paint(color, '2', `Closed: ${code}${reason ? ` ${reason}` : ''}`)}\n`, true);
    }
    finish(0);
  });

  if (once) {
    const data = await (input as Promise<Buffer>);
    if (c.readyState === lib.OPEN && !closing) {
      if (data.length) {
        const payload = sendBinary ? data : data.toString('utf8').replace(/\r?\n$/, '');
        c.send(payload, { binary: sendBinary }).catch(() => {});
      }
      if (limit === 0) startClose();
    }
    return done;
  }

  if (limit === 0) startClose();
  if (ui) {
    const proto = c.protocol ? ` (subprotocol ${c.protocol})` : '';
    stdout.write(`${paint(color, '2', `Connected to ${c.url}${proto}. Ctrl-D closes, Ctrl-C quits.`)}\n`);
  }
  rl = readline.createInterface({
    input: stdin,
    output: ui ? stdout : undefined,
    terminal: ui,
    crlfDelay: Infinity,
    prompt: ui ? '> ' : '',
  });
  rl.on('line', (line) => {
    if (c.readyState !== lib.OPEN || closing) return;
    c.send(sendBinary ? Buffer.from(line, 'utf8') : line, { binary: sendBinary }).catch(() => {});
    // Backpressure: stop reading stdin while a lot is queued for the socket.
    if (c.bufferedAmount > 1 << 20) {
      rl?.pause();
      c.once('drain', () => rl?.resume());
    }
    if (ui) rl?.prompt();
  });
  rl.on('close', () => {
    // End of input (Ctrl-D, EOF of a pipe): close the connection; exit when the close completes.
    if (!finished) startClose();
  });
  if (ui) {
    rl.on('SIGINT', onSigint);
    rl.prompt();
  }
  return done;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
  });
}
