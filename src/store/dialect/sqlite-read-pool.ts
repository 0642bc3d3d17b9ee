import { Worker } from "node:worker_threads";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { workerSource } from "../../core/worker-source.js";
import { sqliteReadWorkerMain } from "./sqlite-read-worker.js";
import { KEEP_FOREVER } from "./statement-cache.js";

/** How far below the process's priority each read thread runs, so long reads never slow ingest (Linux). */
const READ_THREAD_NICE = 10;

interface Answer {
  id: number;
  rows?: unknown[];
  error?: { message: string; code?: unknown };
}

interface Pending {
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

/** One worker thread and the queries it has not answered yet. */
class ReadWorker {
  readonly pending = new Map<number, Pending>();
  readonly #worker: Worker;

  constructor(path: string, cacheMb: number, onExit: (self: ReadWorker) => void) {
    this.#worker = new Worker(workerSource(sqliteReadWorkerMain), {
      eval: true,
      workerData: {
        path,
        cacheMb,
        requireFrom: import.meta.url,
        keepForever: KEEP_FOREVER,
        nice: READ_THREAD_NICE,
      },
    });
    // A pool nobody closed must not keep the process alive.
    this.#worker.unref();
    this.#worker.on("message", (m: Answer) => {
      const waiting = this.pending.get(m.id);
      if (!waiting) return;
      this.pending.delete(m.id);
      if (m.error) waiting.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else waiting.resolve(m.rows ?? []);
    });
    const fail = (error: Error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => {
      fail(new Error(`the SQLite read thread exited (code ${code})`));
      onExit(this);
    });
  }

  query(id: number, sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, sql, parameters });
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

/**
 * Read-only connections to one SQLite file, each on its own thread. The store's own connection runs on the
 * main thread, where better-sqlite3 blocks the event loop for as long as a query takes: a histogram or a
 * search over millions of lines held ingest, every API route and the probes for seconds (the 60-minute
 * soak fell behind on it). Reads sent here take another core and leave the event loop free. WAL mode lets
 * them run beside the writer; each sees every transaction committed before it starts, so a line is
 * readable here as soon as its ingest request has been answered.
 *
 * A query goes to the thread with the fewest waiting, so one slow histogram does not hold a quick search.
 * A thread that dies is replaced on the next query; the queries it held fail.
 */
export class SqliteReadPool {
  readonly #workers: (ReadWorker | undefined)[];
  #nextId = 0;
  #closed = false;

  constructor(
    readonly path: string,
    readonly cacheMb: number,
    size: number,
  ) {
    this.#workers = new Array<ReadWorker | undefined>(Math.max(1, size)).fill(undefined);
  }

  query(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new Error("the SQLite read pool is closed"));
    return this.#leastBusy().query(this.#nextId++, sql, parameters);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const running = this.#workers.filter((w): w is ReadWorker => w !== undefined);
    this.#workers.fill(undefined);
    await Promise.all(running.map((w) => w.terminate()));
  }

  #leastBusy(): ReadWorker {
    let best = -1;
    for (let i = 0; i < this.#workers.length; i++) {
      const worker = this.#workers[i];
      // An idle slot with no thread yet: start one there (threads start on demand).
      if (!worker) return this.#start(i);
      if (best < 0 || worker.pending.size < this.#workers[best]!.pending.size) best = i;
    }
    return this.#workers[best]!;
  }

  #start(slot: number): ReadWorker {
    const worker = new ReadWorker(this.path, this.cacheMb, (self) => {
      if (this.#workers[slot] === self) this.#workers[slot] = undefined;
    });
    this.#workers[slot] = worker;
    return worker;
  }
}

/** Kysely's connection over the pool: selects only (no transactions, no streaming). */
class PoolConnection implements DatabaseConnection {
  constructor(private readonly pool: SqliteReadPool) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return { rows: (await this.pool.query(compiled.sql, compiled.parameters)) as R[] };
  }

  // biome-ignore lint/correctness/useYield: an async generator that refuses at once is the interface's shape
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the SQLite read pool does not stream");
  }
}

class PoolDriver implements Driver {
  readonly #connection: PoolConnection;

  constructor(private readonly pool: SqliteReadPool) {
    this.#connection = new PoolConnection(pool);
  }

  async init(): Promise<void> {}
  // Queries are independent messages with their own ids, so every caller can share one connection.
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }
  async beginTransaction(): Promise<void> {
    throw new Error("the SQLite read pool runs no transactions");
  }
  async commitTransaction(): Promise<void> {
    throw new Error("the SQLite read pool runs no transactions");
  }
  async rollbackTransaction(): Promise<void> {
    throw new Error("the SQLite read pool runs no transactions");
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {
    await this.pool.close();
  }
}

/** A Kysely dialect whose queries run on `pool`'s threads: SQLite's SQL, adapter and introspection. */
export function readPoolDialect(pool: SqliteReadPool): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new PoolDriver(pool),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}
