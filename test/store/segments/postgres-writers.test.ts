import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import type { Store } from "../../../src/store/db.js";
import type { SealStep } from "../../../src/store/segments/sealer.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { lineToAppend } from "../../helpers/records.js";
import { type SharedDatabase, sharedDatabaseCases } from "../../helpers/shared-database.js";
import { postgresAvailable } from "../../helpers/stores.js";

/** Issue 50 item 6: nodes on one PostgreSQL append without waiting on each other, and seal each batch once. */

function records(n: number, tag: string): RecordToAppend[] {
  return Array.from({ length: n }, (_, i) =>
    lineToAppend(new Date(Date.UTC(2026, 4, 4, 10, 0, 0, i)).toISOString(), `${tag} line ${i}`, tag),
  );
}

const STORED_AT = "2026-05-04T14:00:00.000Z";
const postgres = sharedDatabaseCases.find((c) => c.name === "postgres")!;

describe("segment store on one PostgreSQL, two nodes", () => {
  let shared: SharedDatabase | undefined;
  const opened: Store[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await shared?.cleanup();
    shared = undefined;
  });

  async function twoNodes(): Promise<[Store, Store]> {
    shared = await postgres.shared();
    const a = shared.open();
    opened.push(a);
    await a.migrate();
    const b = shared.open();
    opened.push(b);
    return [a, b];
  }

  it("a node's batch commits while another node's batch is still open (references come from their own statement)", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const [a, b] = await twoNodes();
    const logsA = segmentLogStore(a);
    const logsB = segmentLogStore(b);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let opening: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      opening = resolve;
    });
    // Node A opens its batch (its references taken) and then mines and detects for as long as it likes.
    const slow = a.transaction(async (tx) => {
      const appender = await logsA.openAppend!(tx, 3, STORED_AT);
      opening();
      await held;
      appender.add(records(3, "a"));
      await appender.finish();
      return appender.firstRef;
    });
    await opened;
    // Node B appends and commits meanwhile: before, it waited on A's lock of the reference row.
    const quick = await Promise.race([
      b.transaction((tx) => logsB.append(tx, records(4, "b"), STORED_AT)),
      new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), 5_000)),
    ]);
    release();
    const firstA = await slow;
    expect(quick).not.toBe("waited");
    const refsB = quick as number[];
    // Each batch's references are consecutive and the two runs are disjoint.
    expect(refsB).toEqual([refsB[0]!, refsB[0]! + 1, refsB[0]! + 2, refsB[0]! + 3]);
    expect(firstA + 2 < refsB[0]! || refsB.at(-1)! < firstA).toBe(true);
    expect((await logsB.get([firstA, firstA + 1, firstA + 2])).map((r) => r.message)).toEqual([
      "a line 0",
      "a line 1",
      "a line 2",
    ]);
  });

  it("a seal under way holds off the other nodes' seals of its schema, not a store's in another schema", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const [a, b] = await twoNodes();
    const other = await postgres.shared();
    const elsewhere = other.open();
    try {
      await elsewhere.migrate();
      for (const store of [a, elsewhere])
        await store.transaction((tx) => segmentLogStore(store).append(tx, records(5, "x"), STORED_AT));
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked: () => void = () => {};
      const holding = new Promise<void>((resolve) => {
        locked = resolve;
      });
      // Node A's seal under way: its transaction holds the schema's seal lock (as sealBatches takes it).
      const sealing = a.transaction(async (tx) => {
        await sql`select pg_advisory_xact_lock(${0x4c575345}, hashtext(current_schema()))`.execute(tx.db);
        locked();
        await held;
      });
      await holding;
      const seenByB = await segmentLogStore(b).seal();
      const seenElsewhere = await segmentLogStore(elsewhere).seal();
      release();
      await sealing;
      expect(seenByB.batches).toBe(0);
      expect(seenElsewhere.batches).toBe(1);
      expect((await segmentLogStore(b).seal()).batches).toBe(1);
    } finally {
      await elsewhere.close();
      await other.cleanup();
    }
  });

  it("two nodes appending and sealing at once store every line once and encode each batch once", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const [a, b] = await twoNodes();
    const encoded = { a: 0, b: 0 };
    const node = (store: Store, name: "a" | "b") =>
      segmentLogStore(store, {
        segmentLines: 400,
        onSealStep: (step: SealStep) => {
          if (step === "encoded") encoded[name]++;
        },
      });
    const nodes = { a: node(a, "a"), b: node(b, "b") };
    const stores = { a, b };
    const BATCHES = 30;
    const LINES = 50;
    let appending = true;
    const sealed = { batches: 0, lines: 0, seals: 0 };
    const sealer = async (name: "a" | "b") => {
      while (appending) {
        const result = await nodes[name].seal();
        sealed.batches += result.batches;
        sealed.lines += result.lines;
        if (result.batches > 0) sealed.seals++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const appender = async (name: "a" | "b") => {
      const refs: number[] = [];
      for (let k = 0; k < BATCHES; k++) {
        const part = records(LINES, `${name}${k}`);
        refs.push(...(await stores[name].transaction((tx) => nodes[name].append(tx, part, STORED_AT))));
      }
      return refs;
    };
    const sealers = [sealer("a"), sealer("b")];
    const refs = (await Promise.all([appender("a"), appender("b")])).flat();
    appending = false;
    await Promise.all(sealers);
    // What is left unsealed is sealed now, by either node.
    for (let r = await nodes.a.seal(); r.batches > 0; r = await nodes.b.seal()) {
      sealed.batches += r.batches;
      sealed.lines += r.lines;
      sealed.seals++;
    }

    expect(new Set(refs).size).toBe(2 * BATCHES * LINES);
    // Every batch was sealed once, and every encode was a seal that committed (none rolled back).
    expect(sealed.batches).toBe(2 * BATCHES);
    expect(sealed.lines).toBe(2 * BATCHES * LINES);
    expect(encoded.a + encoded.b).toBe(sealed.seals);
    expect((await nodes.b.sealingStats!()).unsealedLines).toBe(0);
    const stored = await nodes.a.countBy({}, "service");
    expect(stored.reduce((n, c) => n + c.count, 0)).toBe(2 * BATCHES * LINES);
    expect((await nodes.b.get(refs)).length).toBe(refs.length);
  }, 60_000);
});
