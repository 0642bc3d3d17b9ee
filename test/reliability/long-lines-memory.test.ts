import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { ADMIN_TOKEN } from "../helpers/runtime.js";
import { memoryOf, round } from "./samplers.js";

/**
 * Issue 50 item 5: memory stays bounded while hostile-sized lines are written and read back. Eight 12 MB
 * lines took a server from 0.9 to 2.75 GB when they were stored whole and a page returned them whole.
 * A real `logwarden serve` takes them one request each through POST /ingest, then answers pages of logs,
 * each line's context (its own line whole, up to MAX_LINE_BYTES), the templates and the anomalies; its
 * peak RSS (VmHWM) must stay under 1.5 GB. Run twice: at the default limit (the lines are cut to 256 KiB
 * on the way in) and at the limit's ceiling, 1 MiB (`MAX_MAX_LINE_BYTES`: at 4 MiB reading eight such
 * lines back from the segment store peaked at 2.4 GiB, which is why the ceiling is there).
 */
const TWELVE_MB = 12 * 1024 * 1024;
const LINES = 8;
const GOAL_MIB = 1536;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

let server: ServeProcess | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function line(i: number): string {
  const head = `hugeline ${i} user=alice from 10.0.0.${i} `;
  return head + "z".repeat(TWELVE_MB - head.length);
}

async function json(url: string): Promise<{ value: unknown; bytes: number }> {
  const res = await fetch(url, { headers: auth });
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(200);
  return { value: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

async function writeAndRead(env: Record<string, string>) {
  dataDir = mkdtempSync(join(tmpdir(), "logwarden-long-lines-"));
  server = await startServe(
    { DATA_DIR: dataDir, API_TOKEN: ADMIN_TOKEN, LOG_FORMAT: "json", ...env },
    60_000,
  );
  const before = memoryOf(server.child.pid!);
  const t0 = performance.now();
  let warned = 0;
  for (let i = 0; i < LINES; i++) {
    const res = await fetch(`${server.url}/ingest`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify([{ service: "huge", level: "ERROR", message: line(i) }]),
    });
    const body = (await res.json()) as { ingested: number; warnings?: { count: number } };
    expect(res.status).toBe(200);
    expect(body.ingested).toBe(1);
    warned += body.warnings?.count ?? 0;
  }
  const written = memoryOf(server.child.pid!);
  const t1 = performance.now();
  const page = await json(`${server.url}/api/v1/logs?q=hugeline&limit=100`);
  const rows = page.value as { id: number; truncated?: boolean; message_bytes?: number }[];
  expect(rows).toHaveLength(LINES);
  let contextBytes = 0;
  for (const r of rows)
    contextBytes = Math.max(
      contextBytes,
      (await json(`${server.url}/api/v1/logs/${r.id}/context?before=10&after=10`)).bytes,
    );
  const templates = await json(`${server.url}/api/v1/templates?limit=100`);
  const anomalies = (await json(`${server.url}/api/v1/anomalies?limit=50`)).value as { id: number }[];
  let anomalyBytes = 0;
  for (const a of anomalies)
    anomalyBytes = Math.max(anomalyBytes, (await json(`${server.url}/api/v1/anomalies/${a.id}`)).bytes);
  const after = memoryOf(server.child.pid!);
  const t2 = performance.now();
  return {
    warned,
    rows,
    figures: {
      rssBeforeMiB: round(before.rssMiB),
      rssAfterWritesMiB: round(written.rssMiB),
      peakRssAfterWritesMiB: round(written.hwmMiB),
      rssAfterReadsMiB: round(after.rssMiB),
      peakRssMiB: round(after.hwmMiB),
      pageBytes: page.bytes,
      largestContextBytes: contextBytes,
      templatesBytes: templates.bytes,
      largestAnomalyBytes: anomalyBytes,
      writeSecs: round((t1 - t0) / 1000),
      readSecs: round((t2 - t1) / 1000),
    },
  };
}

describe("eight 12 MB lines written and read back through a real server", () => {
  it("at the default limit: cut on the way in, peak RSS under 1.5 GB", async () => {
    const { warned, rows, figures } = await writeAndRead({});
    console.log(`[long lines memory] default MAX_LINE_BYTES ${JSON.stringify(figures)}`);
    expect(warned).toBe(LINES);
    // Cut to 256 KiB on the way in: a list shows 16 KiB of each.
    for (const r of rows) expect(r.message_bytes).toBe(256 * 1024);
    expect(figures.pageBytes).toBeLessThan(LINES * 40 * 1024);
    expect(figures.peakRssMiB).toBeLessThan(GOAL_MIB);
  }, 180_000);

  it("with MAX_LINE_BYTES at its ceiling, 1 MiB: cut to it, lists still bounded, peak RSS under 1.5 GB", async () => {
    const { warned, rows, figures } = await writeAndRead({ MAX_LINE_BYTES: String(1024 * 1024) });
    console.log(`[long lines memory] MAX_LINE_BYTES 1 MiB ${JSON.stringify(figures)}`);
    expect(warned).toBe(LINES);
    for (const r of rows) expect(r.message_bytes).toBe(1024 * 1024);
    expect(figures.pageBytes).toBeLessThan(LINES * 40 * 1024);
    // A context carries its own line whole (1 MiB) and its neighbours' first 16 KiB.
    expect(figures.largestContextBytes).toBeLessThan(1024 * 1024 + 40 * 20 * 1024);
    expect(figures.peakRssMiB).toBeLessThan(GOAL_MIB);
  }, 180_000);
});
