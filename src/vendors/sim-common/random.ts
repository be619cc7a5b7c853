// Seedable randomness so simulated data and activity can be replayed exactly in tests.

export type Random = () => number;

/** Tiny 32-bit PRNG (public-domain mulberry32); plenty for fake data, not for secrets. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max], both inclusive. */
export function int(rnd: Random, min: number, max: number): number {
  return min + Math.floor(rnd() * (max - min + 1));
}

export function pick<T>(rnd: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(rnd() * items.length)] as T;
}

export function chance(rnd: Random, p: number): boolean {
  return rnd() < p;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function token(rnd: Random, length: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rnd() * alphabet.length)];
  return out;
}

/** RFC 4122 v4 layout from the injected PRNG, so even UUID ids replay deterministically. */
export function uuid(rnd: Random): string {
  const hex = token(rnd, 32, '0123456789abcdef').split('');
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rnd() * 4)] as string;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
