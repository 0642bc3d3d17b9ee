import pino from "pino";
import { describe, expect, it } from "vitest";
import { StageRunner } from "../../src/triage/stage-runner.js";
import type { TriageMessage } from "../../src/triage/types.js";

const message = (id: string): TriageMessage => ({ alert: { alert_id: id }, enrichment: {} }) as TriageMessage;

function runner(handler: (batch: TriageMessage[]) => Promise<TriageMessage[]>) {
  const deadLettered: string[] = [];
  const r = new StageRunner("context-collector", "alert.normalized", handler, {
    batchSize: 10,
    maxAttempts: 2,
    retryBaseMs: 1,
    log: pino({ level: "silent" }),
    deadLetter: async (m) => {
      deadLettered.push(m.alert.alert_id);
    },
  });
  r.start();
  return { r, deadLettered };
}

describe("StageRunner hand-off", () => {
  it("acknowledges a batch only after the next stage took it", async () => {
    const { r } = runner(async (batch) => batch);
    const order: string[] = [];
    r.next = async (out) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push(`handed ${out.length}`);
    };
    r.push([message("a"), message("b")], (handled) => order.push(`settled ${handled}`));
    await r.settled();
    expect(order).toEqual(["handed 2", "settled true", "settled true"]);
  });

  it("gives a batch back, unacknowledged and not dead-lettered, when the hand-off fails", async () => {
    let calls = 0;
    const { r, deadLettered } = runner(async (batch) => {
      calls++;
      return batch;
    });
    r.next = async () => {
      throw new Error("channel closed");
    };
    const settled: boolean[] = [];
    r.push([message("a"), message("b")], (handled) => settled.push(handled));
    await r.settled();
    expect(settled).toEqual([false, false]);
    expect(deadLettered).toEqual([]);
    // The stage's work ran once: a broker failure is not retried as the alert's failure.
    expect(calls).toBe(1);
    expect(r.lastError).toBe("channel closed");
  });

  it("still dead-letters an alert whose own processing keeps failing, and acknowledges it", async () => {
    const { r, deadLettered } = runner(async (batch) => {
      if (batch.some((m) => m.alert.alert_id === "bad")) throw new Error("bad alert");
      return batch;
    });
    const handed: string[] = [];
    r.next = async (out) => {
      handed.push(...out.map((m) => m.alert.alert_id));
    };
    const settled: [string, boolean][] = [];
    for (const id of ["ok", "bad"]) r.push([message(id)], (handled) => settled.push([id, handled]));
    await r.settled();
    expect(deadLettered).toEqual(["bad"]);
    expect(handed).toEqual(["ok"]);
    expect(settled.sort()).toEqual([
      ["bad", true],
      ["ok", true],
    ]);
  });
});

describe("StageRunner and an alert delivered twice", () => {
  it("runs an alert once per batch and settles every copy with the one that ran", async () => {
    const seen: string[][] = [];
    const { r } = runner(async (batch) => {
      seen.push(batch.map((m) => m.alert.alert_id));
      return batch;
    });
    const handed: string[] = [];
    r.next = async (out) => {
      handed.push(...out.map((m) => m.alert.alert_id));
    };
    const settled: boolean[] = [];
    // One push: the five are queued before the stage takes its batch.
    r.push(["a", "b", "a", "c", "a"].map(message), (handled) => settled.push(handled));
    await r.settled();
    expect(seen).toEqual([["b", "c", "a"]]);
    expect(handed).toEqual(["b", "c", "a"]);
    expect(settled).toEqual([true, true, true, true, true]);
  });

  it("gives every copy back when the hand-off fails", async () => {
    const { r } = runner(async (batch) => batch);
    r.next = async () => {
      throw new Error("channel closed");
    };
    const settled: boolean[] = [];
    r.push([message("a"), message("a")], (handled) => settled.push(handled));
    await r.settled();
    expect(settled).toEqual([false, false]);
  });
});
