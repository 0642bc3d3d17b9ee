import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "logwarden-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("logwarden worker triage", () => {
  it("refuses to start without the RabbitMQ transport, naming the setting, with exit code 2", async () => {
    const r = await runCli(["worker", "triage"], { env: { DATA_DIR: dir, TRIAGE_TRANSPORT: "inprocess" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("TRIAGE_TRANSPORT");
    expect(r.stderr).toContain("'rabbitmq'");
    expect(r.stderr).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it("fails with a one-line message when the broker does not answer", async () => {
    const r = await runCli(["worker", "triage"], {
      env: {
        DATA_DIR: dir,
        TRIAGE_TRANSPORT: "rabbitmq",
        // A port nothing listens on: connection refused at once.
        TRIAGE_RABBITMQ_URL: "amqp://guest:guest@127.0.0.1:1/",
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^logwarden: .*ECONNREFUSED/m);
    expect(r.stderr).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
