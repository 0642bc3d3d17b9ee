import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/db.js";
import { startSealThread } from "../../../src/store/segments/seal-thread.js";
import type { SealWorkerMessage } from "../../../src/store/segments/seal-worker.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { lineToAppend } from "../../helpers/records.js";

const record = (i: number) =>
  lineToAppend(
    new Date(Date.parse("2026-05-04T10:00:00Z") + i * 1000).toISOString(),
    `user u${i} logged in`,
    "api",
    {
      templateId: "t1",
      template: "user <*> logged in",
    },
  );

describe("sealing thread", () => {
  it("seals another connection's batches on its own thread and stops when asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "logwarden-seal-thread-"));
    const path = join(dir, "logwarden.db");
    const store = openStore({ url: path });
    try {
      await store.migrate();
      const logs = segmentLogStore(store, { segmentLines: 100 });
      for (let b = 0; b < 5; b++)
        await store.transaction((tx) =>
          logs.append(
            tx,
            Array.from({ length: 60 }, (_, i) => record(b * 60 + i)),
            new Date().toISOString(),
          ),
        );
      const messages: SealWorkerMessage[] = [];
      const errors: Error[] = [];
      const sealedAll = new Promise<void>((resolve) => {
        let lines = 0;
        const thread = startSealThread(
          {
            store: { databaseUrl: path, dataDir: dir, sqliteCacheMb: 8 },
            segmentLines: 100,
            sealAfterSeconds: 3600,
            checkMs: 50,
          },
          (m) => {
            messages.push(m);
            if (m.type === "sealed") lines += m.lines;
            if (lines >= 300) void thread.stop().then(resolve);
          },
          (e) => errors.push(e),
        );
      });
      await sealedAll;
      expect(errors).toEqual([]);
      expect(messages.at(-1)).toEqual({ type: "stopped" });
      // All 300 lines were due (more than a segment waiting), sealed by the thread, not by their age.
      const rows = await store.db.selectFrom("log_segments").select(["first_ref", "count"]).execute();
      expect(rows.reduce((a, r) => a + Number(r.count), 0)).toBeGreaterThanOrEqual(300);
      expect((await logs.get([1, 150, 300])).map((r) => r.message)).toEqual([
        "user u0 logged in",
        "user u149 logged in",
        "user u299 logged in",
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
