import { sql } from "kysely";
import type { StoreScope } from "../db.js";
import { listPieces, type Piece, type PieceFilter, type PieceRow, toPiece } from "./pieces.js";

/** The version rows (segments', batches'), the count row and the piece rows of one listing statement. */
interface CatalogRow extends PieceRow {
  kind: "v" | "w" | "c" | "s" | "b";
  id: number | string;
}

/** The tables whose versions a read looks at first: segments, batches. */
const VERSIONED = ["log_segments", "log_batches"] as const;

/** A piece row's columns after its kind and id, as each listing statement selects them. */
const ROW_COLUMNS = "first_ref, last_ref, count, min_time, max_time, min_severity, max_severity";

/**
 * `log_segments`' change version (migration 019, kind `v`) and `log_batches`' (migration 020, kind `w`;
 * no row before it) as rows shaped like the pieces' rows.
 */
const VERSION_ROW = `select case name when 'log_segments' then 'v' else 'w' end as kind, version as id,
  0 as first_ref, 0 as last_ref, 0 as count, '' as min_time, '' as max_time, 0 as min_severity,
  0 as max_severity from change_versions where name in ('log_segments', 'log_batches')`;
const BATCH_ROWS = `select 'b' as kind, first_ref as id, ${ROW_COLUMNS} from log_batches`;
const SEGMENT_ROWS = `select 's' as kind, id, ${ROW_COLUMNS} from log_segments`;

/** How many segments there are, as a row shaped like the pieces' rows. */
const SEGMENT_COUNT_ROW = `select 'c' as kind, count(*) as id, 0 as first_ref, 0 as last_ref, 0 as count,
  '' as min_time, '' as max_time, 0 as min_severity, 0 as max_severity from log_segments`;

/** Every batch and the segments' version, at one moment: what a search reads while the segments stay. */
const BATCHES_AND_VERSION = sql.raw<CatalogRow>(`${VERSION_ROW} union all ${BATCH_ROWS}`);
/** Every piece and the segments' version, at one moment. */
const EVERYTHING = sql.raw<CatalogRow>(`${VERSION_ROW} union all ${BATCH_ROWS} union all ${SEGMENT_ROWS}`);
/** Every batch, the segments' version and count, and the segments after the greatest id known. */
const newerSegments = (afterId: number) =>
  sql<CatalogRow>`${sql.raw(`${VERSION_ROW} union all ${SEGMENT_COUNT_ROW} union all ${BATCH_ROWS} union all ${SEGMENT_ROWS}`)} where id > ${afterId}`;

/**
 * The pieces a store holds, with the sealed segments' listing kept in memory between reads: listing
 * every segment was most of what a newest page or an hour's search cost (616 rows at 10M lines), and
 * segments change only when a seal, retention or the table conversion writes them.
 *
 * Each read lists the batches (a handful of rows, which every append changes) together with
 * `log_segments`' change version (migration 019: triggers bump it on every insert, update and delete,
 * whichever process or connection writes) in one statement, so both are seen at one moment: a seal
 * moves records from batches to a segment in one transaction, and the kept segments are exactly the
 * segments of that moment while the version is the one they were listed at. When the version differs,
 * the same statement also reads the segments added since and how many there are (`KeptSegments`): under
 * ingest a seal lands every few seconds, and adding its segment keeps a read from listing them all.
 * When some went (retention), everything is listed again, in one statement. Each store object (so each
 * read thread) keeps its own listing; a stale one is never served, only listed again.
 *
 * Where versions are not kept (PostgreSQL, `StoreDialect.changeVersion`), every read lists every piece
 * (`listPieces`), as before.
 */
export class PieceCatalog {
  #segments: KeptSegments | undefined;
  #batches: KeptBatches | undefined;

  /** The pieces `filter` does not rule out, in no particular order (as `listPieces`). */
  async list(scope: StoreScope, filter: PieceFilter): Promise<Piece[]> {
    const peekVersions = scope.dialect.changeVersions(VERSIONED);
    if (peekVersions === undefined) return listPieces(scope, filter);
    // A look at the versions first (a prepared one-row read of a few microseconds), so a read that will
    // list everything anyway runs one statement: the versions it keeps are the ones read with the rows.
    const kept = this.#segments;
    const keptBatches = this.#batches;
    const [segmentsVersion, batchesVersion] = peekVersions();
    const segmentsKept = kept !== undefined && segmentsVersion === kept.version;
    if (segmentsKept && keptBatches !== undefined && batchesVersion === keptBatches.version)
      return passing(kept.pieces, keptBatches.pieces, filter);
    let rows: CatalogRow[] = [];
    let version: number | undefined;
    if (segmentsKept) {
      ({ rows } = await BATCHES_AND_VERSION.execute(scope.db));
      version = versionOf(rows);
    }
    if (kept !== undefined && version !== kept.version) {
      // Changed: under ingest, mostly by seals adding segments. Read only those when none went.
      ({ rows } = await newerSegments(kept.greatestId).execute(scope.db));
      version = versionOf(rows);
      const added = rows.filter((r) => r.kind === "s").map(pieceOf);
      const count = rows.find((r) => r.kind === "c");
      if (version !== undefined && count && Number(count.id) === kept.pieces.length + added.length)
        this.#segments = keptSegments(version, [...kept.pieces, ...added]);
      else version = undefined;
    }
    if (kept === undefined || version === undefined) {
      ({ rows } = await EVERYTHING.execute(scope.db));
      version = versionOf(rows);
      if (version === undefined) return listPieces(scope, filter); // not migrated yet
      this.#segments = keptSegments(version, rows.filter((r) => r.kind === "s").map(pieceOf));
    }
    const batches = rows.filter((r) => r.kind === "b").map(pieceOf);
    const batchesRow = rows.find((r) => r.kind === "w");
    this.#batches = batchesRow ? { version: Number(batchesRow.id), pieces: batches } : undefined;
    return passing(this.#segments!.pieces, batches, filter);
  }
}

/** The segments, then the batches, that `filter` does not rule out. */
function passing(segments: readonly Piece[], batches: readonly Piece[], filter: PieceFilter): Piece[] {
  const out: Piece[] = [];
  for (const p of segments) if (passes(p, filter)) out.push(p);
  for (const p of batches) if (passes(p, filter)) out.push(p);
  return out;
}

/**
 * The batches listed at one moment, and `log_batches`' version then (migration 020), read in the
 * statement that listed the segments kept with them. A read serves both from memory when both versions,
 * read in one statement, are the ones kept: the kept pieces are then exactly the pieces of that moment (a
 * check outside the connection's lock can see the bump of a transaction in progress, which only makes
 * it list again). A seal moves records between the tables in one transaction and bumps both.
 */
interface KeptBatches {
  version: number;
  pieces: readonly Piece[];
}

/**
 * The segments listed at one moment, and the version they were listed at. A later listing of the
 * segments after `greatestId` holds every segment added since: ids only grow (SQLite's AUTOINCREMENT,
 * migration 016: "never reused") and SQLite commits one writer at a time, so a segment committed after
 * this listing has a greater id than every one in it. When, besides those, the count of segments is the
 * count kept, none of the kept ones went (retention), and the kept ones plus the added ones are exactly
 * the segments of that later moment.
 */
interface KeptSegments {
  version: number;
  pieces: readonly Piece[];
  greatestId: number;
}

function keptSegments(version: number, pieces: readonly Piece[]): KeptSegments {
  let greatestId = 0;
  for (const p of pieces) if (p.id > greatestId) greatestId = p.id;
  return { version, pieces, greatestId };
}

function versionOf(rows: readonly CatalogRow[]): number | undefined {
  const row = rows.find((r) => r.kind === "v");
  return row ? Number(row.id) : undefined;
}

function pieceOf(r: CatalogRow): Piece {
  return toPiece(r.kind === "s" ? "segment" : "batch", Number(r.id), r);
}

/**
 * `listPieces`' conditions on a piece's row, in memory. Times compare as JavaScript strings (code units)
 * where SQLite compares their bytes: the orders differ only between characters above U+FFFF and
 * U+E000–U+FFFF, which no canonical time holds, and the rows a piece keeps are judged in code units too.
 */
export function passes(p: Piece, filter: PieceFilter): boolean {
  if (filter.since !== undefined && !(p.maxTime >= filter.since)) return false;
  if (filter.until !== undefined && !(p.minTime < filter.until)) return false;
  if (filter.notAfter !== undefined && !(p.minTime <= filter.notAfter)) return false;
  if (filter.minSeverityNumber !== undefined && !(p.maxSeverity >= filter.minSeverityNumber)) return false;
  if (filter.refs !== undefined && !(p.lastRef >= filter.refs.from && p.firstRef <= filter.refs.to))
    return false;
  return true;
}
