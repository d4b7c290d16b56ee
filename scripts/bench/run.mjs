#!/usr/bin/env node
/**
 * curlws benchmark: `node scripts/bench/run.mjs [--quick] [--only=suite|id|prefix,…] [--rounds=N]
 *   [--clients=curlws,ws,undici,c] [--profile] [--no-write] [--out=DIR] [--publish]`
 * Suites: receive, send, echo, handshake, rss, tls (each also runs alone: node scripts/bench/suites/<suite>.mjs).
 * See scripts/bench/README.md.
 */
import { main } from './lib/harness.mjs';

await main(process.argv.slice(2));
