#!/usr/bin/env node
// The "receive" suite alone: node scripts/bench/suites/receive.mjs [--quick] [--rounds=N] [--clients=…]
import { main } from '../lib/harness.mjs';

await main(process.argv.slice(2), { only: ['receive'] });
