import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ingestLogs } from "../../src/service/ingest.js";
import { loghubFile } from "../helpers/loghub.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords } from "../helpers/stored-logs.js";

const OPENSSH = readFileSync(loghubFile("OpenSSH"), "utf8").split("\n").filter(Boolean);

// Found by the crash harness (test/reliability/): a template created and generalised within one batch was
// never live at a save, so its first lines pointed at a template id that `templates` never had.
describe("templates of committed lines", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("has a row for every template id a stored line carries, right after the batch commits", async () => {
    server = await startTestServer();
    await ingestLogs(
      server.rt,
      OPENSSH.slice(0, 400).map((message) => ({ service: "sshd", message })),
    );
    const db = server.rt.store.db;
    // Every template id a stored line carries (read through the log store the server runs) has a row.
    const carried = [
      ...new Set(
        (await allStoredRecords(server.rt.logs)).flatMap((r) => (r.templateId ? [r.templateId] : [])),
      ),
    ];
    expect(carried.length).toBeGreaterThan(0);
    const rows = await db
      .selectFrom("templates")
      .select("template_id")
      .where("template_id", "in", carried)
      .execute();
    expect(carried.filter((id) => !rows.some((r) => r.template_id === id))).toEqual([]);
    // The retired ones say what they became, and what they became is a live row.
    const retired = await db
      .selectFrom("templates as t")
      .innerJoin("templates as live", "live.template_id", "t.replaced_by")
      .select(["t.template_id", "live.template_id as live_id"])
      .execute();
    expect(retired.length).toBeGreaterThan(0);
  });
});
