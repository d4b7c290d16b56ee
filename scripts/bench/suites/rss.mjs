#!/usr/bin/env node
// The "rss" suite alone: node scripts/bench/suites/rss.mjs [--quick] [--rounds=N] [--clients=…]
import { main } from '../lib/harness.mjs';

await main(process.argv.slice(2), { only: ['rss'] });
