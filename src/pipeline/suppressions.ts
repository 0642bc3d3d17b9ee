import type { Anomaly } from "../core/anomaly.js";
import type { Suppression } from "../core/suppression.js";

export type { Suppression };

/** What the matcher reads of an anomaly. */
export type Suppressible = Pick<Anomaly, "detector" | "key" | "templateId" | "score">;

/** Scores are stored rounded to 4 decimals; a repeat of the judged finding must not slip past by rounding. */
const SCORE_EPSILON = 1e-6;

/**
 * The suppressions in force, held in memory so the pipeline checks each anomaly without a query.
 * Loaded from the store at start and updated by `recordVerdict` and `revokeSuppression`; no I/O here.
 * Drops are also counted per suppression until the pipeline writes them to the store (`takeDrops`).
 */
export class SuppressionList {
  #byDetector = new Map<string, Suppression[]>();
  /** Anomalies dropped since start, per detector (for metrics). */
  readonly suppressed = new Map<string, number>();
  /** Drops per suppression id not yet written to the store. */
  #pendingDrops = new Map<number, number>();
  /**
   * Lists that follow this one's changes (a cluster node's partition pipelines follow the node's own):
   * a verdict takes effect at once in every pipeline of the process, each counting its own drops.
   */
  readonly followers = new Set<SuppressionList>();

  replace(list: readonly Suppression[]): void {
    this.#byDetector = new Map();
    for (const s of list) this.#add(s);
    for (const f of this.followers) f.replace(list);
  }

  add(s: Suppression): void {
    this.#add(s);
    for (const f of this.followers) f.add(s);
  }

  #add(s: Suppression): void {
    const list = this.#byDetector.get(s.detector) ?? [];
    list.push(s);
    this.#byDetector.set(s.detector, list);
  }

  remove(id: number): void {
    for (const f of this.followers) f.remove(id);
    for (const [detector, list] of this.#byDetector) {
      this.#byDetector.set(
        detector,
        list.filter((s) => s.id !== id),
      );
    }
    this.#pendingDrops.delete(id);
  }

  get size(): number {
    let n = 0;
    for (const list of this.#byDetector.values()) n += list.length;
    return n;
  }

  /** The suppression that covers `anomaly` at `now`, if any. */
  match(anomaly: Suppressible, now: number): Suppression | undefined {
    const list = this.#byDetector.get(anomaly.detector);
    if (!list) return undefined;
    return list.find(
      (s) =>
        (s.expiresAt === null || s.expiresAt > now) &&
        (s.key === null || s.key === anomaly.key) &&
        (s.templateId === null || s.templateId === (anomaly.templateId ?? null)) &&
        (s.maxScore === null || anomaly.score <= s.maxScore + SCORE_EPSILON),
    );
  }

  /** Drops the suppressed anomalies, counting them per detector and per suppression. */
  filter<T extends Suppressible>(anomalies: readonly T[], now: number): T[] {
    if (this.#byDetector.size === 0) return [...anomalies];
    return anomalies.filter((a) => {
      const s = this.match(a, now);
      if (!s) return true;
      this.suppressed.set(a.detector, (this.suppressed.get(a.detector) ?? 0) + 1);
      this.#pendingDrops.set(s.id, (this.#pendingDrops.get(s.id) ?? 0) + 1);
      return false;
    });
  }

  /** The drops counted since the last call, per suppression id, for the store's `suppressed_count`. */
  takeDrops(): Map<number, number> {
    const drops = this.#pendingDrops;
    this.#pendingDrops = new Map();
    return drops;
  }
}
