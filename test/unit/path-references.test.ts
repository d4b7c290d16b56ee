// Every path a comment, doc or script names must exist in this repository: a file that moves or
// goes takes its mentions with it, and nothing points at a developer's machine or at material
// outside the repository. Paths are read as the repository's own when they start with one of its
// top-level folders; the few that name other projects' files (libcurl's, ws's) are listed below
// with their owner, and generated or ignored locations count as existing when git ignores them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** Paths that name another project's files, by the project that owns them. */
const OTHER_PROJECTS: Record<string, string> = {
  'lib/ws.c': "libcurl's WebSocket implementation",
  'lib/bufq.c': "libcurl's buffer queue",
  'docs/examples/websocket.c': "libcurl's example",
  'docs/examples/websocket-cb.c': "libcurl's example",
  'docs/examples/websocket-updown.c': "libcurl's example",
  'lib/sender.js': "ws's sender",
  'lib/permessage-deflate.js': "ws's permessage-deflate",
  'test/autobahn.js': "ws's Autobahn client",
  'lib/libcurl.a': "libcurl's build tree",
};

const TOP_LEVEL = ['lib', 'native', 'scripts', 'test', 'docs', 'examples', 'bin'];
// a repository path starts a word (after a space, quote, bracket, colon or comma), not inside a URL
const REPO_PATH = new RegExp(`(?<=^|[\\s\`'"(\\[<:,])((?:${TOP_LEVEL.join('|')})/[\\w./*-]*[\\w*])`, 'gm');
const OUTSIDE = /(?:\.\.\/shared\/|shared\/notes|\/work\/|\/home\/[a-z]|\/Users\/)/;
const SOURCE_EXTENSIONS = ['', '.ts', '.mjs', '.js', '.h', '.cc', '.md'];

const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  // this file is left out: it names the paths and patterns it refuses
  .filter((f) => f && f !== 'test/unit/path-references.test.ts' && !/(^|\/)package-lock\.json$|\.(svg|json|pin)$/.test(f));

/** Generated locations (test/.tmp/, reports/): git ignores them as a file or as a folder. */
function ignoredByGit(rel: string): boolean {
  return [rel, `${rel}/`].some((p) => spawnSync('git', ['check-ignore', '-q', '--no-index', p], { cwd: ROOT }).status === 0);
}

/** A named path resolves from the root, or from the naming file's folder (a README's neighbours); a
 * glob (`examples/curl-*.mjs`) resolves when a tracked file matches it. */
function resolves(file: string, named: string): boolean {
  if (named.includes('*')) {
    const pattern = named
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\0')
      .replace(/\*/g, '[^/]*')
      .replace(/\0/g, '(?:.*/)?');
    const glob = new RegExp(`^${pattern}$`);
    return tracked.some((f) => glob.test(f));
  }
  const bases = [ROOT, path.join(ROOT, path.dirname(file))];
  return bases.some((base) => SOURCE_EXTENSIONS.some((ext) => existsSync(path.join(base, named + ext))));
}

describe('paths named in the repository', () => {
  it('every repository path a file names exists (or is generated and ignored by git)', () => {
    const missing: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(REPO_PATH)) {
        const named = m[1];
        if (named in OTHER_PROJECTS || resolves(file, named) || ignoredByGit(named)) continue;
        missing.push(`${file}: ${named}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('nothing points outside the repository (a developer machine, notes beside the checkout)', () => {
    const outside = tracked.flatMap((file) =>
      readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (OUTSIDE.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(outside).toEqual([]);
  });

  it('the checker itself sees a path that does not exist and one in a URL as different', () => {
    const found = [...'see lib/no-such-file.ts and https://x.test/lib/ws.c'.matchAll(REPO_PATH)].map((m) => m[1]);
    expect(found).toEqual(['lib/no-such-file.ts']);
    expect(resolves('README.md', 'lib/no-such-file.ts')).toBe(false);
  });
});
