/**
 * A read-only SQLite connection on its own thread. Its source is handed to `new Worker(…, { eval: true })`
 * (sqlite-read-pool.ts), so it may not import anything or use anything from outside its body: a worker
 * file would need a path that exists under tsx, the test build and `dist/` alike, and an evaluated
 * function runs the same in all three. better-sqlite3 is loaded with a `require` rooted at the module
 * that starts the worker (`workerData.requireFrom`), so it is the same package the main thread uses.
 *
 * Each message is one query; its answer goes back with the message's id. The connection is opened
 * read-write but `query_only`: a read-only open fails when the WAL's shared-memory file must be created,
 * and `query_only` refuses every write just the same.
 */
export function sqliteReadWorkerMain(): void {
  const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
  const { createRequire } = process.getBuiltinModule("node:module");
  const data = workerData as {
    path: string;
    cacheMb: number;
    requireFrom: string;
    keepForever: boolean;
    nice: number;
  };
  type Statement = import("better-sqlite3").Statement;
  const SQLite = createRequire(data.requireFrom)("better-sqlite3") as typeof import("better-sqlite3");
  lowerThisThreadsPriority(data.nice);
  const database = new SQLite(data.path, { fileMustExist: true });
  database.exec("pragma query_only = 1");
  database.exec("pragma busy_timeout = 5000");
  database.exec(`pragma cache_size = -${Math.round(data.cacheMb * 1024)}`);
  // The same rule as statement-cache.ts: on Node 24 a statement the collector frees aborts the process,
  // so there every statement is kept; elsewhere the least recently used go past 512.
  const statements = new Map<string, Statement>();
  const statementFor = (sql: string): Statement => {
    let stmt = statements.get(sql);
    if (stmt) {
      if (!data.keepForever) {
        statements.delete(sql);
        statements.set(sql, stmt);
      }
      return stmt;
    }
    stmt = database.prepare(sql);
    statements.set(sql, stmt);
    if (!data.keepForever && statements.size > 512) statements.delete(statements.keys().next().value!);
    return stmt;
  };
  /**
   * Reads yield the CPU to ingest: a search or histogram over millions of lines runs for seconds, and two
   * of them on a 2-core machine left the ingest thread a third of a core (the 60-minute soak fell to
   * half its target rate). Linux keeps a nice value per thread, so this thread alone is lowered; its id
   * comes from `/proc/thread-self`. Elsewhere (no such file, or no permission) the read runs at the
   * process's priority, as before.
   */
  function lowerThisThreadsPriority(nice: number): void {
    if (nice === 0) return;
    const { readlinkSync } = process.getBuiltinModule("node:fs");
    const { getPriority, setPriority } = process.getBuiltinModule("node:os");
    try {
      const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
      if (!Number.isInteger(threadId) || threadId <= 0) return;
      setPriority(threadId, Math.min(19, getPriority(threadId) + nice));
    } catch {
      // Not Linux, or not allowed: reads keep the process's priority.
    }
  }
  parentPort!.on("message", (m: { id: number; sql: string; parameters: unknown[] }) => {
    try {
      const stmt = statementFor(m.sql);
      if (!stmt.reader) throw new Error("the read connection runs only statements that return rows");
      parentPort!.postMessage({ id: m.id, rows: stmt.all(...m.parameters) });
    } catch (error) {
      const e = error as { message?: unknown; code?: unknown };
      parentPort!.postMessage({ id: m.id, error: { message: String(e.message), code: e.code } });
    }
  });
}
