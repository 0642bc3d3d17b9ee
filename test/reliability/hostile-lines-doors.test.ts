import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECODE_NOTE, INPUT_BUDGET } from "../../src/core/input-budget.js";
import { waitFor } from "../helpers/wait.js";
import {
  answerProblems,
  closeUdp,
  type HostileServer,
  healthNotes,
  request,
  SYSLOG_SOURCE,
  startHostileServer,
  storedMarkers,
  tcpSend,
  udpSend,
  uploadForm,
} from "./hostile-lines-server.js";

/**
 * Issue 49's own cases, one door at a time, against a real `logwarden serve`: the one UDP datagram
 * `{"a":` + `[`×4500 + `]`×4500 + `}` that used to end the process (a stack overflow in JSON.stringify),
 * the same line over TCP, as /ingest's `message` beside another client's normal request, and inside an
 * upload of normal lines (/analyze/file?persist=true). hostile-lines.test.ts fuzzes every door.
 */

const ISSUE_LINE = `{"a":${"[".repeat(4500)}${"]".repeat(4500)}}`;
const TOO_DEEP_NOTE = new RegExp(`nested deeper than ${INPUT_BUDGET.depth} levels`);

let hs: HostileServer;
let marker = 0;
const uniqueMarker = (what: string) => `doors${what}${++marker}x${Date.now()}`;

beforeAll(async () => {
  hs = await startHostileServer("hostile-doors");
}, 90_000);

afterAll(async () => {
  closeUdp();
  await hs?.close();
});

interface Row {
  message: string;
  service: string;
  metadata: string;
}

/** Stored lines whose message is exactly `message` (the store's own file, read-only). */
function storedExactly(message: string): (Row & { attributes: Record<string, unknown> })[] {
  const db = new Database(join(hs.dir, "logwarden.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare("select message, service, metadata from logs where message = ?")
      .all(message) as Row[];
    return rows.map((r) => ({ ...r, attributes: JSON.parse(r.metadata) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** The process is up, /health/live answers, and a good line over UDP and TCP is stored after the hostile one. */
async function expectStillServing(): Promise<void> {
  expect(hs.server.child.exitCode).toBeNull();
  expect(hs.server.child.signalCode).toBeNull();
  const live = await request(hs.base, "/health/live", {}, 5_000);
  expect(live.status).toBe(200);
  const udp = uniqueMarker("goodudp");
  const tcp = uniqueMarker("goodtcp");
  await udpSend(hs.udpPort, Buffer.from(`<13>Oct 11 22:14:15 host app: ${udp}`));
  await tcpSend(hs.tcpPort, Buffer.from(`<13>Oct 11 22:14:15 host app: ${tcp}\n`));
  await waitFor(
    async () => {
      const found = await storedMarkers(hs.base, "doorsgood", /doorsgood(udp|tcp)\d+x\d+/g);
      return found.has(udp) && found.has(tcp);
    },
    "a good line over UDP and over TCP stored after the hostile one",
    15_000,
  );
}

/** Waits for the issue's line from `transport` to be stored as text with its decode note. */
async function expectStoredAsText(transport: "udp" | "tcp"): Promise<void> {
  const [row] = await waitFor(
    () => {
      const rows = storedExactly(ISSUE_LINE).filter((r) => r.attributes["network.transport"] === transport);
      return rows.length > 0 ? rows : null;
    },
    `the issue's line over ${transport} stored`,
    15_000,
  );
  expect(row!.message).toBe(ISSUE_LINE);
  expect(row!.attributes[DECODE_NOTE]).toMatch(TOO_DEEP_NOTE);
  // Kept as text: its JSON was not read into attributes.
  expect(row!.attributes.a).toBeUndefined();
}

describe("issue 49's hostile line at each door", () => {
  it("a syslog UDP datagram of 4,500 nested brackets leaves the server up and stores the line as text", async () => {
    const before = (await healthNotes(hs.base)).keptAsText[SYSLOG_SOURCE] ?? 0;
    await udpSend(hs.udpPort, Buffer.from(ISSUE_LINE));
    await expectStoredAsText("udp");
    await expectStillServing();
    await waitFor(
      async () => ((await healthNotes(hs.base)).keptAsText[SYSLOG_SOURCE] ?? 0) === before + 1,
      "/health's sources counting the line kept as text",
    );
  });

  it("the same line over TCP, newline-framed, leaves the server up and stores the line as text", async () => {
    const before = (await healthNotes(hs.base)).keptAsText[SYSLOG_SOURCE] ?? 0;
    await tcpSend(hs.tcpPort, Buffer.from(`${ISSUE_LINE}\n`));
    await expectStoredAsText("tcp");
    await expectStillServing();
    await waitFor(
      async () => ((await healthNotes(hs.base)).keptAsText[SYSLOG_SOURCE] ?? 0) === before + 1,
      "/health's sources counting the line kept as text",
    );
  });

  it("/ingest takes the line as a message with a warning, while another client's normal request is answered and stored", async () => {
    // The other client: a token of its own.
    const created = await request(hs.base, "/api/v1/tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "other-client", scopes: ["ingest", "read"] }),
    });
    expect(created.status).toBe(201);
    const otherToken = (JSON.parse(created.body.toString()) as { token: string }).token;
    const acknowledged: string[] = [];
    // Several rounds, each sent at once, so the two requests share the pipeline's batches.
    for (let round = 0; round < 5; round++) {
      const markers = Array.from({ length: 10 }, () => uniqueMarker("normal"));
      const [hostile, normal] = await Promise.all([
        request(hs.base, "/ingest", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([{ service: "issue49", level: "ERROR", message: ISSUE_LINE }]),
        }),
        request(hs.base, "/ingest", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${otherToken}` },
          body: JSON.stringify(
            markers.map((m) => ({ service: "other", level: "INFO", message: `normal line ${m}` })),
          ),
        }),
      ]);
      expect(answerProblems("POST /ingest", hostile)).toEqual([]);
      expect(hostile.status).toBe(200);
      const answer = JSON.parse(hostile.body.toString()) as {
        ingested: number;
        warnings?: { count: number; samples: { index: number; field: string; message: string }[] };
      };
      expect(answer.ingested).toBe(1);
      expect(answer.warnings?.samples).toContainEqual(
        expect.objectContaining({
          index: 0,
          field: "message",
          message: expect.stringMatching(TOO_DEEP_NOTE),
        }),
      );
      expect(normal.status, normal.body.toString()).toBe(200);
      expect((JSON.parse(normal.body.toString()) as { ingested: number }).ingested).toBe(10);
      acknowledged.push(...markers);
    }
    const found = await storedMarkers(hs.base, "doorsnormal", /doorsnormal\d+x\d+/g);
    expect(acknowledged.filter((m) => !found.has(m))).toEqual([]);
    const stored = storedExactly(ISSUE_LINE).filter((r) => r.service === "issue49");
    expect(stored).toHaveLength(5);
    for (const row of stored) expect(row.attributes[DECODE_NOTE]).toMatch(TOO_DEEP_NOTE);
    await expectStillServing();
  });

  it("/analyze/file?persist=true with the line among normal ones stores the normal ones and the line as text", async () => {
    const markers = Array.from({ length: 10 }, () => uniqueMarker("upload"));
    const lines = [...markers.slice(0, 5).map((m) => `normal upload line ${m}`), ISSUE_LINE];
    lines.push(...markers.slice(5).map((m) => `normal upload line ${m}`));
    const answer = await request(hs.base, "/analyze/file?persist=true", {
      method: "POST",
      body: uploadForm("issue49-upload.log", Buffer.from(`${lines.join("\n")}\n`)),
    });
    expect(answerProblems("POST /analyze/file", answer)).toEqual([]);
    expect(answer.status, answer.body.toString().slice(0, 300)).toBe(200);
    const result = JSON.parse(answer.body.toString()) as { total_events: number };
    expect(result.total_events).toBe(11);
    const found = await storedMarkers(hs.base, "doorsupload", /doorsupload\d+x\d+/g);
    expect(markers.filter((m) => !found.has(m))).toEqual([]);
    const stored = storedExactly(ISSUE_LINE).filter((r) => r.service === "issue49-upload");
    expect(stored).toHaveLength(1);
    expect(stored[0]!.attributes[DECODE_NOTE]).toMatch(TOO_DEEP_NOTE);
    await expectStillServing();
  });

  it("a JSON line kept as text is stored whole, even with a syslog-like time inside one of its strings", async () => {
    // Kept as text means the line is the message: no header (time, host) is read out of a JSON line.
    const mark = uniqueMarker("keptwhole");
    const line = `{"msg":"login failed ${mark}","via":"relay Oct 11 22:14:15 gw sshd[7]: ok","a":${"[".repeat(200)}${"]".repeat(200)}}`;
    await udpSend(hs.udpPort, Buffer.from(line));
    const stored = await waitFor(
      () => {
        const db = new Database(join(hs.dir, "logwarden.db"), { readonly: true, fileMustExist: true });
        try {
          // Found by its tail, which any header cut leaves: `","a":[[[…]]]}` (the issue's line starts `{"a":`).
          const rows = db
            .prepare("select message, metadata from logs where message like ? and metadata like ?")
            .all('%","a":[[[[%', "%nested deeper%") as Row[];
          return rows[0] ?? null;
        } finally {
          db.close();
        }
      },
      "the line stored",
      10_000,
    );
    expect(JSON.parse(stored.metadata)[DECODE_NOTE]).toMatch(TOO_DEEP_NOTE);
    expect(stored.message.slice(0, 80)).toBe(line.slice(0, 80));
    expect(stored.message).toBe(line);
  });

  it("a JSON line with a field past the element budget keeps the fields after it (message, service)", async () => {
    // The budget cuts the structure past 10,000 elements; the shallow fields must still reach the record
    // (src/core/input-budget.ts, cutToBudget), wherever the big field stands in the line.
    const mark = uniqueMarker("cutkeeps");
    const tags = Array.from({ length: INPUT_BUDGET.elements + 1 }, () => '"t"').join(",");
    const line = `{"time":"2026-02-01T09:30:00Z","tags":[${tags}],"msg":"login failed ${mark}","service":"cutkeeps"}`;
    await udpSend(hs.udpPort, Buffer.from(line));
    const found = await waitFor(
      async () => {
        const rows = await storedMarkers(hs.base, mark, new RegExp(mark, "g"));
        return rows.has(mark) ? rows : null;
      },
      "the line's message found by the search",
      10_000,
    ).catch(() => null);
    const db = new Database(join(hs.dir, "logwarden.db"), { readonly: true, fileMustExist: true });
    const rows = db
      .prepare("select message, service, metadata from logs where metadata like ? or message like ?")
      .all('%"tags":["t"%', `%${mark}%`) as Row[];
    db.close();
    expect(rows.length, "the line stored").toBeGreaterThan(0);
    const row = rows.at(-1)!;
    expect(JSON.parse(row.metadata)[DECODE_NOTE]).toMatch(/more than 10000 elements/);
    expect({ message: row.message.slice(0, 120), service: row.service }).toEqual({
      message: `login failed ${mark}`,
      service: "cutkeeps",
    });
    expect(found, "the message found by the log search").not.toBeNull();
  });
});
