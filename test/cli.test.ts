// The built `leadrelay` command as a child process: "Running it" in interface.md.
// Needs dist/ (the pretest script runs `npm run build`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AptenSimulator, type AptenServerHandle } from '../src/vendors/apten/sim/index.js';
import { cliEnv, runCli } from './helpers/run-cli.js';
import { freshPgDatabase } from './helpers/pg-db.js';
import { openPgStore } from '../src/store/postgres/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const TOKEN = 'cli-test-admin-token-5f3a9c1e7b';
const APTEN_KEY = 'cli-test-apten-key-9d8e7f6a5b';
const OTHER_KEY = 'cli-test-nexus-key-1a2b3c4d5e';
const SECRET_ENV = { LR_TEST_TOKEN: TOKEN, LR_TEST_APTEN_KEY: APTEN_KEY, LR_TEST_OTHER_KEY: OTHER_KEY };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrelay-cli-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

/** A valid config: secrets only through ${ENV}. */
function goodConfig(opts: { baseUrl?: string; storagePath?: string } = {}): string {
  return `
server:
  host: 127.0.0.1
  port: 0
  adminToken: \${LR_TEST_TOKEN}
storage:
  path: ${opts.storagePath ?? join(dir, 'unused', 'relay.db')}
sources:
  - id: apten
    vendor: apten
    baseUrl: ${opts.baseUrl ?? 'http://127.0.0.1:9/v1'}
    apiKey: \${LR_TEST_APTEN_KEY}
    pollInterval: \${LR_TEST_POLL:-1h}
subscriptions:
  - id: hook
    url: https://example.com/hook
    events: [lead.created]
    sources: [apten]
delivery:
  timeout: 2s
  allowPrivateTargets: true
`;
}

const run = (args: string[], env: Record<string, string> = {}, timeoutMs = 20_000) => runCli(args, { cwd: dir, env, timeoutMs });

// Each spawn costs a Node start plus the CLI's imports, so independent runs go concurrently.
describe.concurrent('version and help', () => {
  it('version prints the package version', async () => {
    const r = await run(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`leadrelay ${VERSION}`);
  });

  it('help prints usage naming every command and --config', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: leadrelay/);
    for (const word of ['start', 'check-config', 'demo', 'version', '--config', 'LEADRELAY_CONFIG']) {
      expect(r.stdout).toContain(word);
    }
  });

  it('an unknown argument exits 2 naming it, with the usage', async () => {
    const r = await run(['strat', '--config', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"strat"');
    expect(r.stderr).toContain('Usage');
    expect(r.stdout).toBe('');
  });
});

describe.concurrent('check-config validates a config and exits 0, or prints every problem and exits 1', () => {
  it('a good config (with ${ENV} values) exits 0', async () => {
    const file = writeConfig('good.yaml', goodConfig());
    const r = await run(['check-config', '--config', file], SECRET_ENV);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
    expect(r.stdout).toContain('1 source');
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stdout).not.toContain(APTEN_KEY);
    // It only checks: nothing is started, no database is created.
    expect(existsSync(join(dir, 'unused'))).toBe(false);
  });

  it('accepts sources of every vendor, with their vendor-specific keys', async () => {
    const more = `  - id: nexus
    vendor: nexus-erp
    baseUrl: https://erp.example.com
    apiKey: \${LR_TEST_APTEN_KEY}
  - id: penguin
    vendor: penguinmails
    baseUrl: https://penguinmails.example.com
    apiKey: \${LR_TEST_APTEN_KEY}
    workspace: acme-corp
  - id: mega
    vendor: mega
    baseUrl: https://app.gomega.ai
    apiKey: \${LR_TEST_APTEN_KEY}
    customerId: 3f1c2a4e-8b7d-4c2e-9a1f-0e5d6c7b8a90
    fullScanEvery: 12
`;
    const ok = await run(['check-config', '--config', writeConfig('all-vendors.yaml', goodConfig().replace('subscriptions:', `${more}subscriptions:`))], SECRET_ENV);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('4 source(s)');
  });

  it('`npm start -- check-config` (start check-config) and --config=FILE work the same', async () => {
    const file = writeConfig('good2.yaml', goodConfig());
    const r = await run(['start', 'check-config', `--config=${file}`], SECRET_ENV);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
  });

  it('LEADRELAY_CONFIG=<file> works instead of --config', async () => {
    const file = writeConfig('via-env.yaml', goodConfig());
    const bad = writeConfig('via-env-bad.yaml', 'server:\n  adminToken: short\n');
    const [r, b] = await Promise.all([
      run(['check-config'], { ...SECRET_ENV, LEADRELAY_CONFIG: file }),
      // And a broken file through the variable is reported as broken.
      run(['check-config'], { LEADRELAY_CONFIG: bad }),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('server.adminToken');
  });

  it('a missing environment variable exits 1 naming the variable and the path', async () => {
    const file = writeConfig('missing-env.yaml', goodConfig());
    const r = await run(['check-config', '--config', file], { LR_TEST_TOKEN: TOKEN });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LR_TEST_APTEN_KEY');
    expect(r.stderr).toContain('sources[0].apiKey');
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('a broken config exits 1 and prints every problem with its path, never a secret value', async () => {
    const file = writeConfig(
      'broken.yaml',
      `
server:
  host: 127.0.0.1
  prot: 8080
  adminToken: \${LR_TEST_TOKEN}
sources:
  - id: apten
    vendor: apten
    baseUrl: http://127.0.0.1:9/v1
  - id: nexus
    vendor: nexus-erp
    baseUrl: not a url
    apiKey: \${LR_TEST_OTHER_KEY}
    pollInterval: 5 minutes
subscriptions:
  - id: hook
    url: https://example.com/hook
    sources: [apten, nope]
delivery:
  retrySchedule: [5s, soon]
`,
    );
    const r = await run(['check-config', '--config', file], SECRET_ENV);
    expect(r.code).toBe(1);
    const out = r.stderr;
    expect(out).toContain(file);
    for (const path of [
      'server: unknown key "prot"',
      'sources[0].apiKey: required',
      'sources[1].baseUrl',
      'sources[1].pollInterval',
      'subscriptions[0].sources[1]',
      'delivery.retrySchedule[1]',
    ]) {
      expect(out).toContain(path);
    }
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(OTHER_KEY);
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stdout).not.toContain(OTHER_KEY);
  });

  it('a missing file exits 1 naming the file', async () => {
    const file = join(dir, 'does-not-exist.yaml');
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/no such file/i);
  });

  it('no config at all exits 1 with a clear message', async () => {
    const r = await run([]); // start, the default command
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no config/i);
    expect(r.stderr).toContain('--config');
    expect(r.stderr).toContain('LEADRELAY_CONFIG');
  });
});

describe('start runs the daemon: JSON log lines, the admin API, clean exit 0 on SIGTERM/SIGINT', () => {
  const children = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
  });

  let apten: AptenSimulator;
  let aptenServer: AptenServerHandle;
  beforeAll(async () => {
    apten = new AptenSimulator({ apiKey: APTEN_KEY });
    apten.createLead();
    apten.createLead();
    aptenServer = await apten.listen();
  });
  afterAll(async () => {
    await aptenServer?.close();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('serves /healthz and stops on %s', async (signal) => {
    const storagePath = join(dir, `run-${signal}`, 'nested', 'relay.db');
    const file = writeConfig(`start-${signal}.yaml`, goodConfig({ baseUrl: aptenServer.url, storagePath }));
    const child = spawn(process.execPath, [MAIN, 'start', '--config', file], {
      cwd: dir,
      env: cliEnv(SECRET_ENV),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const lines: Array<Record<string, unknown>> = [];
    const listeners = new Set<() => void>();
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const parts = (partial + c.toString()).split('\n');
      partial = parts.pop()!;
      for (const line of parts.filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const l of listeners) l();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, sig) => resolve({ code, signal: sig })),
    );

    const waitForLine = (msg: string, timeoutMs = 15_000) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => l.msg === msg);
          if (line) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(line);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no "${msg}" log line within ${timeoutMs}ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });

    const listening = await waitForLine('leadrelay listening');
    const url = listening.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(url).port)).toBeGreaterThan(0);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', storage: 'sqlite' });

    // The admin API is up with the token from the environment, and the first sync ran against the vendor.
    expect((await fetch(`${url}/v1/sources`)).status).toBe(401);
    let sources: any;
    const deadline = Date.now() + 5000;
    do {
      const res = await fetch(`${url}/v1/sources`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      sources = await res.json();
      if (sources.data[0]?.lastSync.result === 'ok') break;
      await new Promise((r) => setTimeout(r, 25));
    } while (Date.now() < deadline);
    expect(sources.data).toHaveLength(1);
    expect(sources.data[0]).toMatchObject({ id: 'apten', vendor: 'apten', leadCount: 2, lastSync: { result: 'ok' } });
    expect(existsSync(storagePath)).toBe(true);

    child.kill(signal);
    const exit = await exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(lines.some((l) => l.msg === 'leadrelay stopped')).toBe(true);
    // Every stdout line is a JSON log line, and none of them carries a secret.
    expect(stdout.trim().split('\n').every((l) => l.startsWith('{'))).toBe(true);
    expect(stdout).not.toContain(TOKEN);
    expect(stdout).not.toContain(APTEN_KEY);
    expect(stderr).toBe('');
  });

  it('a config whose port is taken exits 1 with a fatal log line', async () => {
    const file = writeConfig(
      'taken.yaml',
      goodConfig({ baseUrl: aptenServer.url, storagePath: join(dir, 'taken', 'relay.db') }).replace(
        'port: 0',
        `port: ${new URL(aptenServer.url).port}`,
      ),
    );
    const r = await run(['start', '--config', file], SECRET_ENV);
    expect(r.code).toBe(1);
    const fatal = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'leadrelay failed to start');
    expect(fatal).toBeDefined();
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stdout).not.toContain(APTEN_KEY);
  });
});

describe('check-config --connect reaches the database and reports its versions', () => {
  const pgConfig = () => goodConfig().replace(/storage:\n  path: .*\n/, 'storage:\n  url: ${LR_TEST_DB_URL}\n');

  it('PostgreSQL: server version and schema version, before and after the relay migrated it', async () => {
    const url = (await freshPgDatabase()).replace('leadrelay@', 'leadrelay:db-pa55-9c1d@');
    const file = writeConfig('pg.yaml', pgConfig());
    const before = await run(['check-config', '--connect', '--config', file], { ...SECRET_ENV, LR_TEST_DB_URL: url });
    expect(before.stderr).toBe('');
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/storage: PostgreSQL \d+\.\d+.* at 127\.0\.0\.1:\d+\/lr_\w+, schema version 0 \(migrated to \d+ at start\)/);
    const store = await openPgStore({ url });
    await store.close();
    const after = await run(['check-config', '--connect', '--config', file], { ...SECRET_ENV, LR_TEST_DB_URL: url });
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/schema version \d+ \(up to date\)/);
    expect(before.stdout + after.stdout).not.toContain('db-pa55');
  });

  it('PostgreSQL unreachable: exit 1 with what failed and where, never the password', async () => {
    const file = writeConfig('pg-down.yaml', pgConfig());
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    const r = await run(['check-config', '--connect', '--config', file], { ...SECRET_ENV, LR_TEST_DB_URL: 'postgres://relay:db-pa55-9c1d@127.0.0.1:9/leadrelay' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot use PostgreSQL at 127\.0\.0\.1:9\/leadrelay: .*\(storage_unavailable\)/);
    expect(r.stdout + r.stderr).not.toContain('db-pa55');
  });

  it('SQLite: a database not created yet is fine; --connect is refused for other commands', async () => {
    const file = writeConfig('sqlite-connect.yaml', goodConfig({ storagePath: join(dir, 'not-yet', 'relay.db') }));
    const r = await run(['check-config', '--connect', '--config', file], SECRET_ENV);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('does not exist yet');
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
    const wrong = await run(['start', '--connect', '--config', file], SECRET_ENV);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--connect only applies to check-config');
  });
});
