import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { SYSTEM_004_SAMPLE } from "../helpers/samples.js";
import { allStoredRecords, asTableRow } from "../helpers/stored-logs.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SYSLOG_LINE =
  "<34>Oct 11 22:14:15 mymachine sshd[123]: Failed password for root from 1.2.3.4 port 22 ssh2";

async function start() {
  server = await startTestServer({}, { clock: new FakeClock("2026-11-22T12:00:00Z") });
  return server;
}

async function storedRows(s: TestServer) {
  return (await allStoredRecords(s.rt.logs))
    .map(asTableRow)
    .map(({ timestamp, service, level, message, metadata, host, template_id }) => ({
      timestamp,
      service,
      level,
      message,
      metadata,
      host,
      template_id,
    }));
}

describe("POST /ingest decodes what the other doors decode and says what it could not use", () => {
  it("decodes a raw syslog line in `message`: program as service, host, time, pid; header out of the template", async () => {
    const s = await start();
    const res = await s.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [{ message: SYSLOG_LINE }, { message: SYSLOG_LINE.replace("1.2.3.4", "5.6.7.8") }],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.ingested).toBe(2);
    expect(body.scores.map((x: { service: string }) => x.service)).toEqual(["sshd"]);
    expect(body.warnings).toBeUndefined();

    const [row] = await storedRows(s);
    expect(row).toMatchObject({
      service: "sshd",
      host: "mymachine",
      level: "crit",
      // RFC 3164 has no year: the most recent Oct 11 before the receipt time.
      timestamp: "2026-10-11T22:14:15.000Z",
      message: "Failed password for root from 1.2.3.4 port 22 ssh2",
    });
    expect(JSON.parse(row!.metadata)).toMatchObject({ "process.pid": 123, "syslog.facility": "auth" });
    const template = await s.rt.store.db
      .selectFrom("templates")
      .select(["template", "stream"])
      .where("template_id", "=", row!.template_id!)
      .executeTakeFirstOrThrow();
    expect(template.stream).toBe("sshd");
    expect(template.template).not.toMatch(/<34>|mymachine|sshd\[/);
  });

  it("what the client states wins over the message: service, level, timestamp, metadata", async () => {
    const s = await start();
    const res = await s.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: {
        timestamp: "2026-11-20T08:00:00Z",
        service: "bastion",
        level: "WARN",
        message: SYSLOG_LINE,
        metadata: { ip: "1.2.3.4", "process.pid": 999 },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [row] = await storedRows(s);
    expect(row).toMatchObject({
      service: "bastion",
      host: "mymachine",
      level: "WARN",
      timestamp: "2026-11-20T08:00:00.000Z",
      message: "Failed password for root from 1.2.3.4 port 22 ssh2",
    });
    expect(JSON.parse(row!.metadata)).toMatchObject({ ip: "1.2.3.4", "process.pid": 999 });
  });

  it("reports a timestamp it cannot read, an unknown level and a missing service instead of guessing silently", async () => {
    const s = await start();
    const res = await s.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [
        { service: "auth", message: "invalid password" },
        { service: "auth", timestamp: "yesterday", message: "invalid password" },
        { service: "auth", timestamp: "yesterday", message: SYSLOG_LINE },
        { service: "auth", level: "LOUD", message: "invalid password" },
        { message: "no idea where this came from" },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.ingested).toBe(5);
    expect(body.warnings).toEqual({
      count: 4,
      samples: [
        {
          index: 1,
          field: "timestamp",
          message:
            '"yesterday" is not an ISO-8601 time; stored with the time it was received (2026-11-22T12:00:00.000Z)',
        },
        {
          index: 2,
          field: "timestamp",
          message:
            '"yesterday" is not an ISO-8601 time; stored with the time written in the message (2026-10-11T22:14:15.000Z)',
        },
        {
          index: 3,
          field: "level",
          message: '"LOUD" is not a known level; stored as given, with no severity',
        },
        {
          index: 4,
          field: "service",
          message: 'no service given and the message names none; stored in the stream "unknown"',
        },
      ],
      // Logs 0, 3 and 4 give no time and their messages hold none: stored with the receipt time.
      times_not_read: 3,
    });
    const rows = await storedRows(s);
    expect(rows.map((r) => r.timestamp)).toEqual([
      "2026-11-22T12:00:00.000Z",
      "2026-11-22T12:00:00.000Z",
      "2026-10-11T22:14:15.000Z",
      "2026-11-22T12:00:00.000Z",
      "2026-11-22T12:00:00.000Z",
    ]);
    expect(rows[4]?.service).toBe("unknown");
  });

  it("takes Object.prototype's names as level words it does not know (constructor, __proto__, toString…)", async () => {
    // Regression (hostile-input fuzz, seed 775565969): `level: "constructor"` found Object.prototype.constructor
    // in the level table, a function that SQLite cannot bind; the batch failed and /ingest answered 500.
    const s = await start();
    const words = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"];
    const res = await s.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: words.map((level) => ({ service: "auth", level, message: "invalid password" })),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().ingested).toBe(words.length);
    expect(res.json().warnings.samples.map((w: { field: string }) => w.field)).toEqual(
      words.map(() => "level"),
    );
    const rows = (await allStoredRecords(s.rt.logs)).map((r) => ({
      level: r.level,
      severity_number: r.severityNumber,
    }));
    // Stored as given with severity 0 (OpenTelemetry's "unspecified"), like any word the table does not know.
    expect(rows).toEqual(words.map((level) => ({ level, severity_number: 0 })));
  });

  it("counts every warning but shows the first ten", async () => {
    const s = await start();
    const logs = Array.from({ length: 25 }, (_, i) => ({
      service: "auth",
      // V8's Date.parse reads "day 10" as October 2001 and "Oct 11 22:14:15" as 2001-10-11: neither names a year.
      timestamp: i % 2 === 0 ? `day ${i}` : `Oct ${i} 22:14:15`,
      message: "invalid password",
    }));
    const body = (
      await s.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: logs })
    ).json();
    expect(body.warnings.count).toBe(25);
    expect(body.warnings.samples.map((w: { index: number }) => w.index)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it("keeps system 004's response exactly for clean logs: no `warnings` key, messages stored as sent", async () => {
    const s = await start();
    const res = await s.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: SYSTEM_004_SAMPLE,
    });
    expect(Object.keys(res.json()).sort()).toEqual(["incidents", "ingested", "scores"]);
    expect((await storedRows(s)).map((r) => r.message)).toEqual(SYSTEM_004_SAMPLE.map((l) => l.message));
  });
});
