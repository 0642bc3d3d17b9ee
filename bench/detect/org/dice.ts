import { Random } from "../../../src/detectors/isolation-forest/random.js";

/** The seeded choices the generator makes: the forest's reproducible PRNG behind a few convenience draws. */
export class Dice {
  readonly #random: Random;

  constructor(seed: number) {
    this.#random = new Random(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#random.nextDouble();
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.#random.nextInt(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    const x = xs[this.#random.nextInt(xs.length)];
    if (x === undefined) throw new Error("pick from an empty list");
    return x;
  }

  /** `n` distinct elements (all of them when n ≥ length). */
  sample<T>(xs: readonly T[], n: number): T[] {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.#random.nextInt(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  }

  /** A MAC address with a real vendor prefix (OUI), as laptops, phones and access points have. */
  mac(): string {
    const oui = this.pick([
      "3c:22:fb",
      "a4:83:e7",
      "f0:18:98",
      "dc:a6:32",
      "8c:85:90",
      "28:cf:e9",
      "b0:be:83",
    ]);
    const byte = () => this.int(0, 255).toString(16).padStart(2, "0");
    return `${oui}:${byte()}:${byte()}:${byte()}`;
  }
}
