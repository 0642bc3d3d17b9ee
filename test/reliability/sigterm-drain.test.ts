import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startServe } from "../helpers/cli.js";
import { ADMIN_TOKEN, IngestClient } from "./ndjson-client.js";
import { type ProbeTarget, sqliteTarget } from "./store-probe.js";

// SIGTERM drains: every request the server took is answered and its lines committed before exit 0.
describe("SIGTERM while an ingest request is in flight", () => {
  let target: ProbeTarget | undefined;
  afterAll(async () => {
    await target?.cleanup();
  });

  it("answers it, stores everything acknowledged exactly once, and exits 0", async () => {
    target = sqliteTarget();
    const server = await startServe({ ...target.env, API_TOKEN: ADMIN_TOKEN }, 60_000);
    const client = new IngestClient(500);
    for (let i = 0; i < 4; i++) await client.send(server.url);
    // A body big enough to still be in the pipeline when the signal lands.
    const inFlight = client.send(server.url, 30_000).then((ok) => ({ ok, answeredAt: Date.now() }));
    await sleep(300);
    const signalledAt = Date.now();
    const exit = server.stop("SIGTERM").then((code) => ({ code, exitedAt: Date.now() }));
    const [{ ok: acknowledged, answeredAt }, { code, exitedAt }] = await Promise.all([inFlight, exit]);
    // Otherwise the test proved nothing about draining: the answer must come after the signal.
    expect(answeredAt).toBeGreaterThan(signalledAt);
    console.info(
      `[reliability] sigterm: in-flight 30,000-line request acknowledged=${acknowledged}, exit ${code} ${exitedAt - answeredAt} ms after the answer, ${client.acknowledged.size} lines acknowledged`,
    );
    expect(code).toBe(0);
    expect(acknowledged).toBe(true);
    // The connection of the drained request is closed once answered, not kept alive until
    // keepAliveTimeout (72 s): the exit came 70 s after the answer before.
    expect(exitedAt - answeredAt).toBeLessThan(10_000);
    const stored = await target.snapshot();
    const missing = [...client.acknowledged].filter((seq) => !stored.rowsPerSeq.has(seq));
    expect(missing).toEqual([]);
    expect([...stored.rowsPerSeq.values()].filter((n) => n > 1)).toEqual([]);
    expect(client.acknowledged.size).toBe(32_000);
  }, 120_000);
});
