import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import {
  brokerControl,
  deleteTriageQueues,
  rabbitmqAvailable,
  TEST_RABBITMQ_URL,
} from "../helpers/rabbitmq.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "broker-restart-token-0123456789abcdef";
const BATCH = 500;

let serve: ServeProcess | undefined;
let dir = "";
let prefix = "";
let control: ReturnType<typeof brokerControl> = null;

afterAll(async () => {
  await serve?.stop("SIGKILL");
  // Whatever happened above, the broker is left running for the tests after this one.
  control?.("start_app");
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (prefix) {
    await deleteTriageQueues(prefix);
  }
});

describe("triage over RabbitMQ while the broker restarts", () => {
  it("answers 503 with Retry-After while it is down, reconnects by itself and triages every accepted alert once", async (ctx) => {
    if (!(await rabbitmqAvailable())) ctx.skip();
    control = brokerControl("broker restart");
    if (!control) ctx.skip();
    dir = mkdtempSync(join(tmpdir(), "logwarden-broker-"));
    prefix = `restart-${process.pid}-${Date.now()}.`;
    serve = await startServe(
      {
        DATA_DIR: dir,
        API_TOKEN: TOKEN,
        TRIAGE_TRANSPORT: "rabbitmq",
        TRIAGE_RABBITMQ_URL: TEST_RABBITMQ_URL,
        TRIAGE_QUEUE_PREFIX: prefix,
      },
      60_000,
    );
    const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    let next = 0;
    const post = (n: number) => {
      const body = Array.from({ length: n }, () => ({
        alert_id: `restart-${next++}`,
        source_ip: "45.33.32.156",
        severity: "high",
      }));
      return fetch(`${serve!.url}/api/v1/alerts`, { method: "POST", headers, body: JSON.stringify(body) });
    };
    const accepted = new Set<string>();
    const send = async () => {
      const res = await post(BATCH);
      if (res.status === 202)
        for (const id of ((await res.json()) as { alert_ids: string[] }).alert_ids) accepted.add(id);
      return res;
    };
    const triaged = async () =>
      (
        (await (await fetch(`${serve!.url}/api/v1/alerts?status=triaged&limit=1`, { headers })).json()) as {
          total: number;
        }
      ).total;

    expect((await send()).status).toBe(202);
    control!("stop_app");
    const refused = await waitFor(
      async () => {
        const res = await send();
        return res.status === 503 ? res : null;
      },
      "the intake refusing while the broker is down",
      30_000,
      200,
    );
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe("unavailable");
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
    const health = (await (await fetch(`${serve!.url}/health`)).json()) as {
      stages: Record<string, { status: string }>;
    };
    expect(health.stages["alert-normalizer"]?.status).toBe("unhealthy");

    control!("start_app");
    // No restart of the node: it reconnects on its own and the intake takes alerts again.
    await waitFor(async () => (await send()).status === 202, "the intake accepting again", 90_000, 500);
    expect((await send()).status).toBe(202);
    await waitFor(
      async () => (await triaged()) === accepted.size,
      "every accepted alert triaged",
      60_000,
      250,
    );
    // Refused batches left nothing behind: every stored alert is one a 202 acknowledged.
    const all = (await (await fetch(`${serve!.url}/api/v1/alerts?limit=1`, { headers })).json()) as {
      total: number;
    };
    expect(all.total).toBe(accepted.size);
  }, 240_000);
});
