import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIngestBody } from "../../src/api/ingest-decode/decode-body.js";
import type { JsonObject } from "../../src/core/json.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { decodeLine, levelWordNumber } from "../../src/parsers/decoders/index.js";
import { isoFromText } from "../../src/parsers/decoders/iso-time.js";
import type { RecordSource } from "../../src/pipeline/ingest-pipeline.js";
import { DECODED_CHUNK_RECORDS, DecodedIngestRecords } from "../../src/service/decoded-ingest-records.js";
import { ingestLogs } from "../../src/service/ingest.js";
import {
  type IngestLog,
  IngestRecords,
  type IngestWarning,
  recordFromIngestLog,
} from "../../src/service/ingest-records.js";
import type { Runtime } from "../../src/service/runtime.js";
import { groupFeatures } from "../../src/service/scoring.js";
import { LOGHUB_SYSTEMS, loghubLines } from "../helpers/loghub.js";

type Warned = Omit<IngestWarning, "index">;

/**
 * `recordFromIngestLog` as it was before it completed the decoder's record in place: a new record, a
 * new resource when the message names a host, attributes and metadata spread into a new object, and
 * every time through the year regex. The record and the warnings must stay exactly these.
 */
function reference(log: IngestLog, observedAt: string, warn: (w: Warned) => void): LogRecord {
  const decoded = decodeLine(log.message, { observedAt });
  const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  const hasKeyBesides = (o: JsonObject, except?: string) => Object.keys(o).some((k) => k !== except);
  let timestamp = decoded.timestamp;
  if (log.timestamp) {
    const given = /(^|\D)\d{4}(\D|$)/.test(log.timestamp) ? isoFromText(log.timestamp) : null;
    if (given) timestamp = given;
    else
      warn({
        field: "timestamp",
        message: `${quoted(log.timestamp)} is not an ISO-8601 time; stored with ${
          timestamp === observedAt ? "the time it was received" : "the time written in the message"
        } (${timestamp})`,
      });
  }
  let severityText = decoded.severityText;
  let severityNumber = decoded.severityNumber;
  if (log.level) {
    severityText = log.level;
    severityNumber = levelWordNumber(log.level);
    if (severityNumber === 0)
      warn({
        field: "level",
        message: `${quoted(log.level)} is not a known level; stored as given, with no severity`,
      });
  }
  const named = decoded.resource["service.name"];
  const service = log.service || (typeof named === "string" && named !== "" ? named : "");
  if (!service)
    warn({
      field: "service",
      message: 'no service given and the message names none; stored in the stream "unknown"',
    });
  const stream = service || "unknown";
  const metadata = (log.metadata ?? {}) as JsonObject;
  const resource: JsonObject = hasKeyBesides(decoded.resource, "service.name")
    ? { ...decoded.resource, "service.name": stream }
    : { "service.name": stream };
  // The metadata's machine is the host when the message named none.
  const host = log.metadata ? (metadata.host ?? metadata.hostname) : undefined;
  if (typeof host === "string" && host !== "" && resource["host.name"] === undefined)
    resource["host.name"] = host;
  return {
    timestamp,
    observedTimestamp: observedAt,
    severityText,
    severityNumber,
    body: decoded.body,
    attributes: hasKeyBesides(decoded.attributes) ? { ...decoded.attributes, ...metadata } : metadata,
    resource,
  };
}

/** Records compared with key order and own `__proto__` keys, which toEqual would not tell apart. */
function same(actual: LogRecord, expected: LogRecord): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  expect(Object.keys(actual.attributes)).toEqual(Object.keys(expected.attributes));
  expect(Object.keys(actual.resource)).toEqual(Object.keys(expected.resource));
}

const OBSERVED = "2026-03-04T05:06:07.890Z";
const loghub = LOGHUB_SYSTEMS.flatMap((s) => loghubLines(s).slice(0, 60));
const message = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...loghub) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"msg":"json line","level":"warn","pid":7,"host":"h1","__proto__":{"x":1},"1":"one"}',
      '{"message":"with service","service":"billing","attributes":{"a":1}}',
      '<34>1 2026-01-02T03:04:05.678Z db01 postgres 4242 ID47 [ex@1 k="v"] connection reset',
      "<13>Oct 11 22:14:15 web02 nginx[77]: upstream timed out",
      "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure",
      'ts=2026-01-01T00:00:00Z level=error msg="disk full" disk=sda1',
      "",
      "   ",
      "\ufeffbom first\r",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const ingestLog: fc.Arbitrary<IngestLog> = fc
  .record({
    message,
    timestamp: optional(
      fc.constantFrom(
        "2026-01-01T00:00:00.010Z",
        "2026-01-01T00:00:00.01Z",
        "2026-02-30T00:00:00.000Z",
        "2026-01-01 10:00:00+02:00",
        "yesterday",
        "Oct 11 22:14:15",
        "12",
        "",
        "2026-13-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z",
      ),
    ),
    service: optional(fc.constantFrom("auth", "", "billing")),
    level: optional(fc.constantFrom("ERROR", "warn", "nope", "constructor", "__proto__", "")),
    metadata: optional(
      fc.oneof(
        fc.dictionary(
          fc.constantFrom("ip", "n", "log.component", "process.pid", "1", "a"),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        fc.constant({}),
        fc.constant(JSON.parse('{"__proto__":{"polluted":true},"n":1}') as JsonObject),
      ),
    ),
  })
  .map((l) => {
    const log: IngestLog = { message: l.message };
    if (l.timestamp !== undefined) log.timestamp = l.timestamp;
    if (l.service !== undefined) log.service = l.service;
    if (l.level !== undefined) log.level = l.level;
    if (l.metadata !== undefined) log.metadata = l.metadata;
    return log;
  });

/** The metadata an arbitrary gave, as a fresh copy per use: a record may hold (and merge into) the one it got. */
const copyOf = (log: IngestLog): IngestLog => JSON.parse(JSON.stringify(log)) as IngestLog;

describe("recordFromIngestLog", () => {
  it("builds the record and warnings it built before it stopped copying (property)", () => {
    fc.assert(
      fc.property(ingestLog, (log) => {
        const want: Warned[] = [];
        const got: Warned[] = [];
        const expected = reference(copyOf(log), OBSERVED, (w) => want.push(w));
        const actual = recordFromIngestLog(copyOf(log), OBSERVED, {
          warn: (field, message) => got.push({ field, message }),
        });
        same(actual, expected);
        expect(got).toEqual(want);
      }),
      { numRuns: 5_000, seed: 18 },
    );
  });
});

describe("recordFromIngestLog: metadata.host", () => {
  it("is the record's host when the message names none, without touching the service's shared resource", () => {
    const shared = { "service.name": "api" };
    const resourceFor = () => shared;
    const at = "2026-01-10T00:00:00.000Z";
    const named = recordFromIngestLog({ service: "api", message: "m", metadata: { host: "web-7" } }, at, {
      resourceFor,
    });
    expect(named.resource).toEqual({ "service.name": "api", "host.name": "web-7" });
    expect(shared).toEqual({ "service.name": "api" });
    const syslog = recordFromIngestLog(
      {
        message: "<34>Oct 11 22:14:15 db1 sshd[1]: Accepted password for a from 10.0.0.1 port 2 ssh2",
        metadata: { host: "relay" },
      },
      at,
    );
    expect(syslog.resource["host.name"]).toBe("db1");
  });
});

describe("IngestRecords", () => {
  it("counts each service's records by the times they hold (a client's canonical time is read once)", () => {
    const logs = fc.sample(ingestLog, { numRuns: 600, seed: 7 });
    const records = new IngestRecords(logs.map(copyOf), OBSERVED, false);
    const all = records.slice(0, logs.length);
    expect(records.groups.size).toBeGreaterThan(1);
    for (const [service, group] of records.groups)
      expect(group.tally.features(), service).toEqual(
        groupFeatures(all.filter((r) => r.resource["service.name"] === service)),
      );
  });
});

describe("ingestLogs", () => {
  it("submits the same records as one recordFromIngestLog a log, and counts their warnings by index", async () => {
    const logs = fc.sample(ingestLog, { numRuns: 400, seed: 18 });
    let submitted: LogRecord[] = [];
    const now = Date.parse(OBSERVED);
    const rt = {
      clock: { now: () => now },
      config: { mlUrl: undefined, threshold: 2 },
      ingest: {
        // Read as the pipeline reads a submission: once, in order, in slices.
        submit: async (source: RecordSource) => {
          submitted = [];
          for (let i = 0; i < source.length; i += 50) submitted.push(...source.slice(i, i + 50));
          return { records: [], refs: submitted.map((_r, id) => id), anomalies: [] };
        },
      },
    } as unknown as Runtime;
    const response = await ingestLogs(rt, logs.map(copyOf));
    const warned: IngestWarning[] = [];
    logs.forEach((log, index) => {
      same(
        submitted[index]!,
        reference(copyOf(log), OBSERVED, (w) => warned.push({ index, ...w })),
      );
    });
    // Logs with no time given whose message holds none are counted apart (issue 47), not listed.
    const timesNotRead = logs.filter(
      (log, i) => !log.timestamp && submitted[i]!.timestamp === OBSERVED,
    ).length;
    expect(response.warnings).toEqual({
      count: warned.length,
      samples: warned.slice(0, 10),
      ...(timesNotRead > 0 ? { times_not_read: timesNotRead } : {}),
    });
    // Records of one service without a host share one resource object (the store encodes it once).
    const auth = submitted.filter(
      (r) => r.resource["service.name"] === "auth" && !("host.name" in r.resource),
    );
    expect(auth.length).toBeGreaterThan(1);
    expect(new Set(auth.map((r) => r.resource)).size).toBe(1);
  });
});

describe("ingestLogs of an NDJSON body decoded on a decode thread (src/api/ingest-decode)", () => {
  /** Submits `body` as `ingestLogs` does, read in slices of `step` as the pipeline reads them. */
  async function submitted(body: IngestLog[] | DecodedIngestRecords, step: number) {
    const records: LogRecord[] = [];
    const rt = {
      clock: { now: () => Date.parse(OBSERVED) },
      // A threshold above any score keeps incidents (a store write) out; scores and summaries are compared.
      config: { mlUrl: undefined, threshold: 2 },
      ingest: {
        submit: async (source: RecordSource) => {
          for (let i = 0; i < source.length; i += step) records.push(...source.slice(i, i + step));
          return { records: [], refs: records.map((_r, id) => id), anomalies: [] };
        },
      },
    } as unknown as Runtime;
    const response = await ingestLogs(rt, body);
    return { records, response };
  }

  it("gives the same records, warnings and scores as decoding on the event loop, across chunks", async () => {
    const logs = [
      // Metadata with an own `__proto__` key sends the whole body through zod's checks, on the event loop.
      ...fc
        .sample(ingestLog, { numRuns: 1_400, seed: 19 })
        .filter((l) => !(l.metadata && Object.hasOwn(l.metadata, "__proto__"))),
      // A lone surrogate crosses as itself, in the body and in the metadata.
      { message: "lone \ud800 surrogate", service: "auth", metadata: { k: "\udc01" } },
    ];
    const ndjson = Buffer.from(logs.map((l) => JSON.stringify(l)).join("\n"));
    const decoded = decodeIngestBody(ndjson, OBSERVED);
    expect(decoded).not.toBeNull();
    expect(decoded!.chunks).toHaveLength(Math.ceil(logs.length / DECODED_CHUNK_RECORDS));
    const onLoop = await submitted(logs.map(copyOf), 50);
    // Slices that straddle chunk boundaries.
    const offLoop = await submitted(new DecodedIngestRecords(decoded!), 37);
    expect(offLoop.records).toHaveLength(logs.length);
    for (const [i, r] of offLoop.records.entries()) same(r, onLoop.records[i]!);
    expect(offLoop.response).toEqual(onLoop.response);
    expect(offLoop.response.warnings!.count).toBeGreaterThan(10);
    expect(offLoop.records.at(-1)!.body).toBe("lone \ud800 surrogate");
    expect(offLoop.records.at(-1)!.attributes).toEqual({ k: "\udc01" });
  });

  it("crosses as JSON text, and keeps -0 and infinities, which JSON text would not, in the chunks that hold them", async () => {
    const plain = (i: number) =>
      JSON.stringify({ message: `line ${i}`, service: "auth", metadata: { n: i } });
    // Two chunks: the first plain, the second with numbers JSON text changes, in metadata and in a JSON
    // message's attributes, at the top and nested.
    const lines = Array.from({ length: DECODED_CHUNK_RECORDS + 3 }, (_, i) => plain(i));
    lines.push(
      '{"message":"zero","service":"auth","metadata":{"z":-0,"deep":{"a":[1,-0.0]}}}',
      '{"message":"huge","service":"auth","metadata":{"big":1e400,"small":-1e400}}',
      '{"message":"{\\"msg\\":\\"inner\\",\\"x\\":-0}","service":"auth"}',
    );
    const ndjson = Buffer.from(lines.join("\n"));
    const decoded = decodeIngestBody(ndjson, OBSERVED);
    expect(decoded!.chunks.map((c) => c[0])).toEqual([0x5b, 0xff]); // `[` of JSON text, v8's version tag
    const onLoop = await submitted(JSON.parse(`[${lines.join(",")}]`) as IngestLog[], 100);
    const offLoop = await submitted(new DecodedIngestRecords(decoded!), 64);
    expect(offLoop.records).toHaveLength(lines.length);
    for (const [i, r] of offLoop.records.entries()) same(r, onLoop.records[i]!);
    const [zero, huge, inner] = offLoop.records.slice(-3);
    expect(Object.is(zero!.attributes.z, -0)).toBe(true);
    expect(Object.is((zero!.attributes.deep as { a: number[] }).a[1], -0)).toBe(true);
    expect(huge!.attributes).toEqual({ big: Infinity, small: -Infinity });
    expect(Object.is(inner!.attributes.x, -0)).toBe(true);
  });

  it("leaves a body that is not plain logs, or not JSON, to the event loop", () => {
    expect(decodeIngestBody(Buffer.from('{"message":"ok"}\n{oops\n'), OBSERVED)).toBeNull();
    expect(decodeIngestBody(Buffer.from('{"message":"ok"}\n{"message":7}\n'), OBSERVED)).toBeNull();
    expect(decodeIngestBody(Buffer.from("\n\n"), OBSERVED)).toBeNull();
    const proto = '{"message":"m","metadata":{"__proto__":{"polluted":true}}}';
    expect(decodeIngestBody(Buffer.from(proto), OBSERVED)).toBeNull();
  });
});
