// storage.url turned into driver settings and into words: libpq's sslmode meanings (node-postgres'
// own would verify certificates under "require"), the key winning over the URL, and no password in
// what is shown to people.
import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/store/postgres/pool.js';
import { describeTarget, redactUrl } from '../../src/store/postgres/url.js';

describe('clientConfig', () => {
  it('maps sslmode as libpq does: disable (the default), require without verification, verify-full with it', () => {
    expect(clientConfig({ url: 'postgres://u:p@db/x' }).ssl).toBe(false);
    expect(clientConfig({ url: 'postgres://u:p@db/x?sslmode=require' }).ssl).toEqual({ rejectUnauthorized: false });
    const full = clientConfig({ url: 'postgres://u:p@db/x?sslmode=verify-full' }).ssl;
    expect(full).toEqual({});
    // storage.sslmode wins over the URL's.
    expect(clientConfig({ url: 'postgres://u:p@db/x?sslmode=require', sslmode: 'disable' }).ssl).toBe(false);
    expect(clientConfig({ url: 'postgres://u:p@db/x', sslmode: 'require' }).ssl).toEqual({ rejectUnauthorized: false });
  });

  it('names the connection after the replica, sets the statement timeout, and reads socket URLs', () => {
    const c = clientConfig({ url: 'postgresql://relay:pw@/leadrelay?host=/run/postgresql', replicaId: 'web-1', statementTimeoutMs: 5000 });
    expect(c).toMatchObject({ user: 'relay', password: 'pw', host: '/run/postgresql', database: 'leadrelay', application_name: 'leadrelay/web-1', statement_timeout: 5000 });
    expect(clientConfig({ url: 'postgres://db/x', statementTimeoutMs: 0 }).statement_timeout).toBe(false);
    expect(clientConfig({ url: 'postgres://db/x', replicaId: 'r'.repeat(100) }).application_name).toHaveLength(63);
  });
});

describe('describeTarget and redactUrl', () => {
  it('say where the URL points, never its password', () => {
    expect(describeTarget('postgres://relay:s3cret@db.internal:6432/leadrelay?sslmode=require')).toBe('db.internal:6432/leadrelay');
    expect(describeTarget('postgres://relay:s3cret@[::1]/leadrelay')).toBe('[::1]/leadrelay');
    expect(describeTarget('postgres://relay:s3cret@/leadrelay?host=/run/postgresql')).toBe('/run/postgresql/leadrelay');
    expect(redactUrl('postgres://relay:s3cret@db:5432/leadrelay?sslmode=require')).toBe('postgres://relay:***@db:5432/leadrelay?sslmode=require');
    expect(redactUrl('postgres://relay:s3cr@t@db/leadrelay')).toBe('postgres://relay:***@db/leadrelay');
    expect(redactUrl('postgres://db/leadrelay?user=relay&password=s3cret')).toBe('postgres://db/leadrelay?user=relay&password=***');
    expect(redactUrl('postgres://relay@db/leadrelay')).toBe('postgres://relay@db/leadrelay');
  });
});
