#!/usr/bin/env node
// The "handshake" suite alone: node scripts/bench/suites/handshake.mjs [--quick] [--rounds=N] [--clients=…]
import { main } from '../lib/harness.mjs';

await main(process.argv.slice(2), { only: ['handshake'] });
