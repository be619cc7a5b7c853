// MongoDB-style ObjectIds (24 hex), the id format of the docs' example ("65f0a000a000a000a000a001").
import { int, token, type Random } from '../../sim-common/random.js';

const HEX = '0123456789abcdef';

function seconds(atMs: number): string {
  return Math.max(0, Math.floor(atMs / 1000)).toString(16).padStart(8, '0').slice(-8);
}

/**
 * Ids from one "server process": 4-byte creation second, 5 bytes fixed per process, 3-byte counter.
 * As with real ObjectIds, ids made by one process in the same second sort in creation order.
 */
export class ObjectIdFactory {
  readonly #process: string;
  #counter: number;

  constructor(rnd: Random) {
    this.#process = token(rnd, 10, HEX);
    this.#counter = int(rnd, 0, 0xffffff);
  }

  next(atMs: number): string {
    this.#counter = (this.#counter + 1) & 0xffffff;
    return `${seconds(atMs)}${this.#process}${this.#counter.toString(16).padStart(6, '0')}`;
  }
}

/** An id minted elsewhere in the vendor (another collection, another process): random tail. */
export function foreignObjectId(rnd: Random, atMs: number): string {
  return `${seconds(atMs)}${token(rnd, 16, HEX)}`;
}
