import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { AUTH_ERRORS } from "../helpers/samples.js";

// A data dir per test, so a retry starts afresh (a retry on the first attempt's dir found its token taken),
// and every server a test started is stopped, also when it failed half-way.
const dirs: string[] = [];
const servers: ServeProcess[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-serve-"));
  dirs.push(dir);
  return dir;
}
async function serve(env: Record<string, string>): Promise<ServeProcess> {
  const server = await startServe(env);
  servers.push(server);
  return server;
}
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.child.exitCode === null) await server.stop("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SAMPLE = AUTH_ERRORS;

describe("logwarden serve (a real process)", () => {
  // Two starts of a real server and a drain: on CI's Node 24 and 26 legs, at nice 19 beside the soak's
  // server, they took more than the default 30 s once.
  it("prints a one-time admin token on first start, serves the contract, drains on SIGTERM and keeps data", {
    timeout: 90_000,
  }, async () => {
    const dataDir = freshDataDir();
    const first = await serve({ DATA_DIR: dataDir });
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

    const second = await serve({ DATA_DIR: dataDir });
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
    await expect(serve({ DATA_DIR: freshDataDir(), PORT: "eighty" })).rejects.toThrow(/PORT/);
  });
});
