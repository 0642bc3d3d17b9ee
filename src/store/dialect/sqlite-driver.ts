import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import type { WriteTurnRole, WriteTurns } from "./sqlite-write-turns.js";

/** A connection's side of the hand-off of the write lock with another thread's (`sqlite-write-turns.ts`). */
export interface WriteTurnsSide {
  turns: WriteTurns;
  role: WriteTurnRole;
}

/**
 * Transactions take SQLite's write lock when they begin (`BEGIN IMMEDIATE`), not at their first write.
 * Another process may write the same file (`logwarden token create`, `import`, a second reader turned
 * writer): a deferred transaction that has read and then writes after such a commit fails at once with
 * SQLITE_BUSY — the busy timeout does not apply to that upgrade — while an immediate one waits its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #turns: WriteTurnsSide | undefined;

  constructor(config: SqliteDialectConfig, turns: WriteTurnsSide | undefined) {
    super(config);
    this.#turns = turns;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const side = this.#turns;
    if (side === undefined) {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
      return;
    }
    if (side.role === "yield") await side.turns.beforeYielderBegins();
    else await side.turns.beforeTakerBegins();
    try {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    } catch (error) {
      this.#ended();
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      // A failed commit is rolled back next, and SQLite has let the lock go either way.
      this.#ended();
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#ended();
    }
  }

  #ended(): void {
    const side = this.#turns;
    if (side === undefined) return;
    if (side.role === "yield") side.turns.afterYielderEnds();
    else side.turns.afterTakerEnds();
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #turns: WriteTurnsSide | undefined;

  constructor(config: SqliteDialectConfig, turns?: WriteTurnsSide) {
    super(config);
    this.#config = config;
    this.#turns = turns;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#turns);
  }
}
