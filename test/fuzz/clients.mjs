// The client side of the fuzz test: one connection #index through one of the APIs (connect(),
// connect() wrapped in createWebSocketStream(), the WHATWG WebSocket, the ws-compatible
// WsWebSocket), over ws: or wss:, with random options and random behaviour (sending while
// receiving, ping, pause/resume, close()/terminate() at a random moment), all drawn from
// deriveSeed(seed, index, 3).
//
// runClient() resolves with a record of what happened; it never rejects. The runner checks
// the records: exactly one close event per opened (or attempted, for the event APIs)
// connection, no close event for a rejected connect(), nothing left hanging.
import { Rng, deriveSeed } from './prng.mjs';

/** After its own deadline a client force-terminates; this long after that it counts as hung. */
export const HANG_MS = 15_000;

function clientPlan(seed, index) {
  const r = new Rng(deriveSeed(seed, index, 3));
  return {
    api: r.weighted({ connect: 4, stream: 2, whatwg: 3, ws: 3 }), // stream: connect() + createWebSocketStream()
    streamHighWaterMark: r.pick([1, 16, 1024, 65536]),
    secure: r.chance(0.3), // wss: (when the run has a TLS port)
    handshakeTimeout: r.int(200, 2000),
    closeTimeout: r.int(100, 1500),
    maxPayload: r.chance(0.3) ? r.int(64, 100_000) : undefined,
    sendEvery: r.chance(0.5) ? r.int(1, 80) : 0, // ms between sends; 0 = never sends
    sendSize: r.pick([0, 10, 125, 1000, 70_000, 1_000_000]),
    fragmentSends: r.chance(0.2), // connect() only: messages as 2–4 fin:false fragments
    perMessageDeflate: r.chance(0.6), // offered (the whatwg and ws APIs offer by default)
    trace: r.chance(0.1) ? r.pick([1, 2]) : 0, // verbose trace (1: text, 2: also frames)
    pingEvery: r.chance(0.2) ? r.int(5, 200) : 0,
    pauseAt: r.chance(0.2) ? r.int(0, 1000) : -1,
    pauseFor: r.int(10, 800),
    lifetime: r.int(20, 3000), // ms after start…
    ending: r.weighted({ close: 5, terminate: 3, closeInHandler: 1, none: 2 }), // …then this
    closeCode: r.pick([undefined, 1000, 1001, 3000, 4999]),
    rng: r,
  };
}

export function describeClient(seed, index) {
  const { rng, ...p } = clientPlan(seed, index);
  return JSON.stringify(p);
}

/**
 * @param {object} lib - the curlws module (dist/index.js)
 * @param {{ ws: string, wss?: string, ca?: string }} target - base URLs (…/f/) and the CA for wss
 */
export function runClient(lib, target, seed, index) {
  const p = clientPlan(seed, index);
  const r = p.rng;
  const secure = p.secure && !!target.wss;
  const url = (secure ? target.wss : target.ws) + index;
  const rec = {
    index,
    api: p.api,
    secure,
    opened: false,
    rejected: false,
    closes: 0,
    errors: 0,
    messages: 0,
    code: null,
    forced: false,
    hung: false,
    problems: [],
  };
  const timers = new Set();
  // A method of the API that throws where it should not is a finding, not a crash of the run.
  const guarded = (fn) => () => {
    try {
      fn();
    } catch (err) {
      rec.problems.push(`threw ${err?.code ?? ''} ${err?.message ?? err}`);
    }
  };
  const later = (ms, fn) => {
    const t = setTimeout(
      guarded(() => {
        timers.delete(t);
        fn();
      }),
      ms,
    );
    timers.add(t);
  };
  const intervals = new Set();
  const every = (ms, fn) => {
    const t = setInterval(guarded(fn), ms);
    intervals.add(t);
  };
  const stopTimers = () => {
    for (const t of timers) clearTimeout(t);
    for (const t of intervals) clearInterval(t);
    timers.clear();
    intervals.clear();
  };
  const payload = () => {
    if (r.chance(0.5)) return r.text(Math.min(p.sendSize, 100_000));
    return p.sendSize <= 4096 ? r.bytes(p.sendSize) : Buffer.alloc(p.sendSize, r.int(0, 255));
  };

  return new Promise((resolve) => {
    let finished = false;
    let handle = null; // { send, ping, pause, resume, close, terminate }
    const afterClose = (what) => {
      if (rec.closes > 0) rec.problems.push(`${what} event after the close event`);
    };
    const onClose = (code) => {
      rec.closes++;
      rec.code = code;
      if (rec.closes > 1) rec.problems.push(`close event #${rec.closes}`);
      stopTimers();
      // Resolve a little later, so a second close event would still be counted.
      if (!finished) {
        finished = true;
        setTimeout(() => resolve(rec), 50);
      }
    };
    const settleRejected = () => {
      rec.rejected = true;
      stopTimers();
      if (!finished) {
        finished = true;
        setTimeout(() => resolve(rec), 50);
      }
    };
    const startBehaviour = () => {
      if (p.sendEvery) every(p.sendEvery, () => handle?.send(payload()));
      if (p.pingEvery) every(p.pingEvery, () => handle?.ping(r.bytes(r.int(0, 125))));
      if (p.pauseAt >= 0)
        later(p.pauseAt, () => {
          handle?.pause();
          later(p.pauseFor, () => handle?.resume());
        });
    };
    // The ending, and the hang guards.
    later(p.lifetime, () => {
      if (p.ending === 'close') handle?.close(p.closeCode);
      else if (p.ending === 'terminate') handle?.terminate();
      else if (!handle) return; // connect() still pending: its handshake timeout ends it
    });
    const forceAt = p.lifetime + 5000;
    const forceTimer = setTimeout(() => {
      if (finished) return;
      rec.forced = true;
      handle?.terminate();
      hangTimer = setTimeout(() => {
        if (finished) return;
        rec.hung = true;
        rec.problems.push('no close event ' + HANG_MS + ' ms after terminate()');
        finished = true;
        resolve(rec);
      }, HANG_MS);
      hangTimer.unref();
    }, forceAt);
    let hangTimer = null;
    const clearGuards = () => {
      clearTimeout(forceTimer);
      if (hangTimer) clearTimeout(hangTimer);
    };
    const options = { handshakeTimeout: p.handshakeTimeout, closeTimeout: p.closeTimeout };
    if (p.maxPayload !== undefined) options.maxPayload = p.maxPayload;
    options.perMessageDeflate = p.perMessageDeflate;
    if (secure) {
      if (p.api === 'ws') options.ca = target.ca;
      else options.tls = { ca: target.ca };
    }
    if (p.trace) {
      rec.traceLines = 0;
      options.verbose = { output: () => rec.traceLines++, data: p.trace === 2 };
    }
    const swallow = () => {};

    if (p.api === 'connect' || p.api === 'stream') {
      lib.connect(url, options).then(
        (conn) => {
          rec.opened = true;
          if (p.api === 'stream') {
            // The Duplex drives the connection: writes, end() (CLOSE), destroy() (terminate),
            // and its own backpressure on reading (a small highWaterMark pauses the socket).
            const duplex = lib.createWebSocketStream(conn, { highWaterMark: p.streamHighWaterMark });
            duplex.on('error', () => rec.errors++);
            duplex.on('data', () => {
              if (r.chance(0.05)) {
                duplex.pause();
                later(r.int(1, 300), () => duplex.resume());
              }
            });
            handle = {
              send: (d) => conn.readyState === 1 && duplex.write(d),
              ping: (d) => conn.readyState === 1 && conn.ping(d).catch(swallow),
              pause: () => duplex.pause(),
              resume: () => duplex.resume(),
              close: () => duplex.end(),
              terminate: () => duplex.destroy(),
            };
          } else
            handle = {
              send: (d) => {
                if (conn.readyState !== 1) return;
                if (!p.fragmentSends || d.length < 4) return conn.send(d).catch(swallow);
                const parts = r.int(2, 4);
                const step = Math.ceil(d.length / parts);
                for (let at = 0; at < d.length; at += step)
                  conn.send(d.slice(at, at + step), { fin: at + step >= d.length, binary: typeof d !== 'string' }).catch(swallow);
              },
              ping: (d) => conn.readyState === 1 && conn.ping(d).catch(swallow),
              pause: () => conn.pause(),
              resume: () => conn.resume(),
              close: (c) => conn.close(c).catch((e) => rec.problems.push(`close() rejected: ${e.code}`)),
              terminate: () => conn.terminate(),
            };
          conn.on('message', () => {
            afterClose('message');
            rec.messages++;
            if (p.ending === 'closeInHandler' && rec.messages === 1) guarded(() => handle.close(p.closeCode))();
          });
          conn.on('error', () => rec.errors++);
          conn.on('close', (code) => {
            if (conn.readyState !== 3) rec.problems.push(`readyState ${conn.readyState} in the close event`);
            clearGuards();
            onClose(code);
          });
          startBehaviour();
        },
        (err) => {
          clearGuards();
          if (!err || typeof err.code !== 'string') rec.problems.push(`connect() rejected without a code: ${err}`);
          rec.rejectCode = err?.code;
          settleRejected();
        },
      );
    } else if (p.api === 'whatwg') {
      const ws = new lib.WebSocket(url, [], options);
      ws.binaryType = 'arraybuffer';
      handle = {
        send: (d) => ws.readyState === 1 && ws.send(d),
        ping: () => {},
        pause: () => {},
        resume: () => {},
        close: (c) => ws.close(c === 1001 ? 1000 : c), // WHATWG close() takes only 1000 and 3000–4999
        terminate: () => ws.close(),
      };
      ws.addEventListener('open', () => {
        afterClose('open');
        rec.opened = true;
        startBehaviour();
      });
      ws.addEventListener('message', () => {
        afterClose('message');
        rec.messages++;
        if (p.ending === 'closeInHandler' && rec.messages === 1) guarded(() => handle.close(p.closeCode))();
      });
      ws.addEventListener('error', () => rec.errors++);
      ws.addEventListener('close', (e) => {
        if (ws.readyState !== 3) rec.problems.push(`readyState ${ws.readyState} in the close event`);
        clearGuards();
        onClose(e.code);
      });
    } else {
      const ws = new lib.WsWebSocket(url, options);
      handle = {
        send: (d) => ws.readyState === 1 && ws.send(d, swallow),
        ping: (d) => ws.readyState === 1 && ws.ping(d, undefined, swallow),
        pause: () => ws.pause(),
        resume: () => ws.resume(),
        close: (c) => ws.close(c),
        terminate: () => ws.terminate(),
      };
      ws.on('open', () => {
        afterClose('open');
        rec.opened = true;
        startBehaviour();
      });
      ws.on('message', () => {
        afterClose('message');
        rec.messages++;
        if (p.ending === 'closeInHandler' && rec.messages === 1) guarded(() => handle.close(p.closeCode))();
      });
      ws.on('error', () => rec.errors++);
      ws.on('close', (code) => {
        if (ws.readyState !== 3) rec.problems.push(`readyState ${ws.readyState} in the close event`);
        clearGuards();
        onClose(code);
      });
    }
  });
}
