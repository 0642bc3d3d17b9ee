import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * Transactions take SQLite's write lock when they begin (`BEGIN IMMEDIATE`), not at their first write.
 * Another process may write the same file (`logwarden token create`, `import`, a second reader turned
 * writer): a deferred transaction that has read and then writes after such a commit fails at once with
 * SQLITE_BUSY — the busy timeout does not apply to that upgrade — while an immediate one waits its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
