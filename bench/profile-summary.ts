// `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]`: self time of a
// `node --cpu-prof` profile by category (SQLite, HTTP, JSON, GC, ...) and by function, so a profile
// can be read (and quoted in BENCHMARKS.md) without opening DevTools.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// First match wins: the frame's own function and file decide where its self time goes.
const CATEGORIES: Array<[string, (fn: string, url: string) => boolean]> = [
  ['idle', (fn) => fn === '(idle)'],
  ['GC', (fn) => fn === '(garbage collector)'],
  ['SQLite (better-sqlite3)', (fn, url) => url.includes('better-sqlite3') || /^(run|all|get|iterate|exec|transaction|prepare)$/.test(fn) && url === ''],
  ['JSON', (fn) => fn === 'parse' || fn === 'stringify'],
  ['hashing / crypto', (fn, url) => url.includes('node:crypto') || url.includes('internal/crypto') || /^(digest|update|createHash|createHmac)$/.test(fn)],
  ['HTTP (undici, sockets)', (fn, url) => url.includes('undici') || url.includes('node:net') || url.includes('internal/stream') || /^(writev|writeBuffer|onStreamRead)$/.test(fn)],
  // src/ under tsx, dist/ in a relay process started from the build.
  ['relay: sync', (_fn, url) => /\/(src|dist)\/(sync|vendors)\//.test(url)],
  ['relay: store', (_fn, url) => /\/(src|dist)\/store\//.test(url)],
  ['relay: delivery', (_fn, url) => /\/(src|dist)\/delivery\//.test(url)],
  ['relay: other', (_fn, url) => /\/(src|dist)\//.test(url)],
  ['program (native, not attributed)', (fn) => fn === '(program)'],
];

function main() {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/profile-summary.ts <file.cpuprofile> [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = functionName || '(anonymous)';
    const category = CATEGORIES.find(([, match]) => match(fn, url))?.[0] ?? 'other JS (node, libraries)';
    categories.set(category, (categories.get(category) ?? 0) + us);
    const where = url ? `${url.replace(/^.*\/(node_modules|src|dist|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${fn} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`total ${(total / 1e6).toFixed(2)} s sampled\n\nby category:`);
  for (const [name, us] of [...categories].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${name}`);
  console.log(`\ntop functions (self time):`);
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) console.log(`  ${pct(us)}  ${name}`);
}

main();
