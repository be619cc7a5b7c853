// deploy/haproxy.cfg for real (when HAProxy is installed): the compose file's proxy in front of three
// replicas on one PostgreSQL database, its servers pointed at them on 127.0.0.1. One port answers
// from every replica, any replica serves what another wrote, and a replica that stops is passed
// over at once, before the health check has noticed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.js';
import { generateSecret } from '../../src/delivery/sign.js';
import { createLogger } from '../../src/log.js';
import { startRelay, type RunningRelay } from '../../src/relay.js';
import { AptenSimulator, AptenVendorSim } from '../../src/vendors/apten/sim/index.js';
import type { SimServerHandle } from '../../src/vendors/sim-common/types.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'proxy-test-admin-token-4c1d9e';
// .ci/run installs Debian's haproxy: in CI a missing one fails the test instead of skipping it.
const haproxyInstalled = spawnSync('haproxy', ['-v']).status === 0 || process.env.CI === 'true';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** deploy/haproxy.cfg with its port and its servers moved to this machine; nothing else changed. */
function localHaproxyCfg(port: number, relays: Array<{ name: string; url: string }>): string {
  const cfg = readFileSync(new URL('../../deploy/haproxy.cfg', import.meta.url), 'utf8');
  const servers = [...cfg.matchAll(/^(\s*)server\s+(\S+)\s+\S+$/gm)];
  expect(servers.map((m) => m[2])).toEqual(relays.map((r) => r.name));
  let out = cfg.replace(/^(\s*)bind :8080$/m, `$1bind 127.0.0.1:${port}`);
  for (const r of relays) out = out.replace(new RegExp(`^(\\s*)server ${r.name} \\S+$`, 'm'), `$1server ${r.name} ${new URL(r.url).host}`);
  return out;
}

async function get(url: string, path: string): Promise<{ status: number; body: any }> {
  const res = await request(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : null };
}

describe.skipIf(!haproxyInstalled)('deploy/haproxy.cfg in front of three replicas', () => {
  it('spreads requests over the replicas, serves from any what another wrote, and passes over a stopped one at once', async () => {
    const apten = new AptenSimulator({ apiKey: 'proxy-test-apten-key' });
    const sim: SimServerHandle = await new AptenVendorSim(apten).listen();
    cleanups.push(() => sim.close());
    const parsed = validateConfig({
      server: { host: '127.0.0.1', port: 0, adminToken: TOKEN },
      storage: { url: await freshPgDatabase(), poolSize: 3 },
      sources: [{ id: 'apten', ...new AptenVendorSim(apten).sourceConfig(sim.url), pollInterval: '1h' }],
      delivery: { allowPrivateTargets: true },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const relays: Array<{ name: string; relay: RunningRelay; url: string }> = [];
    for (const name of ['leadrelay-1', 'leadrelay-2', 'leadrelay-3']) {
      const relay = await startRelay(parsed.config, { logger: createLogger({ level: 'silent' }), replicaId: name, shutdownGraceMs: 1000 });
      cleanups.push(() => relay.stop());
      relays.push({ name, relay, url: relay.url! });
    }

    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-haproxy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'haproxy.cfg'), localHaproxyCfg(port, relays));
    const haproxy: ChildProcess = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    haproxy.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    haproxy.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    cleanups.push(() => haproxy.kill('SIGKILL'));
    const proxy = `http://127.0.0.1:${port}`;

    // Every replica answers through the one port.
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const health = await get(proxy, '/healthz');
        if (health.status === 200) seen.add(health.body.replica);
        return seen.size === 3;
      },
      { what: `all three replicas behind the proxy (seen: ${[...seen].join(', ')}; haproxy: ${log})` },
    );

    // Written through one replica, read through whichever the proxy picks.
    const sub = await request(`${proxy}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }),
    });
    expect(sub.statusCode).toBe(201);
    const { id } = (await sub.body.json()) as { id: string };
    for (let i = 0; i < 6; i++) expect((await get(proxy, `/v1/subscriptions/${id}`)).status).toBe(200);
    expect((await get(proxy, '/v1/replicas')).body.data.map((r: { id: string }) => r.id).sort()).toEqual(relays.map((r) => r.name));

    // One replica stops (its port closes): every request still gets an answer, from the others, at once.
    await relays[0]!.relay.stop();
    const after: string[] = [];
    for (let i = 0; i < 12; i++) {
      const health = await get(proxy, '/healthz');
      expect(health.status).toBe(200);
      after.push(health.body.replica);
    }
    expect(after).not.toContain('leadrelay-1');
    expect(new Set(after)).toEqual(new Set(['leadrelay-2', 'leadrelay-3']));
  });
});
