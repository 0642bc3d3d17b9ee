import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../src/core/log-store.js";
import { openStore } from "../../src/store/db.js";
import { recordedLogEngine } from "../../src/store/log-store-engine.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { segmentLogStore } from "../../src/store/segments/segment-log-store.js";
import { runCli } from "../helpers/cli.js";
import { lineToAppend } from "../helpers/records.js";
import { rawControls } from "../helpers/terminal.js";

/**
 * Issue 50: `logwarden logs export` writes what `logs search` finds, every match, as NDJSON or CSV, from
 * either log store: a new data dir (segments, the default; some lines sealed, some still in batches) and a
 * data dir that holds the `logs` table (`LOG_STORE=table`).
 */
const segmentsDir = mkdtempSync(join(tmpdir(), "logwarden-export-segments-"));
const tableDir = mkdtempSync(join(tmpdir(), "logwarden-export-table-"));
afterAll(() => {
  rmSync(segmentsDir, { recursive: true, force: true });
  rmSync(tableDir, { recursive: true, force: true });
});

const SERVICES = ["sshd", "kernel", "nginx"];
/** 2,500 lines (more than one page of the export), a formula and escape sequences among them. */
const LINES: RecordToAppend[] = Array.from({ length: 2_500 }, (_, i) => {
  const timestamp = new Date(Date.parse("2026-05-04T10:00:00Z") + i * 1_000).toISOString();
  const service = SERVICES[i % 3]!;
  const body =
    i === 7
      ? '=HYPERLINK("http://evil.example","click"), said "root"'
      : i === 8
        ? "owned \u001b]0;pwned\u0007 line\nnext"
        : i % 3 === 0
          ? `Failed password for user${i % 50} from 10.0.${i % 7}.${i % 250} port ${20_000 + i}`
          : `disk /dev/sda${i % 4} is at ${i % 100}%`;
  const line = lineToAppend(timestamp, body, service);
  if (i % 10 === 0) return { ...line, severityText: "ERROR", severityNumber: 17 };
  return i === 9 ? { ...line, attributes: { ip: "10.0.0.9", "user.name": "-cmd" } } : line;
});

beforeAll(async () => {
  const segments = openStore({ url: join(segmentsDir, "logwarden.db") });
  await segments.migrate();
  expect(await recordedLogEngine(segments.db)).toBe("segments");
  const seg = segmentLogStore(segments);
  await segments.transaction((tx) => seg.append(tx, LINES.slice(0, 2_000), "2026-05-04T11:00:00.000Z"));
  await seg.seal(new Date("2026-05-04T12:00:00Z"));
  await segments.transaction((tx) => seg.append(tx, LINES.slice(2_000), "2026-05-04T11:00:00.000Z"));
  await segments.close();

  const table = openStore({ url: join(tableDir, "logwarden.db") });
  await table.migrate();
  await table.transaction((tx) => logsTableStore(table).append(tx, LINES, "2026-05-04T11:00:00.000Z"));
  await table.close();
}, 60_000);

const STORES: { name: string; env: Record<string, string> }[] = [
  { name: "segments (a new data dir's default)", env: { DATA_DIR: segmentsDir } },
  { name: "the logs table (LOG_STORE=table)", env: { DATA_DIR: tableDir, LOG_STORE: "table" } },
];

interface Exported {
  id: number;
  timestamp: string;
  service: string;
  level: string;
  severity_number: number;
  message: string;
  metadata: Record<string, unknown>;
}

function ndjson(stdout: string): Exported[] {
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Exported);
}

describe.each(STORES)("logwarden logs export: $name", ({ env }) => {
  it("writes every matching record as NDJSON, newest first, values exact, with search's filters", async () => {
    const all = await runCli(["logs", "export"], { env });
    expect(all.code, all.stderr).toBe(0);
    const records = ndjson(all.stdout);
    expect(records).toHaveLength(2_500);
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 2_500 }, (_, i) => 2_500 - i));
    expect(records.find((r) => r.id === 9)?.message).toBe(LINES[8]!.body);
    expect(records.find((r) => r.id === 10)?.metadata).toEqual({ ip: "10.0.0.9", "user.name": "-cmd" });
    expect(rawControls(all.stdout)).toEqual([]);

    const filtered = await runCli(
      [
        ...["logs", "export", "password", "user1", "--service", "sshd", "--level", "error"],
        ...["--since", "2026-05-04T10:05:00Z", "--until", "2026-05-04T10:30:00Z"],
      ],
      { env },
    );
    expect(filtered.code, filtered.stderr).toBe(0);
    const expected = LINES.map((l, i) => ({ l, id: i + 1 }))
      .filter(
        ({ l }) =>
          l.resource["service.name"] === "sshd" &&
          l.severityNumber >= 17 &&
          /password for user1\d*\b/.test(l.body) &&
          l.timestamp >= "2026-05-04T10:05:00.000Z" &&
          l.timestamp < "2026-05-04T10:30:00.000Z",
      )
      .map(({ id }) => id)
      .reverse();
    expect(expected.length).toBeGreaterThan(2);
    expect(ndjson(filtered.stdout).map((r) => r.id)).toEqual(expected);
    expect(ndjson(filtered.stdout)[0]).toMatchObject({
      service: "sshd",
      level: "ERROR",
      severity_number: 17,
    });

    const limited = await runCli(["logs", "export", "disk", "--limit", "1001"], { env });
    expect(ndjson(limited.stdout)).toHaveLength(1_001);
  }, 120_000);

  it("writes CSV to a file, neutralising formulas and escaping control characters", async () => {
    const dir = mkdtempSync(join(tmpdir(), "logwarden-export-out-"));
    try {
      const out = join(dir, "lines.csv");
      const csv = await runCli(
        ["logs", "export", "--format", "csv", "--out", out, "--until", "2026-05-04T10:00:10Z"],
        { env },
      );
      expect(csv.code, csv.stderr).toBe(0);
      expect(csv.stdout).toBe("");
      expect(csv.stderr).toContain("exported 10 records");
      const text = readFileSync(out, "utf8");
      expect(rawControls(text)).toEqual([]);
      const rows = text.trimEnd().split("\n");
      expect(rows[0]).toBe(
        "id,timestamp,service,host,level,severity_number,stream,template_id,message,metadata",
      );
      expect(rows).toHaveLength(11);
      expect(rows[1]).toBe(
        `10,2026-05-04T10:00:09.000Z,sshd,,INFO,9,sshd,,Failed password for user9 from 10.0.2.9 port 20009,"{""ip"":""10.0.0.9"",""user.name"":""-cmd""}"`,
      );
      // The message opened with `=`: a leading quote makes it text; the newline and ESC are shown escaped.
      expect(rows[2]).toBe(
        `9,2026-05-04T10:00:08.000Z,nginx,,INFO,9,nginx,,owned \\x1b]0;pwned\\x07 line\\x0anext,{}`,
      );
      expect(rows[3]).toBe(
        `8,2026-05-04T10:00:07.000Z,kernel,,INFO,9,kernel,,"'=HYPERLINK(""http://evil.example"",""click""), said ""root""",{}`,
      );
      expect(rows[10]).toMatch(/^1,2026-05-04T10:00:00.000Z,sshd,,ERROR,17,/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("logwarden logs export: refusals", () => {
  it("names a bad format, limit or output file", async () => {
    const env = { DATA_DIR: segmentsDir };
    const format = await runCli(["logs", "export", "--format", "xlsx"], { env });
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/--format must be ndjson or csv, not 'xlsx'/);
    const limit = await runCli(["logs", "export", "--limit", "0"], { env });
    expect(limit.stderr).toMatch(/--limit must be a positive integer/);
    const out = await runCli(["logs", "export", "--out", join(segmentsDir, "missing", "x.csv")], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--out .*missing\/x\.csv: ENOENT/);
  }, 120_000);
});
