// Reads, parses, interpolates and validates the config file; reports every problem at once.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { formatProblem, interpolate, type ConfigPath, type Env, type PathProblem } from './interpolate.js';
import { validateConfig, type Config } from './schema.js';

/** The config could not be used. `problems` lists each one as `path: message`. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly problems: string[];

  constructor(problems: string[], origin?: string) {
    const where = origin ? `config file ${origin}` : 'config';
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid ${where} (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** File to read; also used to label errors when `text` is given. */
  path?: string;
  /** YAML source; when given, no file is read. */
  text?: string;
  /** Environment for ${NAME} substitution; defaults to process.env. */
  env?: Env;
}

function readReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

// yaml messages are short descriptions, but a few end in ": <source excerpt>" (a bad escape, a
// block scalar header), which could be part of a secret; only the description before it is kept.
function yamlDescription(message: string): string {
  const cut = message.indexOf(': ');
  return cut === -1 ? message : message.slice(0, cut);
}

function parseYaml(text: string, origin: string | undefined): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  // Only the first syntax error is reported: the parser's later ones are nearly always knock-on
  // effects of it (one unquoted "{" yields a dozen "Unexpected token" errors).
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const description = first.code === 'BAD_DQ_ESCAPE' ? 'Invalid escape sequence' : yamlDescription(first.message);
    const lineText = text.split(/\r?\n/)[line - 1] ?? '';
    // `key: ${VAR}` is fine in block style, but inside [ ] or { } the braces are YAML syntax.
    const hint = /[[{].*\$\{/.test(lineText) ? ' (quote values containing ${...} inside [ ] or { })' : '';
    throw new ConfigError([`${origin ?? 'yaml'}: line ${line}, column ${col}: ${description}${hint}`], origin);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const message = err instanceof Error ? yamlDescription(err.message) : 'cannot be converted';
    throw new ConfigError([`${origin ?? 'yaml'}: ${message}`], origin);
  }
}

const SECTION_ORDER = ['server', 'storage', 'sources', 'subscriptions', 'delivery'];

// Groups problems by section and list entry (sources[0] before sources[1]) so they read in file
// order; within one entry the order found is kept (the sort is stable).
function comparePaths(a: ConfigPath, b: ConfigPath): number {
  const rank = (seg: string | number | undefined) => {
    const i = typeof seg === 'string' ? SECTION_ORDER.indexOf(seg) : -1;
    return i === -1 ? SECTION_ORDER.length : i;
  };
  const bySection = rank(a[0]) - rank(b[0]);
  if (bySection !== 0 || a[0] !== b[0]) return bySection;
  for (let i = 1; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y;
    } else if (x !== y) {
      return 0;
    }
  }
  return 0;
}

function isUnder(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

/**
 * Loads the config from `text` or the file at `path`. Throws ConfigError listing every problem
 * (unreadable file, YAML syntax with line and column, missing environment variables, schema
 * violations). Messages name paths and variables, never values.
 */
export function loadConfig(opts: LoadConfigOptions): Config {
  const { path, env = process.env } = opts;
  let text = opts.text;
  if (text === undefined) {
    if (path === undefined) throw new ConfigError(['no config given: pass a file path or the YAML text']);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read config file ${path}: ${readReason(err)}`], path);
    }
  }

  const raw = parseYaml(text, path);
  const interpolated = interpolate(raw, env);
  const result = validateConfig(interpolated.value);
  if (result.ok && interpolated.problems.length === 0) return result.config;

  // A value whose variable is missing would also fail validation ("must not be empty"); the
  // missing variable is the real cause, so that is the only problem reported at its path.
  const schemaProblems: PathProblem[] = result.ok
    ? []
    : result.problems.filter((p) => !interpolated.problems.some((ip) => isUnder(p.path, ip.path)));
  const lines = [...interpolated.problems, ...schemaProblems].sort((a, b) => comparePaths(a.path, b.path)).map(formatProblem);
  throw new ConfigError([...new Set(lines)], path);
}
