import { afterEach, describe, expect, it } from "vitest";
import { deleteTriageQueues, rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { waitFor } from "../helpers/wait.js";

let server: TestServer | undefined;
let prefix = "";
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (!prefix) return;
  await deleteTriageQueues(prefix);
  prefix = "";
});

describe("triage over RabbitMQ", () => {
  it("runs the stages through the broker's queues end to end", async (ctx) => {
    if (!(await rabbitmqAvailable())) ctx.skip();
    // A prefix of its own, so a parallel run of this suite never consumes this run's messages.
    prefix = `test-${process.pid}-${Date.now()}.`;
    server = await startTestServer({
      TRIAGE_TRANSPORT: "rabbitmq",
      TRIAGE_RABBITMQ_URL: TEST_RABBITMQ_URL,
      TRIAGE_QUEUE_PREFIX: prefix,
    });
    const res = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: [
        { alert_id: "mq-1", source_ip: "45.33.32.156", user_id: "u-1", severity: "high" },
        { alert_id: "mq-2", source_ip: "10.0.0.1" },
      ],
    });
    expect(res.statusCode).toBe(202);
    await waitFor(async () => {
      const list = (await server!.app.inject({ url: "/api/v1/alerts?status=triaged", headers: auth })).json();
      return list.total === 2;
    }, "both alerts triaged through the broker");
    const a = (await server.app.inject({ url: "/api/v1/alerts/mq-1", headers: auth })).json();
    expect(a.context.map((c: { context_type: string }) => c.context_type).sort()).toEqual([
      "network",
      "user",
    ]);
    expect(a.threat_intel).toHaveLength(1);
    expect(a.triage.risk_level).toBeDefined();
    const health = (await server.app.inject({ url: "/health" })).json();
    expect(Object.values(health.stages).every((s) => (s as { status: string }).status === "healthy")).toBe(
      true,
    );
  });
});
