import type { DeliveryItem, DeliveryOutcome, Sink } from "../../src/core/sink.js";

/** A sink whose answers the test scripts; records every batch it is handed. */
export class ScriptedSink implements Sink {
  readonly type = "scripted";
  readonly batches: DeliveryItem[][] = [];
  answer: (item: DeliveryItem) => DeliveryOutcome = () => ({ ok: true });
  constructor(
    readonly name: string,
    readonly route: Sink["route"] = { minSeverity: "low" },
    readonly maxAttempts = 5,
    readonly batchSize = 10,
  ) {}
  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    this.batches.push([...items]);
    return items.map((i) => this.answer(i));
  }
  /** Anomaly ids in the order they were handed over, repeats included. */
  anomalyIds(): number[] {
    return this.batches.flat().map((i) => i.anomaly.id);
  }
  async close(): Promise<void> {}
}
