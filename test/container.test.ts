// The container files, checked without a Docker engine (none runs here): the Dockerfile keeps the
// promises of issue #6 (multi-stage, non-root, /data volume, health check, clean SIGTERM) and
// docker-compose.yml fits it. scripts/check-container.sh replays the build steps themselves.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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
