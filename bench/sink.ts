// Webhook receivers for the delivery benchmarks, in a child process of their own: the relay (or the
// raw baseline) never shares a process, a heap or a GC with them, as with subscribers on other
// machines. A minimal HTTP/1.1 server on node:net: it finds the end of the headers, skips
// Content-Length bytes of body and answers 204 (or, for a "hang" sink, nothing), so on a 2-core
// machine it stays far from being the bottleneck of either side. Measured: ~16-20 µs of CPU per
// request, against ~25-31 µs for a node:http receiver in its own process. It verifies the Standard Webhooks signature of a sample of requests
// (1 in SAMPLE_EVERY), off the hot path, so a benchmark also shows that what arrived was signed right.
import { spawn, type ChildProcess } from 'node:child_process';

export type SinkKind = 'ok' | 'hang';

export interface SinkStats {
  /** Complete requests each sink has received. */
  counts: number[];
  /** Epoch ms (sub-ms precision) of the first and the latest complete request since the last reset. */
  first: number | null;
  last: number | null;
  /** Sampled requests whose signature was checked, and those that failed the check. */
  verified: number;
  badSignatures: number;
}

export interface Sinks {
  urls: string[];
  pid: number;
  stats(): Promise<SinkStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** One request in this many has its signature checked (when the sink knows the secret). */
export const SAMPLE_EVERY = 64;

// Plain JavaScript run by `node -e`: no TypeScript loader in the receiver's process.
const SOURCE = String.raw`
const net = require('node:net');
const { createHmac, timingSafeEqual } = require('node:crypto');
const cfg = JSON.parse(process.env.LEADRELAY_SINK_CONFIG);
const counts = cfg.kinds.map(() => 0);
let first = null, last = null, verified = 0, bad = 0;
const now = () => performance.timeOrigin + performance.now();
const OK = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n', 'latin1');
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
const keys = (cfg.secrets || []).map((s) => (s ? Buffer.from(s.replace(/^whsec_/, ''), 'base64') : null));

const patterns = new Map();
function header(head, name) {
  let re = patterns.get(name);
  if (!re) patterns.set(name, (re = new RegExp('\r\n' + name + ':[ \t]*([^\r]*)', 'i')));
  const m = re.exec(head);
  return m ? m[1].trim() : null;
}

function verify(i, head, body) {
  const key = keys[i];
  if (!key) return;
  verified++;
  const id = header(head, 'webhook-id');
  const ts = header(head, 'webhook-timestamp');
  const sigs = (header(head, 'webhook-signature') || '').split(' ');
  const want = Buffer.from('v1,' + createHmac('sha256', key).update(id + '.' + ts + '.').update(body).digest('base64'));
  if (!sigs.some((s) => s.length === want.length && timingSafeEqual(Buffer.from(s), want))) bad++;
}

function serve(i, kind) {
  return net.createServer({ noDelay: true }, (sock) => {
    let pending = null;   // bytes of an incomplete header block
    let remaining = -1;   // body bytes still to skip; -1 while reading headers
    let head = '';
    let sampled = null;   // body chunks of a sampled request
    sock.on('error', () => {});
    sock.on('data', (chunk) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let at = 0;
      while (at < buf.length) {
        if (remaining < 0) {
          const end = buf.indexOf(CRLF2, at);
          if (end < 0) { pending = buf.subarray(at); return; }
          head = buf.latin1Slice(at, end);
          const len = header(head, 'content-length');
          remaining = len === null ? 0 : Number(len);
          at = end + 4;
          sampled = keys[i] && (counts[i] % ${SAMPLE_EVERY}) === 0 ? [] : null;
        }
        const take = Math.min(remaining, buf.length - at);
        if (sampled && take > 0) sampled.push(buf.subarray(at, at + take));
        at += take;
        remaining -= take;
        if (remaining > 0) return;
        remaining = -1;
        const t = now();
        if (first === null) first = t;
        last = t;
        counts[i]++;
        if (sampled) { verify(i, head, Buffer.concat(sampled)); sampled = null; }
        if (kind === 'ok') sock.write(OK);
      }
    });
  });
}

const servers = cfg.kinds.map((kind, i) => serve(i, kind));
let ready = 0;
for (const s of servers) {
  s.listen(0, '127.0.0.1', () => {
    if (++ready === servers.length) process.send({ ports: servers.map((x) => x.address().port) });
  });
}
process.on('message', (m) => {
  if (m.op === 'stats') process.send({ id: m.id, counts, first, last, verified, badSignatures: bad });
  else if (m.op === 'reset') {
    counts.fill(0); first = null; last = null; verified = 0; bad = 0;
    process.send({ id: m.id });
  }
});
process.on('disconnect', () => process.exit(0));
`;

/**
 * Starts the receivers, one port per kind. `secrets[i]`: the whsec_ secret sink i checks sampled
 * signatures with (none: not checked).
 */
export async function startSinks(kinds: readonly SinkKind[], secrets: ReadonlyArray<string | null> = []): Promise<Sinks> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LEADRELAY_SINK_CONFIG: JSON.stringify({ kinds, secrets }) },
  });
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('message', (m: { ports: number[] }) => resolve(m.ports));
    child.once('exit', (code) => reject(new Error(`sink process exited (${code}) before listening`)));
  });
  let next = 0;
  const waiting = new Map<number, (m: unknown) => void>();
  child.on('message', (m: { id?: number }) => {
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const call = <T>(op: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error('sink process is gone'));
      const id = next++;
      waiting.set(id, resolve as (m: unknown) => void);
      child.send({ op, id });
    });
  return {
    urls: ports.map((p) => `http://127.0.0.1:${p}/hook`),
    pid: child.pid!,
    stats: async () => {
      const m = await call<SinkStats & { id: number }>('stats');
      return { counts: m.counts, first: m.first, last: m.last, verified: m.verified, badSignatures: m.badSignatures };
    },
    reset: () => call('reset'),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** Sum of the counts. */
export function total(s: SinkStats): number {
  return s.counts.reduce((a, b) => a + b, 0);
}
