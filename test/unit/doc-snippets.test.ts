/**
 * Every ```ts example in README.md and docs/*.md typechecks under `strict`, against the source
 * (`curlws`, `curlws/ws`, `curlws/curl` mapped to lib/), as a user's strict project would compile
 * it. Blocks fenced ```ts signature are API listings (declarations without bodies), not
 * programs, and are skipped. Names an example uses without defining (`url`, `pem`, `easy`, …)
 * are declared by the prelude below, with the type the surrounding text gives them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

/** What the examples take from their context. */
const PRELUDE = `
declare const url: string;
declare const pem: string;
declare const ca: string;
declare const easy: import('curlws/curl').Easy;
declare function handle(data: string | Buffer): void;
declare const tokens: { current(): Promise<string> };
declare const log: { warn(...args: unknown[]): void; error(...args: unknown[]): void };
declare const shutdown: AbortController;
`;

interface Snippet {
  file: string;
  line: number;
  code: string;
}

function snippets(): Snippet[] {
  const files = [
    'README.md',
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const out: Snippet[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() !== '```ts') continue; // ```ts signature and other languages: skipped
      const start = i + 1;
      let end = start;
      while (end < lines.length && !lines[end]!.startsWith('```')) end++;
      out.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return out;
}

describe('documentation examples', () => {
  it('every ```ts example typechecks under strict', () => {
    const found = snippets();
    // README (3), api.md, libcurl.md, reliability.md: a drop here means examples lost their fence
    expect(found.length).toBeGreaterThanOrEqual(8);
    const dir = path.join(root, '.snippets'); // virtual: never written
    const sources = new Map<string, string>();
    sources.set(path.join(dir, 'prelude.d.ts'), PRELUDE);
    for (const [i, s] of found.entries()) sources.set(path.join(dir, `snippet-${i}.ts`), `${s.code}\nexport {};\n`);
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      esModuleInterop: true,
      skipLibCheck: true,
      baseUrl: root,
      paths: { curlws: ['lib/index.ts'], 'curlws/ws': ['lib/ws.ts'], 'curlws/curl': ['lib/curl.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => sources.get(f) ?? readFile(f);
    host.fileExists = (f) => sources.has(f) || fileExists(f);
    host.getSourceFile = (f, lang, ...rest) =>
      sources.has(f) ? ts.createSourceFile(f, sources.get(f)!, lang) : getSourceFile(f, lang, ...rest);
    const program = ts.createProgram([...sources.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && sources.has(d.file.fileName))
      .map((d) => {
        const index = Number(/snippet-(\d+)\.ts$/.exec(d.file!.fileName)?.[1]);
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const at = Number.isNaN(index) ? 'prelude' : `${found[index]!.file}:${found[index]!.line + line}`;
        return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  });
});
