// Store contract: what the store offers as a whole (Store): its install keys and integrity check.
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/store-backends.js';

describe.each(backends)('store ($name)', (backend) => {
  it('has a random install key, the same from every store on the database, different per database', async () => {
    const [a, b] = await backend.openReplicas(2);
    const key = await a!.installKey('header-fingerprint');
    expect(key).toBeInstanceOf(Buffer);
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(await b!.installKey('header-fingerprint')).toEqual(key);
    const other = await backend.open();
    expect(await other.installKey('header-fingerprint')).not.toEqual(key);
  });

  it('passes its integrity check', async () => {
    const store = await backend.open();
    expect(await store.integrityCheck()).toBe('ok');
  });

  it('closes once, however often asked', async () => {
    const store = await backend.open();
    await Promise.all([store.close(), store.close()]);
    await store.close();
  });
});
