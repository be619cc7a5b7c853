// Per-install random keys, made by the migrations and kept in the database (table install_keys).
import type { InstallKeyName } from '../types.js';
import type { Db } from './db.js';


export class InstallKeyStore {
  private readonly getStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare('SELECT key FROM install_keys WHERE name = ?');
  }

  get(name: InstallKeyName): Buffer {
    const row = this.getStmt.get(name) as { key: Buffer } | undefined;
    if (!row) throw new Error(`install key ${name} is missing from the database`);
    return row.key;
  }
}
