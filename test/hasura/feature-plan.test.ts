import { describe, expect, it } from "vitest";
import { invoices, orders, type QueryShape, requests } from "../../bench/detect/hasura/query-shapes.js";
import type { JsonObject } from "../../src/core/json.js";
import { Random } from "../../src/detectors/isolation-forest/index.js";
import { planFeatures } from "../../src/hasura/feature-plan.js";
import { extractFeatures } from "../../src/hasura/features.js";
import { decodeModel, encodeModel, scoreRecord, trainModel } from "../../src/hasura/model.js";

const rolesOf = (records: JsonObject[]) => {
  const plan = planFeatures(records);
  return Object.fromEntries([...plan.features, ...plan.dropped].map((f) => [f.key, f.role]));
};

describe("Hasura feature plan: what a query's history says each key is", () => {
  it("leaves out identifiers and timestamps, keeps magnitudes and categories", () => {
    const r = new Random(7);
    const history = Array.from({ length: 200 }, (_, i) => ({
      id: i + 1,
      seq: 5000 + i,
      uuid: `${i.toString(16)}-${r.nextInt(1e9)}`,
      created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      timestamp: 1_700_000_000_000 + i * 1000,
      amount: Math.round(100 * Math.exp(r.nextDouble())),
      runtime_ms: 20 + r.nextInt(30),
      status: ["ok", "ok", "retry"][r.nextInt(3)]!,
      tags: ["a", "b"].slice(0, 1 + r.nextInt(2)),
      paid: r.nextDouble() > 0.5,
    }));
    expect(rolesOf(history)).toEqual({
      id: "identifier",
      seq: "identifier",
      uuid: "identifier",
      created_at: "timestamp",
      timestamp: "timestamp",
      amount: "magnitude",
      runtime_ms: "magnitude",
      status: "category",
      tags: "magnitude",
      paid: "magnitude",
    });
  });

  it("does not take amounts that happen to be distinct whole numbers for a sequence", () => {
    const r = new Random(3);
    const history = Array.from({ length: 100 }, () => ({ cents: 1000 + r.nextInt(1_000_000) }));
    expect(rolesOf(history)).toEqual({ cents: "magnitude" });
  });
});

/** A history of `n` rows of a shape, then 28 new normal rows and its planted outliers. */
function judge(shape: QueryShape, seed: number) {
  const r = new Random(seed);
  const history = Array.from({ length: 300 }, (_, i) => shape.normal(i, r)) as JsonObject[];
  const model = trainModel(history, 0.1, "2025-01-01T00:00:00.000000");
  const score = (row: JsonObject) => scoreRecord(model, row, extractFeatures(row));
  const normal = Array.from({ length: 28 }, (_, k) => shape.normal(300 + k, r) as JsonObject).map(score);
  const outliers = (shape.outliers(328, r) as JsonObject[]).map(score);
  return { model, normal, outliers };
}

describe("Hasura model: a live table's next rows are normal, planted outliers are not", () => {
  for (const shape of [invoices, orders, requests]) {
    it(`${shape.name}: flags both outliers, naming their features, and at most 1 normal row in 28`, () => {
      const { normal, outliers } = judge(shape, 11);
      expect(normal.filter((s) => s.isAnomaly).length).toBeLessThanOrEqual(1);
      for (const o of outliers) {
        expect(o.isAnomaly).toBe(true);
        expect(o.reasons?.length).toBeGreaterThan(0);
        for (const reason of o.reasons!) expect(reason.typical).toMatch(/median|never seen|of the history/);
      }
    });
  }

  it("names the feature that is out of line, with its value and the history's typical value", () => {
    const { outliers } = judge(requests, 5);
    const slow = outliers[0]!;
    expect(slow.reasons![0]).toMatchObject({ name: "latency_ms", role: "magnitude", value: 29_874 });
    expect(slow.reasons![0]!.deviations).toBeGreaterThan(6);
  });

  it("saves the plan with the model and reads a model saved before plans", () => {
    const { model } = judge(invoices, 2);
    const back = decodeModel(encodeModel(model))!;
    expect(back.plan).toEqual(model.plan);
    expect(back.offset).toBe(model.offset);
    const row = invoices.normal(400, new Random(1)) as JsonObject;
    expect(scoreRecord(back, row, extractFeatures(row)).score).toBe(
      scoreRecord(model, row, extractFeatures(row)).score,
    );

    // Version 1 (no plan): judged on the contract's vector with its forest's own offset.
    const v2 = JSON.parse(encodeModel(model).toString("utf8"));
    const legacy = trainModel(
      Array.from({ length: 120 }, (_, i) => ({ a: i % 7, b: (i * 13) % 11 })),
      0.1,
      "2025-01-01T00:00:00.000000",
    );
    const v1 = {
      format: v2.format,
      version: 1,
      timestamp: legacy.timestamp,
      num_records: legacy.numRecords,
      num_features: legacy.numFeatures,
      scaler: legacy.scaler!.toJSON(),
      forest: legacy.forest!.toJSON(),
    };
    const old = decodeModel(Buffer.from(JSON.stringify(v1)))!;
    expect(old.plan).toBeNull();
    expect(old.offset).toBe(legacy.forest!.offset);
    expect(typeof scoreRecord(old, { a: 3, b: 4 }, [3, 4]).isAnomaly).toBe("boolean");
  });
});
