// The layering rules of docs/architecture.md, checked on the source itself: data flows one way
// (config → vendors → sync → store → delivery, with api, dashboard and cli on top); sync and delivery
// never name a vendor; only src/store speaks SQL; delivery never reaches vendors.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VENDOR_IDS } from '../src/vendors/registry.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The code without its comments (a comment may well mention a vendor or a table). */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** What a file imports: repository paths (src/…, extension dropped) for relative imports, package names otherwise. */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const m of code(file).matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1]!;
    out.push(spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)).replace(/\.(js|ts|tsx)$/, '') : spec);
  }
  return out;
}

/** A file's layer: its folder under src/ (src/sync/engine.ts → sync), or its name for files at src/'s root. */
function layerOf(path: string): string {
  const parts = relative('src', path).split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.tsx?$/, '') : parts[0]!;
}

const FILES = sourceFiles(SRC).map((f) => ({ abs: f, path: relative(ROOT, f) }));

/**
 * What each lower layer may import besides itself. Layers not listed (api, dashboard, cli, demo,
 * relay, metrics, log, replica) sit on top and may import anything.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  util: ['model'],
  // Shared shapes; a compact payload's type is its schema's output (src/filters/schema.ts).
  model: ['filters'],
  version: [],
  filters: ['model', 'util'],
  config: ['filters', 'model', 'util', 'version'],
  vendors: ['config', 'model', 'util'],
  sync: ['vendors', 'store', 'config', 'model', 'util'],
  store: ['config', 'model', 'util'],
  delivery: ['store', 'filters', 'config', 'model', 'util'],
};

/**
 * Exceptions that docs/architecture.md names: an import a rule would refuse, and why it stands for now.
 * `from` and `to` are repository paths without extension.
 */
const EXCEPTIONS: ReadonlyArray<{ from: string; to: string; why: string }> = [];
const excepted = (from: string, to: string) => EXCEPTIONS.some((e) => e.from === from && e.to === to);

/**
 * The vendor registry is the one list of vendors (src/vendors/registry.ts): the shared shapes and the
 * config's vendor enum and vendor-only settings are derived from it, so those two may read it.
 */
const REGISTRY = 'src/vendors/registry';
const MAY_READ_REGISTRY = new Set(['model', 'config']);

/** The only files besides src/store/ that may load a database driver: check-config --connect reads the server's versions. */
const SQL_OUTSIDE_STORE = new Set(['src/cli/check-connection.ts']);
const DRIVERS = new Set(['better-sqlite3', 'pg', 'pg-native', 'postgres']);

describe('layering: data flows one way', () => {
  it('finds the source', () => {
    expect(FILES.some((f) => f.path === 'src/sync/engine.ts')).toBe(true);
    expect(importsOf(join(SRC, 'relay.ts'))).toContain('src/sync/engine');
  });

  it('each lower layer imports only the layers below it', () => {
    const wrong: string[] = [];
    for (const f of FILES) {
      const from = layerOf(f.path);
      const allowed = MAY_IMPORT[from];
      if (!allowed) continue;
      for (const target of importsOf(f.abs)) {
        if (!target.startsWith('src/')) continue;
        const to = layerOf(target);
        if (to === from || allowed.includes(to) || excepted(f.path.replace(/\.tsx?$/, ''), target)) continue;
        if (target === REGISTRY && MAY_READ_REGISTRY.has(from)) continue;
        wrong.push(`${f.path} imports ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('layering: only src/store speaks SQL', () => {
  it('no file outside src/store/ loads a database driver', () => {
    const wrong = FILES.filter((f) => !f.path.startsWith('src/store/') && !SQL_OUTSIDE_STORE.has(f.path))
      .filter((f) => importsOf(f.abs).some((i) => DRIVERS.has(i)))
      .map((f) => f.path);
    expect(wrong).toEqual([]);
  });

  it('the one exception still needs to be one (else drop it here and in docs/architecture.md)', () => {
    for (const path of SQL_OUTSIDE_STORE) expect(importsOf(join(ROOT, path)).some((i) => DRIVERS.has(i)), path).toBe(true);
  });
});

/**
 * Where code names a vendor: a string that is a vendor id (`vendor === 'apten'`), or an identifier
 * built on one (`AptenAdapter`, `megaHeaders`, `PenguinMailsAdapter`, `nexusErp`). A vendor id that
 * is also a word (`rest`) is not flagged as a word: `...rest`, `restore`, "REST hook" are not vendors.
 */
function vendorMentions(text: string, ids: readonly string[]): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(['"`])([a-z0-9-]+)\1/g)) if (ids.includes(m[2]!)) found.push(m[0]);
  const stems = [...new Set(ids.flatMap((id) => [id.replace(/-/g, ''), id.split('-')[0]!]))];
  for (const m of text.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const token = m[0];
    const lower = token.toLowerCase();
    for (const stem of stems) {
      if (!lower.startsWith(stem) || token.length === stem.length) continue;
      // A vendor's name, then a new word (camel case): AptenAdapter, megaHeaders, PenguinMailsAdapter.
      if (/[A-Z_0-9]/.test(token[stem.length]!)) found.push(token);
    }
  }
  return found;
}

describe('layering: sync and delivery never name a vendor', () => {
  const ids = [...VENDOR_IDS];

  it('knows the vendors, and what naming one looks like', () => {
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(vendorMentions(`if (s.vendor === 'mega') new AptenAdapter(o); nexusErp; PenguinMailsAdapter`, ['apten', 'nexus-erp', 'penguinmails', 'mega'])).toEqual([
      "'mega'",
      'AptenAdapter',
      'nexusErp',
      'PenguinMailsAdapter',
    ]);
    expect(vendorMentions("const { raw, ...rest } = lead; restore(); log('REST hook removed'); megabytes", ['rest', 'mega'])).toEqual([]);
  });

  for (const layer of ['sync', 'delivery']) {
    it(`src/${layer}/ holds no vendor's name outside comments`, () => {
      const wrong = FILES.filter((f) => layerOf(f.path) === layer).flatMap((f) => vendorMentions(code(f.abs), ids).map((m) => `${f.path}: ${m}`));
      expect(wrong).toEqual([]);
    });
  }
});

describe('layering: delivery never reaches vendors', () => {
  it('src/delivery/ imports nothing from src/vendors/ (exceptions named above)', () => {
    const wrong = FILES.filter((f) => layerOf(f.path) === 'delivery').flatMap((f) =>
      importsOf(f.abs)
        .filter((i) => i.startsWith('src/vendors/') && !excepted(f.path.replace(/\.tsx?$/, ''), i))
        .map((i) => `${f.path} imports ${i}`),
    );
    expect(wrong).toEqual([]);
  });
});
