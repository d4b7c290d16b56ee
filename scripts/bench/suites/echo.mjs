#!/usr/bin/env node
// The "echo" suite alone: node scripts/bench/suites/echo.mjs [--quick] [--rounds=N] [--clients=…]
import { main } from '../lib/harness.mjs';

await main(process.argv.slice(2), { only: ['echo'] });
