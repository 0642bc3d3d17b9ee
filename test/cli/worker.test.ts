import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, runCli, serveEntry } from "../helpers/cli.js";
import { deleteTriageQueues, rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";

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

  it("consumes until SIGTERM, then finishes and exits 0", async (ctx) => {
    if (!(await rabbitmqAvailable())) ctx.skip();
    const prefix = `worker-${process.pid}-${Date.now()}.`;
    const child = spawn(process.execPath, [...serveEntry(), "worker", "triage"], {
      cwd: REPO,
      env: {
        ...process.env,
        LOG_LEVEL: "info",
        DATA_DIR: dir,
        TRIAGE_TRANSPORT: "rabbitmq",
        TRIAGE_RABBITMQ_URL: TEST_RABBITMQ_URL,
        TRIAGE_QUEUE_PREFIX: prefix,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${stderr}`)), 30_000);
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("triage worker consuming")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain("shutdown complete");
    await deleteTriageQueues(prefix);
  });
});
