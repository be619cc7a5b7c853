// Random keys made once per install (a database), for uses that must not be computable elsewhere.
import type { Migration } from './index.js';

// First use: the fingerprint of a subscription's header values (an HMAC under one of these keys), so
// the API can show that two values are equal without letting anyone confirm a guess offline. Made
// here, in the migration's transaction, rather than on first use: reading it then never writes (a
// full or read-only database still serves the API). randomblob is SQLite's ChaCha20 generator,
// seeded from the OS (/dev/urandom).
export const m0007_install_keys: Migration = {
  version: 7,
  name: 'install_keys',
  sql: /* sql */ `
CREATE TABLE install_keys (
  name TEXT PRIMARY KEY,
  key BLOB NOT NULL,                    -- random bytes
  created_at TEXT NOT NULL
);
INSERT INTO install_keys (name, key, created_at) VALUES ('header-fingerprint', randomblob(32), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
`,
};
