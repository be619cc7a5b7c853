// Store contract: dashboard login sessions (SessionOps). Found by the hash of their id until they
// expire, gone after logout, pruned in bounded batches, and shared by every replica of a database.
import { describe, expect, it } from 'vitest';
import type { DashboardSession } from '../../src/store/types.js';
import { backends } from '../helpers/store-backends.js';

const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const HOUR = 3_600_000;

function session(idHash: string, extra: Partial<DashboardSession> = {}): DashboardSession {
  return {
    idHash,
    tokenName: 'oncall',
    tokenCheck: `check-${idHash}`,
    scopes: ['read', 'metrics'],
    csrfToken: `csrf-${idHash}`,
    createdAt: T0,
    expiresAt: T0 + 12 * HOUR,
    ...extra,
  };
}

describe.each(backends)('dashboard sessions ($name)', (backend) => {
  it('finds a session by its id hash until it expires, every field as stored', async () => {
    const store = await backend.open();
    const s = session('a'.repeat(64));
    await store.sessions.create(s);
    expect(await store.sessions.get(s.idHash, T0)).toEqual(s);
    expect(await store.sessions.get(s.idHash, s.expiresAt - 1)).toEqual(s);
    expect(await store.sessions.get(s.idHash, s.expiresAt)).toBeUndefined();
    expect(await store.sessions.get('b'.repeat(64), T0)).toBeUndefined();
  });

  it('logout deletes the session: it is not found again, and a second logout finds nothing', async () => {
    const store = await backend.open();
    await store.sessions.create(session('x1'));
    await store.sessions.create(session('x2'));
    expect(await store.sessions.delete('x1')).toBe(true);
    expect(await store.sessions.delete('x1')).toBe(false);
    expect(await store.sessions.get('x1', T0)).toBeUndefined();
    expect(await store.sessions.get('x2', T0)).toEqual(session('x2'));
  });

  it('prunes only expired sessions, at most `limit` per call', async () => {
    const store = await backend.open();
    for (let i = 0; i < 5; i++) await store.sessions.create(session(`old${i}`, { expiresAt: T0 + i }));
    await store.sessions.create(session('live', { expiresAt: T0 + HOUR }));
    expect(await store.sessions.deleteExpired(T0 + 10, 3)).toBe(3);
    expect(await store.sessions.deleteExpired(T0 + 10, 3)).toBe(2);
    expect(await store.sessions.deleteExpired(T0 + 10, 3)).toBe(0);
    expect(await store.sessions.get('live', T0 + 10)).toEqual(session('live', { expiresAt: T0 + HOUR }));
  });

  it('a session made through one replica is known to the others, and a logout on any ends it everywhere', async () => {
    const [one, two] = await backend.openReplicas(2);
    await one!.sessions.create(session('shared'));
    expect(await two!.sessions.get('shared', T0)).toEqual(session('shared'));
    expect(await two!.sessions.delete('shared')).toBe(true);
    expect(await one!.sessions.get('shared', T0)).toBeUndefined();
  });

  it('refuses a second session with the same id hash', async () => {
    const store = await backend.open();
    await store.sessions.create(session('dup'));
    await expect(store.sessions.create(session('dup', { tokenName: 'admin' }))).rejects.toThrow();
    expect((await store.sessions.get('dup', T0))?.tokenName).toBe('oncall');
  });
});
