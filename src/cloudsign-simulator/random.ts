/**
 * Seeded randomness. Every generated value is a pure function of (seed, key): a document's details, a
 * file's PDF bytes and every ID can be re-derived at any time instead of being held in memory, and two
 * simulators started with the same seed serve byte-identical data.
 */

/** Crockford base32, lowercase: the alphabet of the one observed CloudSign sandbox ID (01f90z639d89…). */
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A 32-character opaque ID such as CloudSign's document, file and user IDs. */
  id(): string;
  /** A 36-character alphanumeric string, the shape of a CloudSign client ID. */
  clientId(): string;
  /** A fresh 32-bit seed for a fast bulk generator (PDF filler bytes). */
  uint32(): number;
}

/** cyrb128: a string hash good enough to spread nearby keys ("doc:1", "doc:2") over the whole state space. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/** A generator for one key, e.g. `seeded(1, 'document', 42)`. */
export function seeded(seed: number, ...key: (string | number)[]): Random {
  // sfc32: small, fast, and passes PractRand far beyond what a simulator draws.
  let [a, b, c, d] = hash128(`${seed}\u0000${key.join('\u0000')}`);
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  const next = () => u32() / 4294967296;
  const chars = (alphabet: string, length: number) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    id: () => chars(BASE32, 32),
    clientId: () => chars(ALPHANUMERIC, 36),
    uint32: u32,
  };
}
