import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dataDir = mkdtempSync(join(tmpdir(), "logwarden-token-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { DATA_DIR: dataDir };

describe("logwarden token", () => {
  it("creates (shown once), lists (never the secret) and revokes tokens", async () => {
    const created = await runCli(
      ["token", "create", "--name", "ci reader", "--scopes", "read,ingest", "--json"],
      { env },
    );
    expect(created.code, created.stderr).toBe(0);
    const { id, token, scopes } = JSON.parse(created.stdout);
    expect(token).toMatch(/^lw_/);
    expect(scopes).toEqual(["read", "ingest"]);

    const list = await runCli(["token", "list"], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ID\s+NAME\s+SCOPES/);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci reader\\s+read,ingest\\s.*active$`, "m"));
    expect(list.stdout).not.toContain(token);

    const revoked = await runCli(["token", "revoke", String(id)], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${id}`);
    const json = JSON.parse((await runCli(["token", "list", "--json"], { env })).stdout);
    expect(json[0].revokedAt).toMatch(/Z$/);

    const again = await runCli(["token", "revoke", String(id)], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already revoked/);
    const bad = await runCli(["token", "create", "--name", "x", "--scopes", "root"], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--scopes must list read, ingest, admin/);
  });
});
