import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { needSharedDatasets, sharedDatasetPath } from "../helpers/shared-datasets.js";
import { allStoredRecords } from "../helpers/stored-logs.js";

/**
 * Issue 47's "done when": every LogHub file of ../shared/datasets uploaded as a user would
 * (`POST /analyze/file?persist=true`, one file a request) is stored with the time written in each line,
 * or the answer says which line got the upload's time instead; and no template begins with a time that was
 * not read. The server's clock stands in 2031, after every sample, so a line given the upload's time is
 * told apart from one whose own time was read, and a year-less syslog time is still dated this side of it.
 *
 * "The time written in it": the stored time's hh:mm:ss (UTC; these samples carry no zone) is in the line
 * with `:`, `.` or nothing between its fields, or its epoch seconds are (HPC and BGL write those).
 */
const LOGHUB = needSharedDatasets("LogHub uploads keep their lines' times", "loghub-2k");
const NOW = "2031-01-15T12:00:00.000Z";
const ROOT = "loghub-2k";

let server: TestServer;
beforeAll(async () => {
  if (LOGHUB.skip) return;
  server = await startTestServer({}, { clock: new FakeClock(NOW) });
});
afterAll(() => server?.close());

function logFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? logFiles(join(dir, e.name)) : e.name.endsWith("_2k.log") ? [join(dir, e.name)] : [],
  );
}

function multipart(filename: string, content: Buffer) {
  const boundary = "----lwloghub";
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { ...auth, "content-type": `multipart/form-data; boundary=${boundary}` } };
}

/**
 * A date or a clock time at the start (after an opening bracket): 2005-12-04, 081109 203615,
 * 17/06/09 20:, 03-17 16:, 20171223-, 04:47:44, a weekday or a month name followed by a day: what a header's
 * unread time looks like (each LogHub file's raw lines begin with one, or with a label before one). Not
 * a bare 10-digit number: BGL's messages begin with counts such as "1365301360 double-hummer …".
 */
const TIME_START =
  /^[[(]?(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{6} \d{6}\b|\d{1,2}[-/.]\d{1,2}([-/.]\d{2,4})?[ T]\d{1,2}:|\d{8}[-T ]\d|\d{1,2}:\d{2}:\d{2}|(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* |(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +\d)/;

/** Whether `line` holds the time `iso` was read from: its hh:mm:ss (any of : or . between) or epoch seconds. */
function holdsTime(line: string, iso: string): boolean {
  const t = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  const [h, m, s] = [t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()].map(two);
  // `:` or `.` between the fields, or none (HDFS's `081109 203615`).
  if (new RegExp(`${h}(?<sep>[:.]?)${m}\\k<sep>${s}`).test(line)) return true;
  return line.includes(String(Math.floor(t.getTime() / 1000)));
}

describe("every LogHub file uploaded through POST /analyze/file", () => {
  it.skipIf(LOGHUB.skip)(
    "stores each line with the time written in it, or says which line got the upload's time; no template starts with a time",
    async () => {
      LOGHUB.assertPresent();
      const files = logFiles(sharedDatasetPath(ROOT));
      expect(files.length).toBeGreaterThanOrEqual(10);
      const problems: string[] = [];
      const timeFirst: string[] = [];
      let stored = 0;
      for (const path of files) {
        const name = path.split("/").pop()!;
        const before = (await allStoredRecords(server.rt.logs)).length;
        const res = await server.app.inject({
          method: "POST",
          url: "/analyze/file?persist=true",
          ...multipart(name, readFileSync(path)),
        });
        expect(res.statusCode, `${name}: ${res.body.slice(0, 300)}`).toBe(200);
        const answer = res.json() as { warnings?: { times_not_read?: number; first_without_time?: string } };
        const lines = readFileSync(path, "utf8")
          .split("\n")
          .filter((l) => l.trim() !== "");
        const records = (await allStoredRecords(server.rt.logs)).slice(before);
        expect(records.length, name).toBe(lines.length);
        stored += records.length;
        const unread = records.flatMap((r, i) => (r.timestamp === NOW ? [i + 1] : []));
        // What got the upload's time is counted, and the first such line named.
        expect(answer.warnings?.times_not_read ?? 0, name).toBe(unread.length);
        if (unread.length > 0) expect(answer.warnings?.first_without_time, name).toBe(`line ${unread[0]}`);
        records.forEach((r, i) => {
          if (r.timestamp !== NOW && !holdsTime(lines[i]!, r.timestamp))
            problems.push(`${name} line ${i + 1}: stored ${r.timestamp} for ${lines[i]!.slice(0, 100)}`);
          if (TIME_START.test(r.message)) timeFirst.push(`${name} line ${i + 1}: ${r.message.slice(0, 100)}`);
        });
      }
      expect(problems.slice(0, 10), `${problems.length} lines stored with a time not in them`).toEqual([]);
      expect(stored).toBeGreaterThanOrEqual(20_000);

      // The message, which the template is mined from, begins after the header's time: never with one.
      expect(timeFirst.slice(0, 10), `${timeFirst.length} messages begin with a time`).toEqual([]);
      const templates = (await (
        await server.app.inject({ url: "/api/v1/templates?limit=10000", headers: auth })
      ).json()) as { template: string }[];
      expect(templates.length).toBeGreaterThan(100);
      expect(templates.filter((t) => TIME_START.test(t.template)).map((t) => t.template)).toEqual([]);
    },
    240_000,
  );
});
