// The docs stay honest after files move: every relative link (and its #anchor) in the README and the
// docs pages leads somewhere, every repository path they cite exists, the README links every page of
// docs/, and the README stays what a newcomer reads first (the two commands on top, under ~200 lines).
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VENDORS } from '../src/vendors/registry.js';
import { withVendorIndex } from '../src/vendors/docs-index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Markdown files under `dir` (recursive), leaving out installed packages. */
function markdownUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownUnder(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** The pages a reader reaches from the README: itself, docs/, the root documents, and the README.md of any folder in src/ or examples/. */
const PAGES = [
  join(ROOT, 'README.md'),
  join(ROOT, 'RELIABILITY.md'),
  join(ROOT, 'BENCHMARKS.md'),
  ...markdownUnder(join(ROOT, 'docs')),
  ...markdownUnder(join(ROOT, 'src')).filter((p) => p.endsWith('README.md')),
  ...markdownUnder(join(ROOT, 'examples')).filter((p) => p.endsWith('README.md')),
].filter((p) => existsSync(p));

const rel = (p: string) => relative(ROOT, p);

interface Parsed {
  /** Text outside fenced code blocks (inline code kept). */
  prose: string;
  /** The whole text, code blocks included. */
  all: string;
  /** GitHub's heading anchors. */
  anchors: Set<string>;
}

const parsedCache = new Map<string, Parsed>();

function parse(file: string): Parsed {
  const cached = parsedCache.get(file);
  if (cached) return cached;
  const all = readFileSync(file, 'utf8');
  const prose: string[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of all.split('\n')) {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line);
    if (opener) {
      if (fence === null) fence = opener[1]![0]!;
      else if (opener[1]![0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    prose.push(line);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  const parsed = { prose: prose.join('\n'), all, anchors };
  parsedCache.set(file, parsed);
  return parsed;
}

/** GitHub's heading anchor: the rendered text, lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/`([^`]*)`/g, '$1') // inline code: its content
    .replace(/(\*\*|__|\*)(.+?)\1/g, '$2'); // emphasis
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Inline links and images, [text](target) and ![alt](target), outside code blocks and inline code. */
function links(file: string): Array<{ target: string; line: string }> {
  const out: Array<{ target: string; line: string }> = [];
  for (const line of parse(file).prose.split('\n')) {
    const withoutCode = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    // The link text may itself hold inline code, so it is matched on the line with code blanked.
    for (const m of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, line: line.trim() });
  }
  return out;
}

/**
 * Repository paths the prose cites (`src/sync/engine.ts`, test/crash.test.ts, docs/zapier/). Code
 * blocks are left out: they may sketch files that do not exist (the folder tree of a vendor being
 * added). So is a path with a placeholder or a glob (`src/vendors/<id>/`, `test/**`): a pattern,
 * not a file; and so are URL paths (`/docs/init.js`, `https://…/src/…`).
 */
function citedPaths(file: string): string[] {
  const out = new Set<string>();
  const re = /(?<![\w/.:@$~-])((?:src|test|docs|examples|bench|scripts|deploy)\/[\w./-]*)(.?)/g;
  for (const m of parse(file).prose.matchAll(re)) {
    const next = m[2] ?? '';
    if (next === '<' || next === '*' || next === '{' || next === '$') continue;
    const path = m[1]!.replace(/[.]+$/, '');
    if (path.includes('…') || path.includes('...')) continue;
    out.add(path);
  }
  return [...out];
}

/** Relative links of `file` that lead nowhere: no such file, outside `root`, or no such heading. */
function brokenLinks(file: string, root: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of links(file)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const hash = target.indexOf('#');
    const pathPart = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const dest = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    if (!dest.startsWith(root)) broken.push(`${target}: outside the repository (${line})`);
    else if (!existsSync(dest)) broken.push(`${target}: no such file (${line})`);
    else if (anchor !== null && anchor !== '' && dest.endsWith('.md') && !parse(dest).anchors.has(anchor)) {
      broken.push(`${target}: no heading "#${anchor}" in ${relative(root, dest)} (${line})`);
    }
  }
  return broken;
}

/** Repository paths `file` cites that do not exist under `root` (a test named without its extension counts). */
function missingPaths(file: string, root: string): string[] {
  return citedPaths(file).filter((p) => !['', '.ts', '.test.ts'].some((ext) => existsSync(join(root, p + ext))));
}

/**
 * BENCHMARKS.md records measurements with the files as they were when measured (a later split of a
 * file does not make the record wrong), so only its links are checked, not the paths it cites.
 */
const HISTORICAL = new Set([join(ROOT, 'BENCHMARKS.md')]);

describe('docs: every relative link leads somewhere', () => {
  it('finds the pages to check', () => {
    const names = PAGES.map(rel);
    expect(names).toContain('README.md');
    expect(names).toContain('docs/architecture.md');
    expect(names.length).toBeGreaterThan(10);
  });

  for (const file of PAGES) {
    it(`${rel(file)}: links and anchors`, () => {
      expect(brokenLinks(file, ROOT)).toEqual([]);
    });

    if (!HISTORICAL.has(file)) {
      it(`${rel(file)}: every cited repository path exists`, () => {
        expect(missingPaths(file, ROOT)).toEqual([]);
      });
    }
  }
});

describe('docs: the README is what a newcomer reads first', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('starts with the two commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme);
    expect(readme.indexOf('```')).toBeLessThan(readme.indexOf('\n## '));
    expect(firstBlock?.[1]?.trim().split('\n')).toEqual(['npm install && npm run demo', 'npm install && npm test']);
  });

  it('is under ~200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });

  it('links every page of docs/', () => {
    const linked = new Set(
      links(join(ROOT, 'README.md'))
        .map((l) => l.target.split('#')[0]!)
        .filter((t) => t !== '')
        .map((t) => resolve(ROOT, t)),
    );
    const pages = readdirSync(join(ROOT, 'docs'))
      .filter((n) => n.endsWith('.md'))
      .map((n) => join(ROOT, 'docs', n));
    expect(pages.filter((p) => !linked.has(p)).map(rel)).toEqual([]);
  });

  it("lists the vendors of the registry, each linking its folder's README.md (npm run docs:vendors writes it)", () => {
    expect(withVendorIndex(readme, VENDORS, 'src/vendors') === readme, 'README.md: run npm run docs:vendors').toBe(true);
    for (const v of VENDORS) expect(readme).toContain(`](src/vendors/${v.id}/README.md)`);
  });

  it('links the root documents (reliability, benchmarks)', () => {
    const targets = links(join(ROOT, 'README.md')).map((l) => l.target);
    expect(targets).toContain('RELIABILITY.md');
    expect(targets).toContain('BENCHMARKS.md');
  });
});

describe('docs: the checker itself', () => {
  it("computes GitHub's anchors", () => {
    expect(slug('The event log: `GET /v1/events`')).toBe('the-event-log-get-v1events');
    expect(slug('Choosing `storage.leaseTtl`')).toBe('choosing-storageleasettl');
    expect(slug('Node.js (`npm install standardwebhooks`)')).toBe('nodejs-npm-install-standardwebhooks');
    expect(slug('`sources[]`: one entry per vendor account')).toBe('sources-one-entry-per-vendor-account');
    expect(slug('For developers: adding a page')).toBe('for-developers-adding-a-page');
  });

  it('reports a missing file, a missing heading and a missing cited path (so a pass means something)', () => {
    const root = mkdtempSync(join(tmpdir(), 'leadrelay-docs-'));
    try {
      mkdirSync(join(root, 'docs'));
      mkdirSync(join(root, 'src'));
      writeFileSync(join(root, 'src', 'here.ts'), '');
      writeFileSync(join(root, 'docs', 'b.md'), '# Title\n\n## The event log: `GET /v1/events`\n');
      writeFileSync(
        join(root, 'docs', 'a.md'),
        [
          '# A',
          '[ok](b.md#the-event-log-get-v1events) [self](#a) [gone](c.md) [no heading](b.md#nope) [up](../../x.md)',
          'See `src/here.ts`, `src/here` (no extension), src/gone.ts and `src/vendors/<id>/README.md` (a pattern).',
          '```sh',
          'npx vitest run test/missing.test.ts',
          '[not a link](inside-code.md)',
          '```',
        ].join('\n'),
      );
      const a = join(root, 'docs', 'a.md');
      expect(brokenLinks(a, root).map((b) => b.split(':')[0])).toEqual(['c.md', 'b.md#nope', '../../x.md']);
      expect(missingPaths(a, root)).toEqual(['src/gone.ts']); // test/missing.test.ts is in a code block
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
