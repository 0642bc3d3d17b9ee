import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServe } from "../helpers/cli.js";
import { AUTH_ERRORS } from "../helpers/samples.js";

const dataDir = mkdtempSync(join(tmpdir(), "logwarden-serve-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const SAMPLE = AUTH_ERRORS;

describe("logwarden serve (a real process)", () => {
  it("prints a one-time admin token on first start, serves the contract, drains on SIGTERM and keeps data", async () => {
    const first = await startServe({ DATA_DIR: dataDir });
    const token = /\b(lw_[A-Za-z0-9_-]{20,})/.exec(first.stdout())?.[1];
    expect(token, first.stdout()).toBeDefined();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

    const posts = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${first.url}/ingest`, { method: "POST", headers, body: JSON.stringify(SAMPLE) }),
      ),
    );
    expect(posts.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(first.stderr()).toContain("shutdown complete");

    const second = await startServe({ DATA_DIR: dataDir });
    expect(second.stdout()).not.toMatch(/lw_/);
    const incidents = (await (await fetch(`${second.url}/incidents`, { headers })).json()) as unknown[];
    expect(incidents).toHaveLength(5);
    const meta = (await (await fetch(`${second.url}/meta`, { headers })).json()) as Record<string, unknown>;
    expect(Object.keys(meta).sort()).toEqual(["git", "model", "started_at"]);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
    expect((await fetch(`${second.url}/incidents`)).status).toBe(401);
    expect(await second.stop("SIGINT")).toBe(0);
  });

  it("fails fast on invalid configuration, naming the key", async () => {
    await expect(startServe({ DATA_DIR: dataDir, PORT: "eighty" })).rejects.toThrow(/PORT/);
  });
});
