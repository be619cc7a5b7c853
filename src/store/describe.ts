// The configured database in words, for messages and logs: the SQLite path, or PostgreSQL's
// host:port/database (never the URL itself, which usually holds the password).
import type { Config } from '../config/index.js';
import { describeTarget } from './postgres/url.js';

export function describeStorage(storage: Pick<Config['storage'], 'path' | 'url'>): string {
  return storage.url !== undefined ? `PostgreSQL at ${describeTarget(storage.url)}` : storage.path;
}
