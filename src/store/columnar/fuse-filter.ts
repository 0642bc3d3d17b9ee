/**
 * A binary fuse filter with 4-bit fingerprints (Graf and Lemire, "Binary Fuse Filters: Fast and Smaller
 * Than Xor Filters", 2022), over 32-bit key hashes. It answers "maybe" for every key it was built from
 * and for about 1 in 16 others (6.25 %), in 5.2–5.5 bits a key for the 1,500–15,000 keys of a segment's
 * stored digit filter (about 4.5 for millions), where a Bloom filter of 5 bits a key lets 9.2 % through.
 * A key sits in three slots, one in each of three consecutive blocks of 2^`blockBits` slots, and the XOR
 * of their nibbles is its fingerprint.
 *
 * Building peels the keys: a slot only one key uses is that key's to set, which removes the key from its
 * other two slots, and so on; the keys set in the reverse of that order each find their two other slots
 * final. Peeling fails now and then (more often for small sets, which is why they get more slots), and
 * is tried again with the next seed; the caller falls back to another filter if every try fails.
 */

/** Murmur3's finaliser: spreads a 32-bit hash's bits (a bijection on 32 bits). */
export function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Constants that tell a key's three hashes apart (each is `mix(key ^ seed ^ c)`). */
const BLOCK_SALT = 0x9e3779b9;
const OFFSET_SALT = 0x7f4a7c15;
const PRINT_SALT = 0x2545f491;
/** Offsets within a block come from 16 bits of one hash each, so a block holds at most 2^16 slots. */
const MAX_BLOCK_BITS = 16;
/** Seeds tried before `buildFuseFilter` gives up. */
const TRIES = 16;

/** The slots for `n` keys: block length and block count (the paper's sizing for three hashes). */
export function fuseShape(n: number): { blockBits: number; blocks: number } {
  if (n <= 1) return { blockBits: 2, blocks: 1 };
  const blockBits = Math.max(2, Math.min(MAX_BLOCK_BITS, Math.floor(Math.log(n) / Math.log(3.33) + 2.25)));
  const sizeFactor = Math.max(1.125, 0.875 + (0.25 * Math.log(1e6)) / Math.log(n));
  const capacity = Math.ceil(n * sizeFactor);
  return { blockBits, blocks: Math.max(1, Math.ceil(capacity / 2 ** blockBits) - 2) };
}

/** A built filter: `blocks + 2` blocks of `2^blockBits` 4-bit slots, two to a byte (low nibble first). */
export class FuseFilter {
  readonly #blockLength: number;
  readonly #mask: number;
  /** Slots a key's first slot is drawn from: all blocks but the last two. */
  readonly #firstSlots: number;

  constructor(
    readonly blockBits: number,
    readonly blocks: number,
    readonly seed: number,
    readonly nibbles: Uint8Array,
  ) {
    this.#blockLength = 2 ** blockBits;
    this.#mask = this.#blockLength - 1;
    this.#firstSlots = blocks * this.#blockLength;
    if (nibbles.length !== ((blocks + 2) * this.#blockLength) / 2)
      throw new RangeError(`a fuse filter of ${blocks} blocks of 2^${blockBits} slots needs other bytes`);
  }

  /** False only when `key` is none of the keys the filter was built from. */
  has(key: number): boolean {
    const at = this.#probe;
    this.slotsInto(key, at, 0);
    const bytes = this.nibbles;
    const x = nibbleAt(bytes, at[0]!) ^ nibbleAt(bytes, at[1]!) ^ nibbleAt(bytes, at[2]!);
    return x === this.fingerprint(key);
  }

  readonly #probe = new Uint32Array(3);

  /** Writes `key`'s three slots to `out` from `at`: one in a block, the others in the two blocks after it. */
  slotsInto(key: number, out: Uint32Array, at: number): void {
    const k = (key ^ this.seed) >>> 0;
    const first = Math.floor((mix(k ^ BLOCK_SALT) * this.#firstSlots) / 4294967296);
    const offsets = mix(k ^ OFFSET_SALT);
    out[at] = first;
    out[at + 1] = (first + this.#blockLength) ^ (offsets & this.#mask);
    out[at + 2] = (first + 2 * this.#blockLength) ^ ((offsets >>> 16) & this.#mask);
  }

  /** The 4 bits the XOR of `key`'s slots must give. */
  fingerprint(key: number): number {
    return mix((key ^ this.seed ^ PRINT_SALT) >>> 0) & 15;
  }
}

function nibbleAt(bytes: Uint8Array, slot: number): number {
  return (bytes[slot >>> 1]! >>> ((slot & 1) << 2)) & 15;
}

/**
 * The filter of `keys` (distinct 32-bit hashes), seeded from `seed`; null when peeling failed for every
 * seed tried (the same keys give the same answer and the same filter every time).
 */
export function buildFuseFilter(keys: ArrayLike<number>, seed: number): FuseFilter | null {
  const n = keys.length;
  const { blockBits, blocks } = fuseShape(n);
  const blockLength = 2 ** blockBits;
  const slots = (blocks + 2) * blockLength;
  const slotsOf = new Uint32Array(3 * n);
  const uses = new Uint32Array(slots);
  /** XOR of the indexes of the keys using a slot: the one key left when `uses` is 1. */
  const users = new Uint32Array(slots);
  const queue = new Uint32Array(slots);
  const order = new Uint32Array(n);
  const orderSlot = new Uint32Array(n);
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const trySeed = mix(seed + attempt * BLOCK_SALT);
    const filter = new FuseFilter(blockBits, blocks, trySeed, new Uint8Array(slots / 2));
    uses.fill(0);
    users.fill(0);
    for (let i = 0; i < n; i++) {
      filter.slotsInto(keys[i]!, slotsOf, 3 * i);
      for (let j = 3 * i; j < 3 * i + 3; j++) {
        const t = slotsOf[j]!;
        uses[t]!++;
        users[t]! ^= i;
      }
    }
    let queued = 0;
    for (let s = 0; s < slots; s++) if (uses[s] === 1) queue[queued++] = s;
    let peeled = 0;
    while (queued > 0) {
      const s = queue[--queued]!;
      if (uses[s] !== 1) continue;
      const i = users[s]!;
      order[peeled] = i;
      orderSlot[peeled++] = s;
      for (let j = 3 * i; j < 3 * i + 3; j++) {
        const t = slotsOf[j]!;
        uses[t]!--;
        users[t]! ^= i;
        if (uses[t] === 1) queue[queued++] = t;
      }
    }
    if (peeled < n) continue;
    const bytes = filter.nibbles;
    for (let p = n - 1; p >= 0; p--) {
      const i = order[p]!;
      const s = orderSlot[p]!;
      // The slot is still 0 here: the XOR of the three is that of the other two.
      let x = filter.fingerprint(keys[i]!);
      for (let j = 3 * i; j < 3 * i + 3; j++) x ^= nibbleAt(bytes, slotsOf[j]!);
      bytes[s >>> 1]! |= x << ((s & 1) << 2);
    }
    return filter;
  }
  return null;
}
