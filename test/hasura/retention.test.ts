import { sql } from "kysely";
import type { Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { queryHash } from "../../src/hasura/hash.js";
import { HasuraService } from "../../src/hasura/service.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";
import { ddnBody, INVOICES_QUERY, invoice, invoices } from "./ddn-payloads.js";

let ts: TestStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

const DAY = 86_400_000;

describe("hasura: retention (contract §4.11)", () => {
  it("removes old histories, analyses (children first) and models, honouring each setting", async () => {
    ts = await sqliteTestStore();
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    const config = loadConfig({
      env: {
        RETENTION_DAYS: "99",
        HISTORICAL_RETENTION_DAYS: "14",
        MINIMUM_TRAINING_RECORDS: "5",
        STORAGE_FILES: "false",
      },
    });
    expect(config.hasura.historicalRetentionDays).toBe(14);
    expect(config.hasura).toMatchObject({
      anomalyRetentionDays: 90,
      modelRetentionDays: 360,
      anomalyThreshold: 0.1,
    });
    const service = new HasuraService(config.hasura, ts.store, clock, createLogger("silent") as Logger);
    const hash = queryHash(INVOICES_QUERY);
    const ctx = {
      query: INVOICES_QUERY,
      queryHash: hash,
      variables: null,
      operationName: "RecentInvoices",
      user: "7",
      role: "user",
      timestamp: service.now(),
      rawRequest: null,
    };
    await service.processAnomalies(ctx, ddnBody({ invoices: invoices(1, 30) }).response.data);
    await service.processAnomalies(ctx, { invoices: [{ ...invoice(2), total: 1e7 }] });
    const count = async (table: string) =>
      Number(
        (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(ts!.store.db))
          .rows[0]!.n,
      );
    expect(await count("anomaly_analyses")).toBeGreaterThan(0);
    expect(await count("value_distributions")).toBeGreaterThan(0);

    clock.advance(20 * DAY);
    let summary = await service.cleanup();
    expect(summary).toMatchObject({
      historical_records_removed: 31,
      anomaly_records_removed: 0,
      models_removed: 0,
      retention_periods: { historical_days: 14, anomaly_days: 90, model_days: 360 },
    });
    expect(await count("historical_data")).toBe(0);

    clock.advance(400 * DAY);
    summary = await service.cleanup();
    expect(summary.anomaly_records_removed).toBeGreaterThan(0);
    expect(summary.models_removed).toBe(1);
    for (const table of [
      "anomaly_analyses",
      "anomaly_records",
      "field_statistics",
      "value_distributions",
      "trained_models",
    ]) {
      expect(await count(table), table).toBe(0);
    }
    expect((await service.modelInfo(hash)).status).toBe("no_model");
  });
});
