import { sql } from "kysely";
import type { StoreScope } from "../db.js";
import type { SegmentBytes } from "./segment-bytes.js";

/**
 * A stored run of consecutive references: a sealed segment (`log_segments`) or an appended batch not yet
 * sealed (`log_batches`). Both hold records encoded by the same codec, so every reader treats them alike;
 * what differs is the table and the key.
 */
export interface Piece {
  kind: "segment" | "batch";
  /** The row's key: a segment's id, a batch's first reference. */
  id: number;
  /** Names the piece in caches: neither key is ever reused (segment ids are never; references never). */
  cacheKey: string;
  firstRef: number;
  lastRef: number;
  count: number;
  /** Least and greatest record time text (code-unit order, as the `logs` table compares them). */
  minTime: string;
  maxTime: string;
  minSeverity: number;
  maxSeverity: number;
}

/** Conditions a piece's row can be skipped on before anything is decoded. */
export interface PieceFilter {
  /** Pieces that may hold a record at or after this time (their newest is not older). */
  since?: string | undefined;
  /** Pieces that may hold a record before this time (their oldest is older). */
  until?: string | undefined;
  /** Pieces that may hold a record at or before this time (their oldest is not newer). */
  notAfter?: string | undefined;
  minSeverityNumber?: number | undefined;
  /** Pieces overlapping this reference range (inclusive). */
  refs?: { from: number; to: number } | undefined;
}

const PIECE_COLUMNS = [
  "first_ref",
  "last_ref",
  "count",
  "min_time",
  "max_time",
  "min_severity",
  "max_severity",
] as const;

/**
 * The segments and batches that `filter` does not rule out (metadata only, in no particular order), read
 * in one statement so the two tables are seen at one moment: a seal moves records from batches to a
 * segment in one transaction, and two statements could see them in both places or in neither.
 */
export async function listPieces(scope: StoreScope, filter: PieceFilter): Promise<Piece[]> {
  const select = (table: "log_segments" | "log_batches") => {
    let q = scope.db
      .selectFrom(table)
      .select([
        sql<string>`${sql.lit(table === "log_segments" ? "s" : "b")}`.as("kind"),
        table === "log_segments" ? sql<number>`id`.as("id") : sql<number>`first_ref`.as("id"),
        ...PIECE_COLUMNS,
      ]);
    if (filter.since !== undefined) q = q.where("max_time", ">=", filter.since);
    if (filter.until !== undefined) q = q.where("min_time", "<", filter.until);
    if (filter.notAfter !== undefined) q = q.where("min_time", "<=", filter.notAfter);
    if (filter.minSeverityNumber !== undefined) q = q.where("max_severity", ">=", filter.minSeverityNumber);
    if (filter.refs !== undefined)
      q = q.where("last_ref", ">=", filter.refs.from).where("first_ref", "<=", filter.refs.to);
    return q;
  };
  const rows = await select("log_segments").unionAll(select("log_batches")).execute();
  return rows.map((r) => toPiece(r.kind === "s" ? "segment" : "batch", Number(r.id), r));
}

/**
 * One piece's encoded records; null when the row is gone (sealed or dropped since it was listed). A
 * segment's bytes come through `segmentBytes` (its row, or the object its row names); a batch's are always
 * in its row.
 */
export async function readPieceData(
  scope: StoreScope,
  piece: Piece,
  segmentBytes: SegmentBytes,
): Promise<Uint8Array | null> {
  if (piece.kind === "segment") return segmentBytes.get(scope, piece.id);
  const row = await scope.db
    .selectFrom("log_batches")
    .select("data")
    .where("first_ref", "=", piece.id)
    .executeTakeFirst();
  return row ? row.data : null;
}

/** A listed row's columns (numbers come back as text from PostgreSQL's bigint). */
export interface PieceRow {
  first_ref: number | string;
  last_ref: number | string;
  count: number | string;
  min_time: string;
  max_time: string;
  min_severity: number | string;
  max_severity: number | string;
}

/** A segment's `Piece.cacheKey`, from its id. */
export function segmentCacheKey(id: number): string {
  return `s${id}`;
}

export function toPiece(kind: Piece["kind"], id: number, r: PieceRow): Piece {
  return {
    kind,
    id,
    cacheKey: kind === "segment" ? segmentCacheKey(id) : `b${id}`,
    firstRef: Number(r.first_ref),
    lastRef: Number(r.last_ref),
    count: Number(r.count),
    minTime: r.min_time,
    maxTime: r.max_time,
    minSeverity: Number(r.min_severity),
    maxSeverity: Number(r.max_severity),
  };
}
