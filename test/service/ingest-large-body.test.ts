import { afterEach, describe, expect, it } from "vitest";
import { ingestLogs } from "../../src/service/ingest.js";
import type { IngestLog } from "../../src/service/ingest-records.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";

// A quarter of a million lines of one service: spreading one argument per line into Math.max threw
// "Maximum call stack size exceeded" after the lines were committed, so the client saw a 500 for stored
// lines and its retry duplicated them.
describe("ingestLogs with one very large request", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("scores 250,000 lines of one service without overflowing the stack", async () => {
    server = await startTestServer({ INGEST_BATCH_SIZE: "50000" });
    const logs: IngestLog[] = Array.from({ length: 250_000 }, (_, i) => ({
      service: "bulk",
      level: "INFO",
      message: `request ${i % 7} served in ${i % 100} ms`,
    }));
    const response = await ingestLogs(server.rt, logs);
    expect(response.ingested).toBe(250_000);
    expect(response.scores).toHaveLength(1);
    expect(response.scores[0]!.service).toBe("bulk");
    // Counted through the log store the server runs (segments, the default for a new data dir).
    expect(await server.rt.logs.countBy({}, "service")).toEqual([{ value: "bulk", count: 250_000 }]);
  }, 120_000);
});
