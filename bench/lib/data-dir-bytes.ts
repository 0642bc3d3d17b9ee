/**
 * What a stopped server's data directory holds on disk (issue 50 item 3, `bench/store-data-dir.ts`): every
 * file under it, recursively, and the SQLite file's pages by table and index from SQLite's `dbstat`
 * virtual table, grouped as the issue counts them, with the free pages apart. The sealed segments' blobs
 * are split by block (`blockSizes`) too, so the log lines' own bytes show apart from their search indexes.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import SQLite from "better-sqlite3";
import { BLOCK_NAMES, blockSizes } from "../../src/store/columnar/index.js";

/** Every file under `dir`, recursively, with its size in bytes, by path relative to `dir`. */
export function filesUnder(dir: string, root = dir): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, root));
    else if (e.isFile()) out.push({ path: relative(root, p), bytes: statSync(p).size });
  }
  return out;
}

/** The groups the issue names, in the order they are reported. */
export const GROUPS = [
  "segments (log lines)",
  "unsealed batches",
  "segment indexes and filters",
  "templates",
  "anomalies and alerts",
  "detector and pipeline state",
  "everything else",
] as const;
export type Group = (typeof GROUPS)[number];

/** The group of a table or index (as `dbstat` names it: an index by its own name). */
export function groupOf(name: string, tableOf: ReadonlyMap<string, string>): Group {
  const table = tableOf.get(name) ?? name;
  if (name === "log_segments") return "segments (log lines)";
  if (table === "log_segments" || table === "log_segment_digits") return "segment indexes and filters";
  if (table === "log_batches") return "unsealed batches";
  if (table === "templates") return "templates";
  if (/^(anomal|alert|incident|verdict|suppression|deliver|triage|remediation)/.test(table))
    return "anomalies and alerts";
  if (
    /^(state|partition_state|models?|trained_models|field_statistics|value_distributions|statistical_flags|historical_|query_|ingest_batches|source_submissions|log_refs)/.test(
      table,
    )
  )
    return "detector and pipeline state";
  return "everything else";
}

export interface DbBreakdown {
  pageSize: number;
  /** Bytes of the file's pages, by table or index (free pages not included). */
  byName: { name: string; table: string; bytes: number; group: Group }[];
  byGroup: Record<Group, number>;
  freeBytes: number;
  /** Bytes `VACUUM INTO` writes: the same data without free pages, every b-tree packed again. */
  vacuumedBytes: number;
  /** Sealed segments' blob bytes by block (the `data` column only, not its pages' overhead). */
  segmentBlocks: Record<string, number>;
  segments: number;
  segmentLines: number;
}

/**
 * Checkpoints the WAL into the database file and truncates it (`wal_checkpoint(TRUNCATE)`; the server must
 * be stopped), then reads the file's pages by table and index. `scratch` is a folder outside the data
 * directory where a vacuumed copy is written, measured and removed.
 */
export function checkpointAndBreakdown(dbPath: string, scratch: string): DbBreakdown {
  const db = new SQLite(dbPath);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    const freeBytes = Number(db.pragma("freelist_count", { simple: true })) * pageSize;
    const tableOf = new Map(
      (
        db.prepare("select name, tbl_name from sqlite_schema").all() as { name: string; tbl_name: string }[]
      ).map((r) => [r.name, r.tbl_name]),
    );
    const rows = db.prepare("select name, sum(pgsize) as bytes from dbstat group by name").all() as {
      name: string;
      bytes: number;
    }[];
    const byGroup = Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;
    const byName = rows
      .map((r) => ({
        name: r.name,
        table: tableOf.get(r.name) ?? r.name,
        bytes: r.bytes,
        group: groupOf(r.name, tableOf),
      }))
      .sort((a, b) => b.bytes - a.bytes);
    for (const r of byName) byGroup[r.group] += r.bytes;
    const segmentBlocks: Record<string, number> = {
      ...Object.fromEntries(BLOCK_NAMES.map((b) => [b, 0])),
      digits: 0,
    };
    let segments = 0;
    let segmentLines = 0;
    for (const r of db.prepare("select data, count from log_segments").iterate() as Iterable<{
      data: Uint8Array;
      count: number;
    }>) {
      segments++;
      segmentLines += r.count;
      for (const [block, n] of Object.entries(blockSizes(r.data)))
        segmentBlocks[block] = (segmentBlocks[block] ?? 0) + n;
    }
    const copy = join(scratch, "vacuumed.db");
    rmSync(copy, { force: true });
    db.exec(`vacuum into '${copy.replaceAll("'", "''")}'`);
    const vacuumedBytes = statSync(copy).size;
    rmSync(copy, { force: true });
    return { pageSize, byName, byGroup, freeBytes, vacuumedBytes, segmentBlocks, segments, segmentLines };
  } finally {
    db.close();
  }
}
