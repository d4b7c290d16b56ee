#!/usr/bin/env node
// The "send" suite alone: node scripts/bench/suites/send.mjs [--quick] [--rounds=N] [--clients=…]
import { main } from '../lib/harness.mjs';

await main(process.argv.slice(2), { only: ['send'] });
