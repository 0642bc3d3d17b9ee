import type { Anomaly } from "../core/anomaly.js";
import type { Suppression } from "../core/suppression.js";

export type { Suppression };

/**
 * The suppressions in force, held in memory so the pipeline checks each anomaly without a query.
 * Loaded from the store at start and updated by `recordVerdict`; no I/O here.
 */
export class SuppressionList {
  #byDetector = new Map<string, Suppression[]>();
  /** Anomalies dropped since start, per detector (for metrics). */
  readonly suppressed = new Map<string, number>();

  replace(list: readonly Suppression[]): void {
    this.#byDetector = new Map();
    for (const s of list) this.add(s);
  }

  add(s: Suppression): void {
    const list = this.#byDetector.get(s.detector) ?? [];
    list.push(s);
    this.#byDetector.set(s.detector, list);
  }

  remove(id: number): void {
    for (const [detector, list] of this.#byDetector) {
      this.#byDetector.set(
        detector,
        list.filter((s) => s.id !== id),
      );
    }
  }

  get size(): number {
    let n = 0;
    for (const list of this.#byDetector.values()) n += list.length;
    return n;
  }

  /** The suppression that covers `anomaly` at `now`, if any. */
  match(anomaly: Pick<Anomaly, "detector" | "key" | "templateId">, now: number): Suppression | undefined {
    const list = this.#byDetector.get(anomaly.detector);
    if (!list) return undefined;
    return list.find(
      (s) =>
        (s.expiresAt === null || s.expiresAt > now) &&
        (s.key === null || s.key === anomaly.key) &&
        (s.templateId === null || s.templateId === (anomaly.templateId ?? null)),
    );
  }

  /** Drops the suppressed anomalies, counting them. */
  filter<T extends Pick<Anomaly, "detector" | "key" | "templateId">>(
    anomalies: readonly T[],
    now: number,
  ): T[] {
    if (this.#byDetector.size === 0) return [...anomalies];
    return anomalies.filter((a) => {
      if (!this.match(a, now)) return true;
      this.suppressed.set(a.detector, (this.suppressed.get(a.detector) ?? 0) + 1);
      return false;
    });
  }
}
