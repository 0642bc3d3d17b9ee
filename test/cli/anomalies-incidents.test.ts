import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { runCli } from "../helpers/cli.js";
import { ATTACKER, OTHER_ADDRESS, twoEntityFindings } from "../helpers/incident-findings.js";

const dataDir = mkdtempSync(join(tmpdir(), "logwarden-anomaly-incidents-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { DATA_DIR: dataDir };
const T0 = Date.parse("2026-03-01T10:00:00Z");
const RANGE = ["--since", "2026-03-01T09:00:00Z", "--until", "2026-03-01T14:00:00Z"];

beforeAll(async () => {
  const store = openStore({ url: join(dataDir, "logwarden.db") });
  await store.migrate();
  await storeAnomalies(store.db, twoEntityFindings(T0), new Date(T0).toISOString());
  await store.close();
});

describe("logwarden anomalies incidents", () => {
  it("groups the stored findings by the address and account they concern, newest incident first", async () => {
    const json = await runCli(["anomalies", "incidents", ...RANGE, "--json"], { env });
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page).toMatchObject({ window_secs: 1800, findings: 4, truncated: false, total: 2 });
    const [bob, alice] = page.incidents;
    expect(bob).toMatchObject({ entities: [`ip:${OTHER_ADDRESS}`, "user:bob"], detectors: ["brute_force"] });
    expect(bob.anomaly_ids).toHaveLength(1);
    expect(alice.entities).toEqual([`ip:${ATTACKER}`, "user:alice"]);
    expect(alice.detectors).toEqual(["brute_force", "success_after_failures", "new_source_ip"]);
    expect(alice.anomaly_ids).toHaveLength(3);
    expect(alice).toMatchObject({ start: "2026-03-01T10:00:00.000Z", end: "2026-03-01T10:11:00.000Z" });

    const text = await runCli(["anomalies", "incidents", ...RANGE], { env });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "2 incidents from 4 anomalies between 2026-03-01T09:00:00.000Z and 2026-03-01T14:00:00.000Z (window 1800 s)",
    );
    expect(lines[1]).toMatch(/^ID\s+SEVERITY\s+SCORE\s+START\s+END\s+FINDINGS\s+ENTITIES\s+DETECTORS$/);
    expect(lines[2]).toContain(`ip:${OTHER_ADDRESS},user:bob`);
    expect(lines[3]).toMatch(
      /\s3\s+ip:203\.0\.113\.66,user:alice\s+brute_force,success_after_failures,new_source_ip$/,
    );
  });

  it("follows --window-secs and --limit", async () => {
    // Alice's findings are 10 and 1 minutes apart: a 60 s window splits off the brute force only.
    const narrow = await runCli(["anomalies", "incidents", ...RANGE, "--window-secs", "60", "--json"], {
      env,
    });
    expect(narrow.code, narrow.stderr).toBe(0);
    expect(
      JSON.parse(narrow.stdout).incidents.map((i: { anomaly_ids: number[] }) => i.anomaly_ids.length),
    ).toEqual([1, 2, 1]);
    const one = await runCli(["anomalies", "incidents", ...RANGE, "--limit", "1"], { env });
    expect(one.stdout).toContain("(1 of 2; raise --limit");
    // The default window ends now: these 2026-03-01 findings are long past a day back.
    const none = await runCli(["anomalies", "incidents", "--until", "2026-03-01T09:00:00Z"], { env });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/^0 incidents from 0 anomalies between 2026-02-28T09:00:00.000Z/);
  });

  it("refuses bad flags, naming them", async () => {
    const window = await runCli(["anomalies", "incidents", "--window-secs", "5"], { env });
    expect(window.code).not.toBe(0);
    expect(window.stderr).toMatch(/--window-secs must be an integer from 60 to 86400/);
    const since = await runCli(["anomalies", "incidents", "--since", "yesterday"], { env });
    expect(since.stderr).toMatch(/--since must be an ISO-8601 time/);
    const reversed = await runCli(
      ["anomalies", "incidents", "--since", "2026-03-02T00:00:00Z", "--until", "2026-03-01T00:00:00Z"],
      { env },
    );
    expect(reversed.code).not.toBe(0);
    expect(reversed.stderr).toMatch(/since must be before until/);
  });
});
