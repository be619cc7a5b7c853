// The container files, checked without a Docker engine (none runs here): the Dockerfile keeps the
// promises of issue #6 (multi-stage, non-root, /data volume, health check, clean SIGTERM),
// docker-compose.yml fits it, and docker-compose.replicas.yml runs replicas on PostgreSQL behind one
// port (issue #13). scripts/check-container.sh replays the build steps themselves.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/index.js';

const root = new URL('../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Array<{ op: string; args: string }> {
  const out: Array<{ op: string; args: string }> = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !current)) continue;
    current += (current ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    if (current) {
      const [op, ...rest] = current.split(/\s+/);
      out.push({ op: op!.toUpperCase(), args: rest.join(' ') });
    }
    current = '';
  }
  return out;
}

describe('Dockerfile', () => {
  const ins = instructions(dockerfile);
  const stages = ins.filter((i) => i.op === 'FROM');
  const runtime = ins.slice(ins.lastIndexOf(stages.at(-1)!));

  it('is multi-stage, on the Node version package.json requires', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.args).toMatch(/^node:20[-.]/);
    const engines = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).engines.node as string;
    expect(engines).toMatch(/>=\s*20/);
  });

  it('runs as a non-root user, with the data on a /data volume', () => {
    const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime.some((i) => i.op === 'VOLUME' && i.args.includes('/data'))).toBe(true);
    expect(runtime.some((i) => i.op === 'RUN' && /chown\s+node:node\s+\/data/.test(i.args))).toBe(true);
  });

  it('checks /healthz, stops on SIGTERM, starts the built CLI', () => {
    const health = runtime.find((i) => i.op === 'HEALTHCHECK');
    expect(health?.args).toContain('/healthz');
    expect(runtime.find((i) => i.op === 'STOPSIGNAL')?.args).toBe('SIGTERM');
    const cmd = runtime.find((i) => i.op === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', 'dist/cli/main.js', 'start']);
    expect(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).bin.leadrelay).toBe('dist/cli/main.js');
  });

  it('copies only files that exist, and builds with npm ci from the lock file', () => {
    for (const copy of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const s of sources) expect(existsSync(new URL(s, root)), s).toBe(true);
    }
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('npm ci') && i.args.includes('npm prune --omit=dev'))).toBe(true);
  });

  it('keeps node_modules, data and git out of the build context', () => {
    const ignore = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', 'data', '.git']) expect(ignore.some((l) => l.replace(/\/$/, '') === entry), entry).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  it('runs the image with the config mounted, a data volume and the admin token from the environment', () => {
    const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'));
    const svc = compose.services.leadrelay;
    expect(svc.build).toBe('.');
    expect(svc.volumes).toEqual(expect.arrayContaining(['./leadrelay.yaml:/config/leadrelay.yaml:ro', 'leadrelay-data:/data']));
    expect(Object.keys(compose.volumes)).toContain('leadrelay-data');
    expect(svc.environment.LEADRELAY_ADMIN_TOKEN).toMatch(/\$\{LEADRELAY_ADMIN_TOKEN/);
    expect(dockerfile).toMatch(/LEADRELAY_CONFIG=\/config\/leadrelay\.yaml/);
  });

  it('publishes the admin port on 127.0.0.1 only, unless LEADRELAY_BIND says otherwise (issue #12)', () => {
    const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'));
    const ports: string[] = compose.services.leadrelay.ports;
    // As Compose reads it with nothing set in .env: ${NAME:-default} is the default.
    const withDefaults = (s: string) => s.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
    expect(ports.map(withDefaults)).toEqual(['127.0.0.1:8080:8080']);
    // Exposing it is a deliberate act: one variable, documented in the file.
    const exposed = (s: string) => s.replace(/\$\{LEADRELAY_BIND:-[^}]*\}/g, '0.0.0.0');
    expect(ports.map(exposed)).toEqual(['0.0.0.0:8080:8080']);
    expect(readFileSync(new URL('docker-compose.yml', root), 'utf8')).toMatch(/LEADRELAY_BIND=0\.0\.0\.0/);
  });
});

describe('docker-compose.replicas.yml: three replicas on PostgreSQL behind one port (issue #13)', () => {
  const text = readFileSync(new URL('docker-compose.replicas.yml', root), 'utf8');
  // Compose reads YAML merge keys (<<: *anchor); with nothing set in .env, ${NAME:-default} is the default.
  const compose = parse(text, { merge: true });
  const services = compose.services as Record<string, any>;
  const relays = Object.keys(services).filter((name) => services[name].image === 'leadrelay:latest');
  const withDefaults = (s: string) => s.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
  const haproxy = readFileSync(new URL('deploy/haproxy.cfg', root), 'utf8');

  it('runs PostgreSQL (official image, data on a volume), three leadrelay replicas and a proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['leadrelay-1', 'leadrelay-2', 'leadrelay-3', 'postgres', 'proxy']);
    expect(services.postgres.image).toMatch(/^postgres:\d+/);
    expect(services.postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain('postgres-data');
    expect(services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(relays).toHaveLength(3);
  });

  it('gives every replica the same config and database, its own LEADRELAY_REPLICA_ID, and starts it once PostgreSQL is healthy', () => {
    const ids = relays.map((name) => services[name].environment.LEADRELAY_REPLICA_ID);
    expect(new Set(ids).size).toBe(3);
    for (const name of relays) {
      const svc = services[name];
      expect(svc.build).toBe('.');
      expect(svc.volumes).toEqual(['./leadrelay.yaml:/config/leadrelay.yaml:ro']);
      expect(svc.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(svc.environment.DATABASE_URL).toBe(services[relays[0]!].environment.DATABASE_URL);
      expect(svc.environment.LEADRELAY_ADMIN_TOKEN).toMatch(/\$\{LEADRELAY_ADMIN_TOKEN/);
      expect(svc.ports).toBeUndefined();
      expect(svc.stop_grace_period).toBe('20s');
    }
    // The URL reaches the postgres service as its user and database, and a config reading it is valid.
    const url = services[relays[0]!].environment.DATABASE_URL.replace(/\$\{POSTGRES_PASSWORD:\?[^}]*\}/, 'a1b2c3');
    expect(url).toBe(`postgres://${services.postgres.environment.POSTGRES_USER}:a1b2c3@postgres:5432/${services.postgres.environment.POSTGRES_DB}`);
    const parsed = validateConfig({
      server: { adminToken: 'compose-check-token-0123456789' },
      storage: { url },
      sources: [{ id: 'apten', vendor: 'apten', baseUrl: 'https://api.attent.app/v1', apiKey: 'k' }],
    });
    expect(parsed.ok).toBe(true);
    expect(text).toMatch(/storage: \{ url: \$\{DATABASE_URL\} \}/); // what the header tells to put in leadrelay.yaml
  });

  it('has a health check on every service, the replicas on /healthz, PostgreSQL over TCP', () => {
    for (const [name, svc] of Object.entries(services)) expect(svc.healthcheck?.test, name).toBeDefined();
    expect(services.postgres.healthcheck.test.join(' ')).toMatch(/pg_isready -h 127\.0\.0\.1/);
    for (const name of [...relays, 'proxy']) expect(services[name].healthcheck.test.join(' '), name).toContain('/healthz');
    for (const [name, svc] of Object.entries(services)) expect(svc.restart, name).toBe('unless-stopped');
  });

  it('publishes one port, the proxy on 127.0.0.1 unless LEADRELAY_BIND says otherwise; PostgreSQL and the replicas stay unpublished', () => {
    const published = Object.entries(services).filter(([, svc]) => svc.ports);
    expect(published.map(([name]) => name)).toEqual(['proxy']);
    expect(services.proxy.ports.map(withDefaults)).toEqual(['127.0.0.1:8080:8080']);
    expect(services.proxy.ports.map((s: string) => s.replace(/\$\{LEADRELAY_BIND:-[^}]*\}/g, '0.0.0.0'))).toEqual(['0.0.0.0:8080:8080']);
    expect(text).toMatch(/LEADRELAY_BIND=0\.0\.0\.0/);
  });

  it('load-balances over exactly the replicas, checked on /healthz, with its config mounted from the repo', () => {
    const mount = services.proxy.volumes.find((v: string) => v.includes('haproxy.cfg')) as string;
    expect(existsSync(new URL(mount.split(':')[0]!, root))).toBe(true);
    expect(services.proxy.depends_on.sort()).toEqual([...relays].sort());
    const servers = [...haproxy.matchAll(/^\s*server\s+(\S+)\s+(\S+)/gm)].map((m) => [m[1], m[2]]);
    expect(servers).toEqual(relays.map((name) => [name, `${name}:8080`]));
    expect(haproxy).toMatch(/^\s*bind :8080$/m);
    expect(haproxy).toMatch(/^\s*option httpchk GET \/healthz$/m);
    expect(haproxy).toMatch(/^\s*option redispatch/m);
  });

  it.skipIf(!haproxyInstalled())('has a HAProxy config that HAProxy accepts (haproxy -c)', () => {
    const check = spawnSync('haproxy', ['-c', '-f', fileURLToPath(new URL('deploy/haproxy.cfg', root))], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('Configuration file is valid');
    expect(check.status).toBe(0);
  });
});

/** Skipped only outside CI: .ci/run installs Debian's haproxy, and there a missing one fails. */
function haproxyInstalled(): boolean {
  return spawnSync('haproxy', ['-v']).status === 0 || process.env.CI === 'true';
}
