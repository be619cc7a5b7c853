// The "Config file (YAML)" contract of interface.md: interpolation, durations, strictness, error paths.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EVENT_TYPES,
  eventTypeFilterSchema,
  formatDuration,
  interpolate,
  loadConfig,
  parseDuration,
  secretSchema,
  sourceIdSchema,
  webhookUrlSchema,
  type Config,
} from '../src/config/index.js';
import { VENDOR_IDS } from '../src/vendors/registry.js';

const ZAP_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const ENV = {
  LEADRELAY_ADMIN_TOKEN: 'admin-token-0123456789abcd',
  APTEN_API_KEY: 'apten-key-1',
  NEXUS_API_KEY: 'nexus-key-2',
  PENGUINMAILS_API_KEY: 'penguin-key-3',
  MEGA_API_KEY: 'mega_' + 'ab'.repeat(32),
  MEGA_CUSTOMER_ID: '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b',
  ZAP_SECRET,
};

// The example from interface.md, verbatim.
const INTERFACE_EXAMPLE = `
server:
  host: 0.0.0.0            # default 0.0.0.0
  port: 8080               # default 8080
  adminToken: \${LEADRELAY_ADMIN_TOKEN}   # required; Bearer token for /v1/*
storage:
  path: ./data/leadrelay.db              # default ./data/leadrelay.db, parent dir created
sources:                                  # one entry per vendor account
  - id: apten                             # unique, [a-z0-9-_], appears in every webhook
    vendor: apten                         # apten | nexus-erp | penguinmails | mega
    baseUrl: https://api.attent.app/v1
    apiKey: \${APTEN_API_KEY}
    pollInterval: 60s                     # default 60s
    initialSync: baseline                 # baseline (default): first sync records the snapshot
                                          # and emits nothing; emit: first sync emits lead.created
  - id: nexus
    vendor: nexus-erp
    baseUrl: https://erp.example.com      # self-hosted host; the relay appends /api/v1/leads
    apiKey: \${NEXUS_API_KEY}
    pollInterval: 5m
  - id: penguin
    vendor: penguinmails
    baseUrl: https://penguinmails.example.com   # the relay appends /api/v1/tenant/leads
    apiKey: \${PENGUINMAILS_API_KEY}
    workspace: acme-corp                  # required for penguinmails
  - id: mega
    vendor: mega
    baseUrl: https://app.gomega.ai        # the relay appends /api/agents/crm/leads
    apiKey: \${MEGA_API_KEY}               # mega_<64 hex>
    customerId: \${MEGA_CUSTOMER_ID}       # uuid, required for mega
subscriptions:                            # optional; subscriptions created by the API live in the database
  - id: zap-new-leads
    url: https://hooks.zapier.com/hooks/catch/123/abc/
    secret: \${ZAP_SECRET}                 # whsec_<base64>; generated when absent
    events: [lead.created]                # default: all types; "lead.*" matches all lead types
    sources: [apten, mega]                # default: all sources
    filter: {"data.lead.status": {"$to": "QUALIFIED"}}   # optional content filter, below
delivery:
  timeout: 15s                            # per attempt
  retrySchedule: [5s, 5m, 30m, 2h, 5h, 10h, 10h]   # delays after each failed attempt; then the delivery fails
  allowPrivateTargets: false              # true lets subscribers live on loopback/private addresses (tests, demo, LAN)
`;

const MINIMAL = `
server:
  adminToken: admin-token-0123456789abcd
`;

/** The ConfigError thrown by loadConfig; fails the test when nothing (or something else) is thrown. */
function configError(opts: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

function problemsOf(text: string, env: Record<string, string | undefined> = ENV): string[] {
  return configError({ text, env }).problems;
}

/** A minimal valid config with `extra` YAML appended (sections other than server). */
const withServer = (extra: string) => MINIMAL + extra;

describe('the interface.md example', () => {
  const cfg: Config = loadConfig({ text: INTERFACE_EXAMPLE, env: ENV });

  it('parses server, storage and delivery', () => {
    expect(cfg.server).toEqual({
      host: '0.0.0.0',
      port: 8080,
      adminToken: ENV.LEADRELAY_ADMIN_TOKEN,
      tokens: [],
      metricsAuth: 'none',
      logLevel: 'info',
      dashboard: true,
      dashboardSessionTtl: 43_200_000,
    });
    expect(cfg.storage).toEqual({ path: './data/leadrelay.db', poolSize: 10, statementTimeout: 30_000, leaseTtl: 30_000 });
    expect(cfg.delivery).toEqual({
      timeout: 15_000,
      retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      allowPrivateTargets: false,
      concurrency: 32,
      perSubscriptionConcurrency: 8,
      secretRotationGrace: 86_400_000,
      autoDisableAfter: 432_000_000,
      circuitBreakerAfter: 5,
      circuitBreakerCooldown: 30_000,
      retention: 2_592_000_000,
      maxSubscriptions: 1000,
    });
  });

  it('parses sources with env values substituted and defaults filled in', () => {
    expect(cfg.sources.map((s) => s.id)).toEqual(['apten', 'nexus', 'penguin', 'mega']);
    expect(cfg.sources[0]).toEqual({
      id: 'apten',
      vendor: 'apten',
      baseUrl: 'https://api.attent.app/v1',
      apiKey: ENV.APTEN_API_KEY,
      pollInterval: 60_000,
      initialSync: 'baseline',
      overlap: 2_000,
      requestTimeout: 30_000,
      maxResponseMb: 32,
      maxRetries: 4,
      maxDeleteShare: 0.2,
      enabled: true,
    });
    expect(cfg.sources[1]).toMatchObject({ vendor: 'nexus-erp', apiKey: ENV.NEXUS_API_KEY, pollInterval: 300_000 });
    expect(cfg.sources[2]).toMatchObject({ vendor: 'penguinmails', workspace: 'acme-corp', pollInterval: 60_000 });
    expect(cfg.sources[3]).toMatchObject({ vendor: 'mega', apiKey: ENV.MEGA_API_KEY, customerId: ENV.MEGA_CUSTOMER_ID });
    expect(cfg.sources[0]?.pageSize).toBeUndefined();
  });

  it('parses subscriptions', () => {
    expect(cfg.subscriptions).toEqual([
      {
        id: 'zap-new-leads',
        url: 'https://hooks.zapier.com/hooks/catch/123/abc/',
        secret: ZAP_SECRET,
        events: ['lead.created'],
        sources: ['apten', 'mega'],
        filter: { 'data.lead.status': { $to: 'QUALIFIED' } },
        enabled: true,
      },
    ]);
  });
});

describe('subscription filters and payloads', () => {
  const sub = (extra: string) =>
    withServer(`
subscriptions:
  - id: s1
    url: https://hooks.example.com/x
${extra}`);

  it('parses a filter and payload options', () => {
    const cfg = loadConfig({ text: sub(`    filter:\n      $or:\n        - data.lead.status: {$in: [won, lost]}\n        - type: lead.created\n    payload: {raw: false}\n`), env: ENV });
    expect(cfg.subscriptions[0]!.filter).toEqual({ $or: [{ 'data.lead.status': { $in: ['won', 'lost'] } }, { type: 'lead.created' }] });
    expect(cfg.subscriptions[0]!.payload).toEqual({ raw: false });
  });

  it('names the path inside the filter of a bad one', () => {
    expect(problemsOf(sub(`    filter: {$or: [{type: lead.created}, {data.lead.status: {$in: won}}]}\n`))).toEqual([
      'subscriptions[0].filter.$or[1].data.lead.status.$in: expected an array',
    ]);
    expect(problemsOf(sub(`    payload: {mode: compact}\n`))[0]).toMatch(/^subscriptions\[0\]\.payload\.mode: /);
  });
});

describe('config.example.yaml', () => {
  it('loads when its environment variables are set', () => {
    const path = fileURLToPath(new URL('../config.example.yaml', import.meta.url));
    const cfg = loadConfig({ path, env: ENV });
    expect(cfg.sources.map((s) => s.vendor)).toEqual(['apten', 'nexus-erp', 'penguinmails', 'mega']);
    expect(cfg.sources[0]).toMatchObject({ overlap: 2_000, pageSize: 1000, enabled: true });
    expect(cfg.subscriptions.map((s) => s.id)).toEqual(['zap-new-leads', 'crm-sync', 'deals-won']);
    expect(cfg.subscriptions[2]).toMatchObject({ filter: { 'data.lead.status': { $to: 'won' } }, payload: { raw: false } });
    expect(cfg.subscriptions[1]).toMatchObject({ events: ['lead.*', 'event.added'], enabled: true });
    expect(cfg.subscriptions[1]?.secret).toBeUndefined();
    expect(cfg.server.port).toBe(8080);
    expect(cfg.delivery.perSubscriptionConcurrency).toBe(8);
  });

  it('names every missing variable when none is set', () => {
    const path = fileURLToPath(new URL('../config.example.yaml', import.meta.url));
    const { problems } = configError({ path, env: {} });
    for (const name of Object.keys(ENV)) {
      expect(problems.some((p) => p.endsWith(`environment variable ${name} is not set`))).toBe(true);
    }
  });
});

describe('defaults', () => {
  it('fills every default when only the admin token is given', () => {
    expect(loadConfig({ text: MINIMAL, env: {} })).toEqual({
      server: { host: '0.0.0.0', port: 8080, adminToken: 'admin-token-0123456789abcd', tokens: [], metricsAuth: 'none', logLevel: 'info', dashboard: true, dashboardSessionTtl: 43_200_000 },
      storage: { path: './data/leadrelay.db', poolSize: 10, statementTimeout: 30_000, leaseTtl: 30_000 },
      sources: [],
      subscriptions: [],
      delivery: {
        timeout: 15_000,
        retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        allowPrivateTargets: false,
        concurrency: 32,
        perSubscriptionConcurrency: 8,
        secretRotationGrace: 86_400_000,
      autoDisableAfter: 432_000_000,
      circuitBreakerAfter: 5,
      circuitBreakerCooldown: 30_000,
      retention: 2_592_000_000,
      maxSubscriptions: 1000,
      },
    });
  });

  it('treats an empty section (all entries commented out) as absent', () => {
    const cfg = loadConfig({ text: withServer('sources:\n  # - id: x\nsubscriptions:\ndelivery:\n'), env: {} });
    expect(cfg.sources).toEqual([]);
    expect(cfg.subscriptions).toEqual([]);
    expect(cfg.delivery.timeout).toBe(15_000);
  });

  it('defaults a subscription to all event types and strips trailing slashes from baseUrl', () => {
    const cfg = loadConfig({
      text: withServer(`
sources:
  - { id: a, vendor: apten, baseUrl: "https://x.example/v1/", apiKey: k }
subscriptions:
  - { id: s, url: "https://hook.example/" }
`),
      env: {},
    });
    expect(cfg.sources[0]?.baseUrl).toBe('https://x.example/v1');
    expect(cfg.subscriptions[0]?.events).toEqual(['*']);
    expect(cfg.subscriptions[0]?.url).toBe('https://hook.example/');
  });
});

describe('${NAME} interpolation', () => {
  it('uses the default of ${NAME:-default} when NAME is unset or empty, the value otherwise', () => {
    const text = `server:\n  adminToken: admin-token-0123456789abcd\n  host: \${HOST:-127.0.0.1}\n`;
    expect(loadConfig({ text, env: {} }).server.host).toBe('127.0.0.1');
    expect(loadConfig({ text, env: { HOST: '' } }).server.host).toBe('127.0.0.1');
    expect(loadConfig({ text, env: { HOST: '10.0.0.5' } }).server.host).toBe('10.0.0.5');
  });

  it('substitutes inside a longer string and keeps $${ as a literal ${', () => {
    const text = `server:\n  adminToken: "tok-\${A}-$\${B}-\${C:-c}-end"\n`;
    expect(loadConfig({ text, env: { A: 'aaaaaaaaaa' } }).server.adminToken).toBe('tok-aaaaaaaaaa-${B}-c-end');
  });

  it('turns a substituted number or boolean into the type the key needs', () => {
    const text = `server:\n  adminToken: admin-token-0123456789abcd\n  port: \${PORT:-8080}\ndelivery:\n  allowPrivateTargets: \${PRIV:-false}\n`;
    const cfg = loadConfig({ text, env: { PORT: '9090', PRIV: 'true' } });
    expect(cfg.server.port).toBe(9090);
    expect(cfg.delivery.allowPrivateTargets).toBe(true);
  });

  it('names the missing variable and the path, and reports nothing else for that value', () => {
    const env = { ...ENV, APTEN_API_KEY: undefined };
    const problems = problemsOf(INTERFACE_EXAMPLE, env);
    expect(problems).toEqual(['sources[0].apiKey: environment variable APTEN_API_KEY is not set']);
  });

  it('collects every missing variable, not just the first', () => {
    const problems = interpolate({ a: '${X}', b: ['${Y}', { c: '${X} ${Z:-ok}' }] }, {}).problems;
    expect(problems).toEqual([
      { path: ['a'], message: 'environment variable X is not set' },
      { path: ['b', 0], message: 'environment variable Y is not set' },
      { path: ['b', 1, 'c'], message: 'environment variable X is not set' },
    ]);
  });

  it('leaves keys alone', () => {
    const { value } = interpolate({ '${K}': '${V}' }, { K: 'key', V: 'value' });
    expect(value).toEqual({ '${K}': 'value' });
  });

  it('reports malformed references', () => {
    expect(interpolate({ a: '${not valid}', b: 'x ${OPEN' }, {}).problems.map((p) => p.path)).toEqual([['a'], ['b']]);
  });
});

describe('durations', () => {
  it('parses every unit, integers and decimals', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rejects anything else with a clear error', () => {
    for (const bad of ['30', '5 minutes', '1h30m', '-5s', 's', '', '5S', '1w', '.5s']) {
      expect(() => parseDuration(bad), bad).toThrow(/invalid duration/);
    }
  });

  it('formats with the largest exact unit, round-tripping through parseDuration', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0ms');
    for (const ms of [1, 999, 60_000, 3_600_000, 5_400_000, 36_000_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('reports a bare number, a malformed string and an out-of-range value by path', () => {
    const problems = problemsOf(
      withServer(`
sources:
  - { id: a, vendor: apten, baseUrl: "https://x.example", apiKey: k, pollInterval: 30 }
  - { id: b, vendor: apten, baseUrl: "https://x.example", apiKey: k, pollInterval: 50ms }
delivery:
  timeout: 5 minutes
  retrySchedule: [5s, 10]
`),
    );
    expect(problems).toEqual([
      'sources[0].pollInterval: expected a duration string like 30s',
      'sources[1].pollInterval: must be at least 100ms',
      expect.stringMatching(/^delivery\.timeout: invalid duration/),
      'delivery.retrySchedule[1]: expected a duration string like 30s',
    ]);
  });
});

describe('strict keys', () => {
  it('reports a typo as an unknown key at its parent path', () => {
    expect(problemsOf('server:\n  adminToken: admin-token-0123456789abcd\n  prot: 9000\n')).toEqual(['server: unknown key "prot"']);
  });

  it('reports unknown keys at the top level and inside list entries', () => {
    const problems = problemsOf(
      withServer(`
sevrer: {}
sources:
  - { id: a, vendor: apten, baseUrl: "https://x.example", apiKey: k, pollIntervall: 5m }
`),
    );
    expect(problems).toContain('(root): unknown key "sevrer"');
    expect(problems).toContain('sources[0]: unknown key "pollIntervall"');
  });
});

describe('error messages', () => {
  it('says required, expected <type>, and must be one of', () => {
    const problems = problemsOf(`
server:
  port: eighty
sources:
  - { id: a, vendor: salesforce, baseUrl: "https://x.example" }
`);
    expect(problems).toEqual([
      'server.port: expected number, got string',
      'server.adminToken: required',
      // The registry's vendors (src/vendors/registry.ts), in its order.
      `sources[0].vendor: must be one of ${VENDOR_IDS.join(', ')}`,
      'sources[0].apiKey: required',
    ]);
  });

  it('reports several problems at once, each with its path', () => {
    const err = configError({
      text: `
server:
  adminToken: short
  port: 70000
sources:
  - { id: "Bad Id", vendor: apten, baseUrl: "ftp://x.example", apiKey: "" }
subscriptions:
  - { id: s, url: "https://h.example", events: [lead.exploded], sources: [nope], secret: whsec_abc }
delivery:
  concurrency: 0
`,
      env: {},
    });
    expect(err.code).toBe('config_invalid');
    expect(err.problems).toEqual([
      'server.port: must be at most 65535',
      'server.adminToken: must have at least 24 characters',
      'sources[0].id: must contain only a-z, 0-9, "-" and "_"',
      'sources[0].baseUrl: must be an absolute http or https URL',
      'sources[0].apiKey: must not be empty',
      'subscriptions[0].secret: must be "whsec_" followed by the base64 of 24 to 64 random bytes',
      'subscriptions[0].events[0]: must be one of lead.created, lead.updated, lead.deleted, event.added, event.updated, lead.*, event.*, *',
      'subscriptions[0].sources[0]: is not the id of a configured source',
      'delivery.concurrency: must be at least 1',
    ]);
    for (const p of err.problems) expect(err.message).toContain(p);
  });

  it('maxResponseMb: 1 to 1024 MB, named by path when out of range', () => {
    const problems = problemsOf(
      withServer(`
sources:
  - { id: a, vendor: apten, baseUrl: "https://x.example", apiKey: k, maxResponseMb: 0.5 }
  - { id: b, vendor: apten, baseUrl: "https://x.example", apiKey: k, maxResponseMb: 2048 }
  - { id: c, vendor: apten, baseUrl: "https://x.example", apiKey: k, maxResponseMb: 64 }
`),
    );
    expect(problems).toEqual(['sources[0].maxResponseMb: must be at least 1', 'sources[1].maxResponseMb: must be at most 1024']);
  });

  it('reports an empty file as a missing server section', () => {
    expect(problemsOf('')).toEqual(['server: required']);
  });
});

describe('ids', () => {
  it('rejects duplicate source ids, naming the duplicate path', () => {
    const problems = problemsOf(
      withServer(`
sources:
  - { id: a, vendor: apten, baseUrl: "https://x.example", apiKey: k }
  - { id: b, vendor: apten, baseUrl: "https://x.example", apiKey: k }
  - { id: a, vendor: nexus-erp, baseUrl: "https://y.example", apiKey: k }
`),
    );
    expect(problems).toEqual(['sources[2].id: duplicate id, already used by sources[0]']);
  });

  it('rejects duplicate subscription ids', () => {
    const problems = problemsOf(
      withServer(`
subscriptions:
  - { id: s, url: "https://h.example/1" }
  - { id: s, url: "https://h.example/2" }
`),
    );
    expect(problems).toEqual(['subscriptions[1].id: duplicate id, already used by subscriptions[0]']);
  });
});

describe('vendor-specific keys', () => {
  it('requires workspace for penguinmails', () => {
    const problems = problemsOf(withServer(`
sources:
  - { id: p, vendor: penguinmails, baseUrl: "https://p.example", apiKey: k }
`));
    expect(problems).toEqual(['sources[0].workspace: required for vendor penguinmails']);
  });

  it('requires a UUID customerId for mega', () => {
    const missing = problemsOf(withServer(`
sources:
  - { id: m, vendor: mega, baseUrl: "https://m.example", apiKey: k }
`));
    expect(missing).toEqual(['sources[0].customerId: required for vendor mega']);
    const malformed = problemsOf(withServer(`
sources:
  - { id: m, vendor: mega, baseUrl: "https://m.example", apiKey: k, customerId: not-a-uuid }
`));
    expect(malformed).toEqual(['sources[0].customerId: must be a UUID']);
  });

  it('rejects workspace or customerId on other vendors', () => {
    const problems = problemsOf(withServer(`
sources:
  - { id: a, vendor: apten, baseUrl: "https://a.example", apiKey: k, workspace: w }
`));
    expect(problems).toEqual(['sources[0].workspace: only used by vendor penguinmails']);
  });

  it('takes fullScanEvery for apten and mega only', () => {
    const problems = problemsOf(withServer(`
sources:
  - { id: a, vendor: apten, baseUrl: "https://a.example", apiKey: k, fullScanEvery: 10 }
  - { id: n, vendor: nexus-erp, baseUrl: "https://n.example", apiKey: k, fullScanEvery: 10 }
`));
    expect(problems).toEqual(['sources[1].fullScanEvery: only used by vendor apten and mega']);
  });
});

describe('reading and parsing', () => {
  it('reports invalid YAML with line and column', () => {
    const err = configError({ text: 'server:\n  adminToken: x\n  port: [1, 2\nstorage: {}\n', env: {} });
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.problems[0]).toMatch(/line \d+, column \d+: /);
    expect(err.message).toContain('line ');
  });

  it('reports the line of a duplicate key', () => {
    const err = configError({ text: 'server:\n  adminToken: admin-token-0123456789abcd\n  adminToken: again-0123456789xx\n', env: {} });
    expect(err.problems[0]).toMatch(/line 3, column 3: /);
  });

  it('reports one syntax error, not its knock-on effects, with a hint for unquoted ${...} in flow style', () => {
    const err = configError({ text: 'sources:\n  - { id: a, apiKey: \${K}, x: 1 }\n  - {id: b}\n', env: {} });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^yaml: line 2, column \d+: .*quote values containing \$\{\.\.\.\}/);
  });

  it('reports an unreadable file with its path and reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-config-'));
    const missing = join(dir, 'nope.yaml');
    expect(configError({ path: missing }).problems).toEqual([`cannot read config file ${missing}: no such file`]);
    expect(configError({ path: dir }).problems).toEqual([`cannot read config file ${dir}: is a directory`]);
  });

  it('reads a file and labels its errors with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-config-'));
    const file = join(dir, 'leadrelay.yaml');
    writeFileSync(file, MINIMAL);
    expect(loadConfig({ path: file, env: {} }).server.adminToken).toBe('admin-token-0123456789abcd');
    writeFileSync(file, 'server: [\n');
    expect(configError({ path: file, env: {} }).problems[0]).toMatch(new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}: line \\d+`));
  });
});

describe('server.tokens: named tokens with scopes (issue #12)', () => {
  const ZAPIER = 'zapier-hooks-token-4b7e1c9d2a';
  const GRAFANA = 'grafana-metrics-token-8d3f0a6c';

  it('parses the issue example; adminToken still works alone, metricsAuth defaults to none', () => {
    const cfg = loadConfig({
      text: `
server:
  adminToken: \${LEADRELAY_ADMIN_TOKEN}
  metricsAuth: token
  tokens:
    - name: zapier
      token: \${ZAPIER_TOKEN}
      scopes: [hooks]
    - { name: grafana, token: "\${METRICS_TOKEN}", scopes: [metrics] }
    - { name: oncall, token: oncall-read-token-77aa01bc2d, scopes: [read, metrics] }
`,
      env: { ...ENV, ZAPIER_TOKEN: ZAPIER, METRICS_TOKEN: GRAFANA },
    });
    expect(cfg.server.metricsAuth).toBe('token');
    expect(cfg.server.tokens).toEqual([
      { name: 'zapier', token: ZAPIER, scopes: ['hooks'] },
      { name: 'grafana', token: GRAFANA, scopes: ['metrics'] },
      { name: 'oncall', token: 'oncall-read-token-77aa01bc2d', scopes: ['read', 'metrics'] },
    ]);
    expect(loadConfig({ text: MINIMAL, env: {} }).server).toMatchObject({ tokens: [], metricsAuth: 'none' });
  });

  it('refuses short tokens and one character repeated, for adminToken and every named token, without echoing them', () => {
    const err = configError({
      text: `
server:
  adminToken: "${'a'.repeat(40)}"
  tokens:
    - { name: short, token: "abc-23-chars-long-token", scopes: [read] }
    - { name: same, token: "${'Z'.repeat(24)}", scopes: [hooks] }
    - { name: fine, token: "a-perfectly-good-token-0001", scopes: [metrics] }
`,
      env: {},
    });
    expect(err.problems).toEqual([
      'server.adminToken: must not be one character repeated',
      'server.tokens[0].token: must have at least 24 characters',
      'server.tokens[1].token: must not be one character repeated',
    ]);
    expect(err.message).not.toContain('abc-23-chars-long-token');
    expect(err.message).not.toContain('Z'.repeat(24));
  });

  it('refuses duplicate names, a name "admin", a token used twice (or equal to adminToken), unknown or no scopes', () => {
    const admin = 'admin-token-0123456789abcd';
    const problems = problemsOf(`
server:
  adminToken: ${admin}
  tokens:
    - { name: zapier, token: ${ZAPIER}, scopes: [hooks] }
    - { name: zapier, token: another-token-0123456789ab, scopes: [read] }
    - { name: admin, token: third-token-0123456789abcd, scopes: [admin] }
    - { name: copy, token: ${ZAPIER}, scopes: [read] }
    - { name: root, token: ${admin}, scopes: [admin] }
    - { name: "bad name", token: fourth-token-0123456789abc, scopes: [write] }
    - { name: none, token: fifth-token-0123456789abcd, scopes: [] }
`);
    expect(problems).toEqual([
      'server.tokens[1].name: duplicate name, already used by server.tokens[0]',
      'server.tokens[2].name: "admin" is the name of server.adminToken in the logs; choose another',
      'server.tokens[3].token: the same token as server.tokens[0]; each token must be unique',
      'server.tokens[4].token: the same token as server.adminToken; each token must be unique',
      'server.tokens[5].name: must be 1 to 64 of A-Z a-z 0-9 . _ -',
      'server.tokens[5].scopes[0]: must be one of admin, read, hooks, metrics',
      'server.tokens[6].scopes: must not be empty',
    ]);
    expect(problems.join('\n')).not.toContain(ZAPIER);
  });

  it('refuses metricsAuth values other than none and token', () => {
    expect(problemsOf(MINIMAL + '  metricsAuth: basic\n')).toEqual(['server.metricsAuth: must be one of none, token']);
  });
});

describe('server.dashboard and server.dashboardSessionTtl', () => {
  it('turns the dashboard off and sets how long a login lasts', () => {
    const cfg = loadConfig({ text: MINIMAL + '  dashboard: false\n  dashboardSessionTtl: 30m\n', env: {} });
    expect(cfg.server).toMatchObject({ dashboard: false, dashboardSessionTtl: 1_800_000 });
  });

  it('refuses a session shorter than a minute or longer than 30 days, and a dashboard that is not a boolean', () => {
    expect(problemsOf(MINIMAL + '  dashboardSessionTtl: 30s\n')).toEqual([expect.stringMatching(/^server\.dashboardSessionTtl: /)]);
    expect(problemsOf(MINIMAL + '  dashboardSessionTtl: 31d\n')).toEqual([expect.stringMatching(/^server\.dashboardSessionTtl: /)]);
    expect(problemsOf(MINIMAL + '  dashboard: maybe\n')).toEqual([expect.stringMatching(/^server\.dashboard: /)]);
  });
});

describe('secrets never appear in errors', () => {
  const TOKEN = 'tooshort-SECRET1';
  const API_KEY = 'K3Y-SECRET-9f8e7d';
  const BAD_SECRET = 'whsec_SECRETabc';

  it('in schema errors about the secret fields themselves or their neighbours', () => {
    const err = configError({
      text: `
server:
  adminToken: \${TOKEN}
sources:
  - { id: a, vendor: apten, baseUrl: "https://x.example", apiKey: "\${KEY}", pollInterval: "\${KEY}" }
  - { id: m, vendor: mega, baseUrl: "https://x.example", apiKey: k, customerId: "\${KEY}" }
subscriptions:
  - { id: s, url: "https://h.example", secret: "\${SECRET}" }
  - { id: t, url: "\${KEY}" }
`,
      env: { TOKEN: TOKEN.slice(0, 10), KEY: API_KEY, SECRET: BAD_SECRET },
    });
    expect(err.problems.length).toBe(5);
    const text = [err.message, ...err.problems].join('\n');
    for (const secret of [TOKEN.slice(0, 10), API_KEY, BAD_SECRET, 'SECRET']) {
      expect(text).not.toContain(secret);
    }
  });

  it('in YAML syntax errors', () => {
    const err = configError({ text: `server:\n  adminToken: "abc\\qSECRET"\n  apiKey: [${API_KEY}\n`, env: {} });
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.message).not.toContain('SECRET');
  });
});

describe('schemas shared with the admin API', () => {
  it('EVENT_TYPES lists the five concrete types', () => {
    expect(EVENT_TYPES).toEqual(['lead.created', 'lead.updated', 'lead.deleted', 'event.added', 'event.updated']);
  });

  it('eventTypeFilterSchema accepts types and wildcards only', () => {
    for (const ok of [...EVENT_TYPES, 'lead.*', 'event.*', '*']) expect(eventTypeFilterSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['lead', 'lead.created.x', 'Lead.created', '**']) expect(eventTypeFilterSchema.safeParse(bad).success).toBe(false);
  });

  it('sourceIdSchema enforces [a-z0-9_-]{1,64}', () => {
    expect(sourceIdSchema.safeParse('my_source-1').success).toBe(true);
    expect(sourceIdSchema.safeParse('My Source').success).toBe(false);
    expect(sourceIdSchema.safeParse('').success).toBe(false);
    expect(sourceIdSchema.safeParse('a'.repeat(65)).success).toBe(false);
  });

  it('webhookUrlSchema accepts http(s) only', () => {
    expect(webhookUrlSchema.safeParse('http://localhost:3000/hook').success).toBe(true);
    expect(webhookUrlSchema.safeParse('ftp://x.example/').success).toBe(false);
    expect(webhookUrlSchema.safeParse('/relative').success).toBe(false);
  });

  it('secretSchema accepts whsec_ + base64 of 24..64 bytes', () => {
    expect(secretSchema.safeParse(ZAP_SECRET).success).toBe(true);
    expect(secretSchema.safeParse('whsec_' + Buffer.alloc(24, 1).toString('base64')).success).toBe(true);
    expect(secretSchema.safeParse('whsec_' + Buffer.alloc(64, 1).toString('base64')).success).toBe(true);
    expect(secretSchema.safeParse('whsec_' + Buffer.alloc(23, 1).toString('base64')).success).toBe(false);
    expect(secretSchema.safeParse('whsec_' + Buffer.alloc(65, 1).toString('base64')).success).toBe(false);
    expect(secretSchema.safeParse(Buffer.alloc(32, 1).toString('base64')).success).toBe(false);
    expect(secretSchema.safeParse(ZAP_SECRET.slice(0, -2) + '!!').success).toBe(false);
  });
});

describe('storage: SQLite (path) or PostgreSQL (url)', () => {
  const DB_ENV = { DATABASE_URL: 'postgres://relay:pa55-w0rd-x@db.internal:5432/leadrelay?sslmode=require' };

  it('selects PostgreSQL with url, with pool size, statement timeout and TLS settings', () => {
    const cfg = loadConfig({ text: withServer('storage:\n  url: ${DATABASE_URL}\n  poolSize: 25\n  statementTimeout: 5s\n'), env: DB_ENV });
    expect(cfg.storage).toEqual({ path: './data/leadrelay.db', url: DB_ENV.DATABASE_URL, poolSize: 25, statementTimeout: 5_000, leaseTtl: 30_000 });
    const tls = loadConfig({ text: withServer('storage:\n  url: postgresql://relay@db/leadrelay\n  sslmode: verify-full\n'), env: {} });
    expect(tls.storage).toMatchObject({ url: 'postgresql://relay@db/leadrelay', sslmode: 'verify-full', poolSize: 10, statementTimeout: 30_000 });
  });

  it('refuses path and url together, naming both', () => {
    expect(problemsOf(withServer('storage:\n  path: ./x.db\n  url: ${DATABASE_URL}\n'), DB_ENV)).toEqual([
      'storage: sets both storage.path (SQLite) and storage.url (PostgreSQL); keep the one to use',
    ]);
  });

  it('keeps each backend to its own keys', () => {
    expect(problemsOf(withServer('storage:\n  url: ${DATABASE_URL}\n  maxSizeMb: 100\n'), DB_ENV)).toEqual([
      'storage.maxSizeMb: only applies to SQLite (storage.path), not with storage.url',
    ]);
    expect(problemsOf(withServer('storage:\n  path: ./x.db\n  poolSize: 5\n  statementTimeout: 1s\n  sslmode: require\n'))).toEqual([
      'storage.poolSize: only applies to PostgreSQL (storage.url)',
      'storage.statementTimeout: only applies to PostgreSQL (storage.url)',
      'storage.sslmode: only applies to PostgreSQL (storage.url)',
    ]);
  });

  it('reports a bad url, sslmode or pool size without showing the url (it holds the password)', () => {
    const problems = [
      ...problemsOf(withServer('storage:\n  url: mysql://relay:pa55-w0rd-x@db/leadrelay\n')),
      ...problemsOf(withServer('storage:\n  url: postgres://relay:pa55-w0rd-x@db/leadrelay?sslmode=prefer\n')),
      ...problemsOf(withServer('storage:\n  url: ${DATABASE_URL}\n  sslmode: disable\n'), DB_ENV),
      ...problemsOf(withServer('storage:\n  url: ${DATABASE_URL}\n  sslmode: sometimes\n  poolSize: 0\n  statementTimeout: 30\n'), DB_ENV),
    ];
    expect(problems).toEqual([
      'storage.url: must be a postgres:// or postgresql:// URL',
      'storage.url: has an sslmode that is not one of disable, require, verify-ca, verify-full (prefer and allow are not supported)',
      'storage.sslmode: differs from the sslmode in storage.url; set it in one place',
      'storage.poolSize: must be at least 1',
      'storage.statementTimeout: expected a duration string like 30s',
      'storage.sslmode: must be one of disable, require, verify-ca, verify-full',
    ]);
    for (const p of problems) expect(p).not.toContain('pa55');
    expect(problemsOf(withServer('storage:\n  url: postgres://db/leadrelay\n  sslmode: verify-ca\n'))).toEqual([
      'storage.url: needs sslrootcert=<CA certificate file> for sslmode verify-ca',
    ]);
  });
});
