import { describe, expect, it } from "vitest";
import type { DigitRunSummary } from "../../../src/store/columnar/index.js";
import { PieceSummaryCache } from "../../../src/store/segments/piece-cache.js";

/**
 * The cache as it was before recency became a stamp (entries moved to the map's end on every get): the
 * model the current one must agree with, entry for entry.
 */
class MovingSummaryCache {
  readonly entries = new Map<string, { summary: DigitRunSummary; read: number }>();
  #weight = 0;
  #reads = 0;
  constructor(readonly budget: number) {}
  beginRead(): number {
    return ++this.#reads;
  }
  get(key: string, read: number): DigitRunSummary | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    entry.read = read;
    this.entries.set(key, entry);
    return entry.summary;
  }
  set(key: string, summary: DigitRunSummary, read: number): void {
    this.#drop(key);
    this.entries.set(key, { summary, read });
    this.#weight += summary.byteSize;
    while (this.#weight > this.budget && this.entries.size > 1) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.#drop(entry.read === read ? key : oldest);
      if (entry.read === read) return;
    }
  }
  get usage() {
    return { entries: this.entries.size, weight: this.#weight };
  }
  #drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.#weight -= entry.summary.byteSize;
  }
}

const summary = (byteSize: number) => ({ byteSize }) as unknown as DigitRunSummary;

describe("PieceSummaryCache", () => {
  it("keeps and turns away exactly the entries the moving LRU did, over seeded reads", () => {
    for (const budget of [1_000, 5_000, 20_000]) {
      let seed = budget;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const cache = new PieceSummaryCache(budget);
      const model = new MovingSummaryCache(budget);
      for (let r = 0; r < 300; r++) {
        const read = cache.beginRead();
        expect(model.beginRead()).toBe(read);
        // A read walks pieces in order from a random start, as searches over a growing store do.
        const first = Math.floor(random() * 40);
        const count = 1 + Math.floor(random() * 60);
        for (let p = first; p < first + count; p++) {
          const key = `s${p}`;
          const held = cache.get(key, read);
          expect(held).toBe(model.get(key, read));
          if (held === undefined) {
            const s = summary(50 + Math.floor(random() * 400));
            cache.set(key, s, read);
            model.set(key, s, read);
          }
          expect(cache.usage).toEqual(model.usage);
        }
      }
      for (const key of model.entries.keys()) expect(cache.get(key, 0)).toBeDefined();
    }
  });

  it("says whether an entry fits without evicting, and peeks without counting a use", () => {
    const cache = new PieceSummaryCache(1_000);
    const read = cache.beginRead();
    cache.set("a", summary(400), read);
    cache.set("b", summary(400), read);
    expect(cache.hasRoomFor("c", 200)).toBe(true);
    expect(cache.hasRoomFor("c", 201)).toBe(false);
    // In place of the entry held for the key: only the difference counts.
    expect(cache.hasRoomFor("a", 600)).toBe(true);
    // A peek at "a" leaves it the least recently used: the next entry past the budget evicts it.
    expect(cache.peek("a")).toBeDefined();
    cache.get("b", cache.beginRead());
    cache.set("c", summary(400), cache.beginRead());
    expect(cache.peek("a")).toBeUndefined();
    expect(cache.peek("b")).toBeDefined();
  });
});
