/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32. It is small, fast on 32-bit integer
 * arithmetic (which V8 keeps unboxed) and, unlike `Math.random`, reproducible: the same seed gives
 * the same sequence on every platform, which is what makes a fitted forest deterministic.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    // splitmix32 spreads even tiny seeds (0, 1, 42) over all 128 state bits and never yields the
    // all-zero state that would make xoshiro emit zeros forever.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
  }

  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two draws), so every double step is reachable. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) for 0 < n ≤ 2^32; the bias of scaling a 53-bit double is < n / 2^53. */
  nextInt(n: number): number {
    return Math.floor(this.nextDouble() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
