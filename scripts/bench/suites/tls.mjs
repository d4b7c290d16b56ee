#!/usr/bin/env node
// The "tls" suite alone: node scripts/bench/suites/tls.mjs [--quick] [--rounds=N] [--clients=…]
import { main } from '../lib/harness.mjs';

await main(process.argv.slice(2), { only: ['tls'] });
