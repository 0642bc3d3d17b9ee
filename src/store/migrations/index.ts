import type { Kysely, Migration, MigrationProvider } from "kysely";
import * as initial from "./001-initial.js";
import * as apiTokens from "./002-api-tokens.js";

type Dialect = "sqlite" | "postgres";
type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** Every migration, in order. Add a file `NNN-name.ts` and one line here. */
const STEPS: [string, Step][] = [
  ["001-initial", initial],
  ["002-api-tokens", apiTokens],
];

/** Kysely migrations bound to a dialect, so one migration file can cover both databases' differences. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(STEPS.map(([name, step]) => [name, { up: (db) => step.up(db, dialect) }]));
    },
  };
}
