import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { decodeSegment } from "../../src/store/columnar/index.js";
import { createTestSchema, dropTestSchemas } from "../helpers/stores.js";

/** What the harness reads straight from the store the server writes (never through the server). */
export interface StoreSnapshot {
  /** Stored rows per sequence number the client put in `metadata.seq`. */
  rowsPerSeq: Map<number, number>;
  /** Template ids that stored log rows use but `templates` lacks. */
  danglingTemplateIds: number;
  templates: number;
  /** Latest `partition_state.updated_at` of the pipeline's saved miner and detector state, if saved yet. */
  stateSavedAt: string | null;
}

export interface ProbeTarget {
  name: string;
  dataDir: string;
  /** Environment that points `serve` at this store. */
  env: Record<string, string>;
  snapshot(): Promise<StoreSnapshot>;
  cleanup(): Promise<void>;
}

const DANGLING = `select count(distinct l.template_id) as n from logs l
  where l.template_id is not null and not exists (select 1 from templates t where t.template_id = l.template_id)`;

/** SQLite: the server's own file, opened read-only for each look. */
export function sqliteTarget(): ProbeTarget {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-crash-sqlite-"));
  return {
    name: "sqlite",
    dataDir,
    // The snapshot reads the `logs` table's rows (segments: `segmentsTarget` below).
    env: { DATA_DIR: dataDir, LOG_STORE: "table" },
    async snapshot() {
      const db = new Database(join(dataDir, "logwarden.db"), { readonly: true, fileMustExist: true });
      try {
        const rows = db
          .prepare(
            "select cast(json_extract(metadata, '$.seq') as integer) as seq, count(*) as n from logs group by seq",
          )
          .all() as { seq: number | null; n: number }[];
        const dangling = db.prepare(DANGLING).get() as { n: number };
        const templates = db.prepare("select count(*) as n from templates").get() as { n: number };
        return {
          rowsPerSeq: new Map(rows.filter((r) => r.seq !== null).map((r) => [r.seq!, r.n])),
          danglingTemplateIds: dangling.n,
          templates: templates.n,
          stateSavedAt: stateSavedAt(db),
        };
      } finally {
        db.close();
      }
    },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The latest save of the pipeline's miner and detector state in a SQLite file, if saved yet. */
function stateSavedAt(db: Database.Database): string | null {
  const state = db.prepare("select max(updated_at) as updated_at from partition_state").get() as
    | { updated_at: string | null }
    | undefined;
  return state?.updated_at ?? null;
}

/**
 * SQLite with `LOG_STORE=segments`, sealing often (small segments, a second's wait) so kills land during
 * seals too: every segment and unsealed batch decoded from the file, opened read-only for each look.
 */
export function segmentsTarget(): ProbeTarget {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-crash-segments-"));
  return {
    name: "segments",
    dataDir,
    env: { DATA_DIR: dataDir, LOG_STORE: "segments", LOG_SEGMENT_LINES: "1000", LOG_SEAL_AFTER_SECS: "1" },
    async snapshot() {
      const db = new Database(join(dataDir, "logwarden.db"), { readonly: true, fileMustExist: true });
      try {
        const pieces = db
          .prepare("select data from log_segments union all select data from log_batches")
          .all() as { data: Uint8Array }[];
        const rowsPerSeq = new Map<number, number>();
        const templateIds = new Set<string>();
        for (const { data } of pieces)
          for (const r of decodeSegment(data)) {
            const seq = (JSON.parse(r.attributes) as { seq?: unknown }).seq;
            if (typeof seq === "number") rowsPerSeq.set(seq, (rowsPerSeq.get(seq) ?? 0) + 1);
            if (r.templateId !== null) templateIds.add(r.templateId);
          }
        const known = new Set(
          (db.prepare("select template_id from templates").all() as { template_id: string }[]).map(
            (t) => t.template_id,
          ),
        );
        return {
          rowsPerSeq,
          danglingTemplateIds: [...templateIds].filter((id) => !known.has(id)).length,
          templates: known.size,
          stateSavedAt: stateSavedAt(db),
        };
      } finally {
        db.close();
      }
    },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL: a schema of its own on TEST_DATABASE_URL, dropped at cleanup. */
export async function postgresTarget(): Promise<ProbeTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-crash-pg-"));
  const schema = `crash_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = await createTestSchema(schema);
  const query = async <T extends pg.QueryResultRow>(text: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name: "postgres",
    dataDir,
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString(), LOG_STORE: "table" },
    async snapshot() {
      const rows = await query<{ seq: number | null; n: string }>(
        "select (metadata::jsonb->>'seq')::int as seq, count(*) as n from logs group by 1",
      );
      const [dangling] = await query<{ n: string }>(DANGLING);
      const [templates] = await query<{ n: string }>("select count(*) as n from templates");
      const [state] = await query<{ updated_at: string | null }>(
        "select max(updated_at) as updated_at from partition_state",
      );
      return {
        rowsPerSeq: new Map(rows.filter((r) => r.seq !== null).map((r) => [r.seq!, Number(r.n)])),
        danglingTemplateIds: Number(dangling?.n ?? 0),
        templates: Number(templates?.n ?? 0),
        stateSavedAt: state?.updated_at ?? null,
      };
    },
    async cleanup() {
      await dropTestSchemas(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
