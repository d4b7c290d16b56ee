// Summarises the sanitizer logs of scripts/asan.sh (ASAN_OPTIONS=log_path=<dir>/asan, one file
// per process): AddressSanitizer errors, UBSan runtime errors, and LeakSanitizer leaks split
// into ours (a frame in the addon: curlws.node, native/*.cc, or libcurl linked into it, or an
// unloaded module) and
// Node/V8's own. Exits 1 when there is an ASan/UBSan error or a leak of ours.
//
// Usage: node scripts/asan-report.mjs <log dir> [label]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [dir, label = 'asan'] = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.startsWith('asan'))
  .map((f) => path.join(dir, f));
// "<unknown module>": a library unloaded before the report, which is the addon once the last
// environment that loaded it is gone (a process where only workers load curlws).
const ours = (frames) => frames.some((l) => /curlws\.node|\/native\/[a-z_]+\.(cc|h)|curlws::|<unknown module>/.test(l));

const findings = { asanErrors: [], ubsanErrors: [], ourLeaks: [], otherLeaks: 0, otherLeakBytes: 0, ourLeakBytes: 0 };
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(==\d+==ERROR: AddressSanitizer: .*|AddressSanitizer: failed .*)$/gm))
    findings.asanErrors.push(`${path.basename(file)}: ${m[0]}\n${text.slice(m.index, m.index + 3000)}`);
  for (const m of text.matchAll(/^.*runtime error: .*$/gm)) findings.ubsanErrors.push(`${path.basename(file)}: ${m[0]}`);
  // Leak blocks: a header line, then frames up to a blank line.
  for (const m of text.matchAll(
    /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:\n((?:\s+#\d+ .*\n?)+)/gm,
  )) {
    const frames = m[4].split('\n').filter(Boolean);
    const bytes = Number(m[2]);
    if (ours(frames)) {
      findings.ourLeaks.push(`${m[1]} leak of ${bytes} bytes in ${m[3]} object(s):\n${frames.slice(0, 14).join('\n')}`);
      findings.ourLeakBytes += bytes;
    } else {
      findings.otherLeaks++;
      findings.otherLeakBytes += bytes;
    }
  }
}

console.log(`[${label}] sanitizer logs: ${files.length} file(s) in ${dir}`);
console.log(`[${label}] AddressSanitizer errors: ${findings.asanErrors.length}`);
console.log(`[${label}] UBSan runtime errors: ${findings.ubsanErrors.length}`);
console.log(`[${label}] leaks in the addon/libcurl: ${findings.ourLeaks.length} (${findings.ourLeakBytes} bytes)`);
console.log(`[${label}] leaks in Node/V8 itself (not suppressed, ignored): ${findings.otherLeaks} (${findings.otherLeakBytes} bytes)`);
for (const e of [...findings.asanErrors, ...findings.ubsanErrors, ...findings.ourLeaks].slice(0, 10)) console.log(`\n${e}`);
process.exit(findings.asanErrors.length || findings.ubsanErrors.length || findings.ourLeaks.length ? 1 : 0);
