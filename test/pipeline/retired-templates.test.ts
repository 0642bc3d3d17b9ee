import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { ingestLogs } from "../../src/service/ingest.js";
import { loghubFile } from "../helpers/loghub.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";

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
    const missing = await sql<{ template_id: string }>`select distinct l.template_id from logs l
      where l.template_id is not null
        and not exists (select 1 from templates t where t.template_id = l.template_id)`.execute(db);
    expect(missing.rows).toEqual([]);
    // The retired ones say what they became, and what they became is a live row.
    const retired = await db
      .selectFrom("templates as t")
      .innerJoin("templates as live", "live.template_id", "t.replaced_by")
      .select(["t.template_id", "live.template_id as live_id"])
      .execute();
    expect(retired.length).toBeGreaterThan(0);
  });
});
