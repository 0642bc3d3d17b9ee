import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fullTextMatch, searchTerms } from "../../src/store/repos/log-fulltext.js";
import { insertLogs } from "../../src/store/repos/logs.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const NOW = "2026-04-01T00:00:00.000Z";
const MESSAGES = [
  "Failed password for invalid user admin from 10.0.0.12 port 22 ssh2",
  "Accepted publickey for deploy from 10.0.0.7 port 51022",
  "disk /dev/sda1 is failing, remounting read-only",
  'user "o\'brien" changed password; drop table logs;',
  "PacketResponder 1 for block blk_-1608999687919862906 terminating",
];

describe.each(DIALECTS)("full-text log search on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    const store = t.store;
    await store.transaction((tx) =>
      insertLogs(
        tx,
        MESSAGES.map((body) => ({
          timestamp: NOW,
          observedTimestamp: NOW,
          severityText: "INFO",
          severityNumber: 9,
          body,
          attributes: {},
          resource: { "service.name": "sshd" },
          stream: "sshd",
          templateId: null,
          params: null,
        })),
        NOW,
      ),
    );
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const search = async (q: string) => {
    const match = fullTextMatch(t!.store.dialect, q);
    let query = t!.store.db.selectFrom("logs").select("message");
    if (match) query = query.where(match);
    return (await query.orderBy("id").execute()).map((r) => r.message);
  };

  it("finds every message holding all the words, in any case", async (ctx) => {
    if (!t) return ctx.skip();
    expect(await search("PASSWORD")).toEqual([MESSAGES[0], MESSAGES[3]]);
    expect(await search("failed password admin")).toEqual([MESSAGES[0]]);
    expect(await search("remounting read")).toEqual([MESSAGES[2]]);
    expect(await search("10.0.0.12")).toEqual([MESSAGES[0]]);
    expect(await search("nothing like this")).toEqual([]);
  });

  it("takes quotes, operators and SQL metacharacters literally", async (ctx) => {
    if (!t) return ctx.skip();
    expect(await search("o'brien")).toEqual([MESSAGES[3]]);
    expect(await search('"drop table logs;" OR 1=1 --')).toEqual([]);
    expect(await search("drop table logs")).toEqual([MESSAGES[3]]);
    expect(await search("!!! ***")).toEqual([]);
    expect(await search("")).toHaveLength(MESSAGES.length);
    expect(await search("x".repeat(5000))).toEqual([]);
  });

  it("indexes rows inserted after the migration and forgets deleted ones", async (ctx) => {
    if (!t) return ctx.skip();
    await t.store.db.deleteFrom("logs").where("message", "=", MESSAGES[2]!).execute();
    expect(await search("remounting")).toEqual([]);
    expect(await search("remount")).toEqual([]);
  });

  it("matches a word being typed as a prefix, only the last word", async (ctx) => {
    if (!t) return ctx.skip();
    expect(await search("accepted publi")).toEqual([MESSAGES[1]]);
    expect(await search("accep publickey")).toEqual([]);
  });

  it("finds words inside paths, addresses and identifiers, as both databases split them", async (ctx) => {
    if (!t) return ctx.skip();
    // PostgreSQL's own parser keeps `10.0.0.7` and `blk_-1608…` whole; its index splits them (migration 014).
    expect(await search("0.0.7")).toEqual([MESSAGES[1]]);
    expect(await search("ssh2")).toEqual([MESSAGES[0]]);
    expect(await search("12 port")).toEqual([MESSAGES[0]]);
    expect(await search("blk 1608999687919862906")).toEqual([MESSAGES[4]]);
    expect(await search("blk_-1608999687919862906")).toEqual([MESSAGES[4]]);
  });
});

describe("searchTerms", () => {
  it("splits on anything but letters and digits", () => {
    expect(searchTerms("Failed: user=root, from 10.0.0.1 blk_-42")).toEqual([
      "failed",
      "user",
      "root",
      "from",
      "10",
      "0",
      "0",
      "1",
      "blk",
      "42",
    ]);
  });
});
