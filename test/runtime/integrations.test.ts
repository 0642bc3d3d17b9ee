import { afterEach, describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/core/log-record.js";
import { type Integrations, startIntegrations } from "../../src/runtime/integrations.js";
import { listDeliveries } from "../../src/store/repos/deliveries.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { waitFor } from "../helpers/wait.js";

let server: TestServer | undefined;
let integrations: Integrations | undefined;
let rx: Receiver | undefined;

afterEach(async () => {
  await integrations?.stop();
  await server?.close();
  await rx?.close();
  integrations = undefined;
  server = undefined;
  rx = undefined;
});

function errors(n: number): LogRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: `2026-02-01T09:30:${String(i).padStart(2, "0")}.000Z`,
    observedTimestamp: "2026-02-01T09:31:00.000Z",
    severityText: "ERROR",
    severityNumber: 17,
    body: `invalid password for user ${i}`,
    attributes: {},
    resource: { "service.name": "auth" },
  }));
}

describe("anomalies from the pipeline reach the sinks", () => {
  it("delivers new anomalies to the env-configured webhook, signed, and records the delivery", async () => {
    rx = await startReceiver();
    server = await startTestServer({
      WEBHOOK_URL: `${rx.url}/hook`,
      WEBHOOK_SECRET: "k",
      ERROR_BURST_THRESHOLD: "5",
    });
    integrations = await startIntegrations(server.rt);
    expect(integrations.dispatcher?.sinks.map((s) => s.name)).toEqual(["webhook"]);
    await server.rt.pipeline.submit(errors(10));
    await waitFor(() => rx!.requests.length > 0, "the webhook call");
    const body = JSON.parse(rx.requests[0]!.body);
    expect(body).toMatchObject({ detector: "error_burst", service: "auth", source: "logwarden" });
    expect(rx.requests[0]!.headers["x-logwarden-signature"]).toMatch(/^sha256=/);
    await waitFor(
      async () => (await listDeliveries(server!.rt.store.db))[0]?.status === "delivered",
      "delivered row",
    );
  });
});
