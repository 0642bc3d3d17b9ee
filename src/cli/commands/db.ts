import type { Command } from "commander";
import { addConfigOptions, configFromFlags, fail } from "../config-flags.js";

export function registerDbCommand(program: Command): void {
  const db = program.command("db").description("database maintenance");
  addConfigOptions(db.command("migrate"))
    .description("apply pending migrations (serve also does this at start)")
    .action(async (flags) => {
      try {
        const config = await configFromFlags(flags);
        const { openConfiguredStore } = await import("../../store/db.js");
        const store = openConfiguredStore(config);
        try {
          const applied = await store.migrate();
          process.stdout.write(
            applied.length
              ? `applied: ${applied.join(", ")} (${store.location})\n`
              : `up to date (${store.location})\n`,
          );
        } finally {
          await store.close();
        }
      } catch (error) {
        fail(error);
      }
    });
}
