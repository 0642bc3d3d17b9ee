import { describe, expect, it } from "vitest";
import { loadPartitionStates, savePartitionStates } from "../../src/store/repos/partition-state.js";
import { DIALECTS, postgresAvailable } from "../helpers/stores.js";

const hasPostgres = await postgresAvailable();
const NOW = "2026-11-28T12:00:00.000Z";

/** A detector's state keyed by many addresses, as the shared row holds them. */
const large = {
  failures: Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`10.${i >> 8}.${i & 255}.7`, i])),
};
const small = { templates: ["a <*> b"], count: 3 };

describe.each(DIALECTS)("saved state rows ($name)", ({ open, needsPostgres }) => {
  it.skipIf(needsPostgres && !hasPostgres)(
    "stores a large row compressed and a small one as text, and reads both back, as well as rows saved before",
    async () => {
      const { store, cleanup } = await open();
      try {
        await savePartitionStates(
          store.db,
          [
            { partition: "__shared__", value: large, batchId: 7 },
            { partition: "sshd", value: small, batchId: 7 },
          ],
          NOW,
        );
        const raw = await store.db
          .selectFrom("partition_state")
          .select(["partition", "value", "packed"])
          .orderBy("partition")
          .execute();
        const [shared, sshd] = raw;
        const jsonChars = JSON.stringify(large).length;
        expect(shared?.value).toBe("");
        expect(shared?.packed?.byteLength).toBeLessThan(jsonChars / 3);
        expect(sshd?.packed).toBeNull();
        expect(JSON.parse(sshd?.value ?? "null")).toEqual(small);
        // A row written before the packed column existed: text only.
        await store.db
          .insertInto("partition_state")
          .values({ partition: "older", value: JSON.stringify(large), batch_id: 3, updated_at: NOW })
          .execute();
        expect(await loadPartitionStates(store.db)).toEqual([
          { partition: "__shared__", value: large, batchId: 7 },
          { partition: "older", value: large, batchId: 3 },
          { partition: "sshd", value: small, batchId: 7 },
        ]);
        // Without packing (pack false), a large row is text, read back the same.
        await savePartitionStates(
          store.db,
          [{ partition: "unpacked", value: large, batchId: 9 }],
          NOW,
          false,
        );
        const unpacked = await store.db
          .selectFrom("partition_state")
          .select(["value", "packed"])
          .where("partition", "=", "unpacked")
          .executeTakeFirstOrThrow();
        expect(unpacked.packed).toBeNull();
        expect(await loadPartitionStates(store.db, ["unpacked"])).toEqual([
          { partition: "unpacked", value: large, batchId: 9 },
        ]);
        // Shrinking below the size writes text again and clears the compressed copy.
        await savePartitionStates(store.db, [{ partition: "__shared__", value: small, batchId: 8 }], NOW);
        expect(await loadPartitionStates(store.db, ["__shared__"])).toEqual([
          { partition: "__shared__", value: small, batchId: 8 },
        ]);
      } finally {
        await cleanup();
      }
    },
  );
});
