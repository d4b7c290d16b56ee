// `npm test`: runs vitest (arguments pass through) and ends with one plain summary line,
// "N passed, N failed, N skipped (Node vX.Y.Z)", which CI systems read (.ci/run checks the Node:
// vitest runs on this very Node, process.execPath). Exits with vitest's exit code.
// Usage: node scripts/run-tests.mjs [vitest args…]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'test', '.tmp');
const outFile = path.join(outDir, 'results.json');
mkdirSync(outDir, { recursive: true });
rmSync(outFile, { force: true });

// The CLI, lifecycle and worker tests run the built package in dist/: rebuild it first when a
// source file is newer, so they never test yesterday's code.
const newest = (dir) => Math.max(0, ...readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs));
const built = path.join(root, 'dist', 'index.js');
if (!existsSync(built) || newest(path.join(root, 'lib')) > statSync(built).mtimeMs) {
  const ts = spawnSync('npm', ['run', '--silent', 'build:ts'], { cwd: root, stdio: 'inherit' });
  if (ts.status !== 0) process.exit(ts.status ?? 1);
}

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile=${outFile}`, ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

let summary = 'no test results were written';
try {
  const r = JSON.parse(readFileSync(outFile, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
} catch {
  // vitest died before writing its report; its exit code says the rest.
}
console.log(`${summary} (Node ${process.version})`);
process.exit(run.status ?? 1);
