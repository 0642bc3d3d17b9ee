/** Record generators shared by the columnar tests: arbitrary records, and real LogHub lines mined by Drain. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { hostOf, serviceOf } from "../../../src/core/log-record.js";
import { decodePlain } from "../../../src/parsers/decoders/plain.js";
import { DrainMiner } from "../../../src/parsers/drain/index.js";
import { derivedTemplateId } from "../../../src/store/columnar/derived-template-id.js";
import type { SegmentRecord } from "../../../src/store/columnar/index.js";
import { toJsonText } from "../../../src/store/json.js";
import { binaryString } from "../../helpers/binary-string.js";
import { loghubFile } from "../../helpers/loghub.js";

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  binaryString({ maxLength: 8 }),
  fc.constantFrom("", " ", "user", "123", "-42", "007", "a.b", "blk_", "café", "ÉTÉ", "x y"),
  fc.integer({ min: -1e6, max: 1e12 }).map(String),
);

const canonicalTime = fc
  .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
const time = fc.oneof(
  { weight: 4, arbitrary: canonicalTime },
  {
    weight: 1,
    arbitrary: fc.constantFrom("2024-01-01T00:00:00Z", "2024-02-30T00:00:00.000Z", "not a time", ""),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 26 }) },
);

const template = fc.array(text, { minLength: 1, maxLength: 5 }).map((pieces) => pieces.join("<*>"));

/** Records over a few templates; most messages fit their template, some do not. */
export const arbitraryRecords = fc
  .record({
    templates: fc.array(fc.option(template, { nil: null }), { minLength: 1, maxLength: 4 }),
    rows: fc.array(
      fc.record({
        t: fc.nat(),
        fits: fc.boolean(),
        values: fc.array(text, { maxLength: 6 }),
        other: text,
        timestamp: time,
        observedAt: time,
        service: fc.constantFrom("api", "db", "unknown", ""),
        host: fc.option(fc.constantFrom("h1", "h2", "ü"), { nil: null }),
        level: fc.option(fc.constantFrom("INFO", "ERROR", "warn"), { nil: null }),
        severityNumber: fc.integer({ min: 0, max: 24 }),
        attributes: fc.oneof(
          fc.constantFrom("{}", '{"a":1}', '{"b":"x"}', '{"x":"<*>1"}', "<*>"),
          fc.integer({ min: 0, max: 40 }).map((pid) => `{"process.pid":${pid},"n":"0${pid}"}`),
          fc.string({ maxLength: 10 }),
        ),
        resource: fc.constantFrom("{}", '{"service.name":"api"}'),
        stream: fc.constantFrom("api", "db"),
        idNull: fc.boolean(),
        derivedId: fc.boolean(),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  })
  .map(({ templates, rows }) =>
    rows.map((r): SegmentRecord => {
      const tpl = templates[r.t % templates.length]!;
      let message = r.other;
      if (tpl !== null && r.fits) {
        const pieces = tpl.split("<*>");
        message = pieces.reduce((acc, p, i) => acc + (i === 0 ? "" : (r.values[i - 1] ?? "")) + p, "");
      }
      return {
        timestamp: r.timestamp,
        observedAt: r.observedAt,
        service: r.service,
        host: r.host,
        level: r.level,
        severityNumber: r.severityNumber,
        message,
        attributes: r.attributes,
        resource: r.resource,
        stream: r.stream,
        templateId:
          tpl === null && r.idNull
            ? null
            : tpl !== null && r.derivedId
              ? derivedTemplateId(r.stream, tpl)
              : `t${r.t % templates.length}`,
        template: tpl,
      };
    }),
  );

const numberText = fc.oneof(
  fc.integer({ min: -99999, max: 2 ** 40 }).map(String),
  fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(5, "0")),
);

/**
 * Records of one template whose wildcards hold many distinct numbers, so their columns are number
 * columns (the prefilter then judges by digit counts and ranges), plus a few other values.
 */
export const numberColumnRecords = fc
  .record({
    template: fc.array(text, { minLength: 2, maxLength: 4 }).map((pieces) => pieces.join("<*>")),
    rows: fc.array(fc.array(numberText, { minLength: 3, maxLength: 3 }), { minLength: 40, maxLength: 90 }),
  })
  .map(({ template, rows }) =>
    rows.map((values, i): SegmentRecord => {
      const pieces = template.split("<*>");
      return {
        timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        observedAt: "2026-01-01T00:00:00.000Z",
        service: "api",
        host: null,
        level: null,
        severityNumber: 9,
        message: pieces.reduce((acc, p, k) => acc + (k === 0 ? "" : values[k - 1]!) + p, ""),
        attributes: "{}",
        resource: "{}",
        stream: "api",
        templateId: "t0",
        template,
      };
    }),
  );

/**
 * A LogHub-2k dataset's raw lines (test/fixtures/loghub-2k) decoded and mined the way ingest does it. Mined
 * once a process (test files share their worker's modules) and handed out as copies a caller may change.
 */
export function loghubRecords(dataset: string): SegmentRecord[] {
  let mined = minedDatasets.get(dataset);
  if (mined === undefined) {
    mined = mineLoghub(dataset);
    minedDatasets.set(dataset, mined);
  }
  return mined.map((r) => ({ ...r }));
}

const minedDatasets = new Map<string, readonly SegmentRecord[]>();

function mineLoghub(dataset: string): SegmentRecord[] {
  const lines = readFileSync(loghubFile(dataset), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/\r$/, ""));
  const miner = new DrainMiner();
  const observedAt = "2026-11-23T12:00:00.000Z";
  return lines.map((line) => {
    const r = decodePlain(line, { observedAt, defaultService: dataset });
    const m = miner.add(serviceOf(r), r.body, r.timestamp);
    return {
      timestamp: r.timestamp,
      observedAt: r.observedTimestamp,
      service: serviceOf(r),
      host: hostOf(r),
      level: r.severityText,
      severityNumber: r.severityNumber,
      message: r.body,
      attributes: toJsonText(r.attributes),
      resource: toJsonText(r.resource),
      stream: serviceOf(r),
      templateId: m.templateId,
      template: m.template,
    };
  });
}

/** One plain record of stream `api` at 2026-01-01T00:00:00Z, with whatever `fields` change. */
export function apiRecord(fields: Partial<SegmentRecord> = {}): SegmentRecord {
  return {
    timestamp: "2026-01-01T00:00:00.000Z",
    observedAt: "2026-01-01T00:00:00.000Z",
    service: "api",
    host: null,
    level: null,
    severityNumber: 9,
    message: "",
    attributes: "{}",
    resource: "{}",
    stream: "api",
    templateId: "t",
    template: null,
    ...fields,
  };
}
