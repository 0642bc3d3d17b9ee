import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import type { WriteTurnsSide } from "./sqlite-write-turns.js";

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
    await this.#turns?.beforeBegin();
    try {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    } catch (error) {
      this.#turns?.afterEnd();
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      // A failed commit is rolled back next, and SQLite has let the lock go either way.
      this.#turns?.afterEnd();
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#turns?.afterEnd();
    }
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
