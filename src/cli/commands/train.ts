import { createReadStream, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { addConfigOptions, configFromFlags, type FlagValues, fail } from "../config-flags.js";

export function registerTrainCommand(program: Command): void {
  addConfigOptions(program.command("train"))
    .description("train system 004's scoring model on a log file; serve uses it for /score and /ingest")
    .argument("<file>", "log file of normal operation (any format analyze reads)")
    .option("--window <secs>", "window length per service, seconds", "60")
    .option("--model-dir <dir>", "where model.json and model_info.json are written (default MODEL_DIR)")
    .option("--model-version <name>", "version name (default if-<n>)")
    .action(
      async (
        file: string,
        opts: FlagValues & { window: string; modelDir?: string; modelVersion?: string },
      ) => {
        try {
          const windowSecs = Number(opts.window);
          if (!Number.isFinite(windowSecs) || windowSecs <= 0)
            throw new Error(`--window must be a positive number of seconds, not '${opts.window}'`);
          try {
            if (!statSync(file).isFile()) throw new Error("not a regular file");
          } catch (error) {
            throw new Error(
              `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
            );
          }
          const config = await configFromFlags(opts);
          const [{ decodeLine }, { readLogEntries }, { openConfiguredStore }, { trainAndSave }] =
            await Promise.all([
              import("../../parsers/decoders/index.js"),
              import("../../parsers/read-entries.js"),
              import("../../store/db.js"),
              import("../../service/train.js"),
            ]);
          const ctx = { observedAt: new Date().toISOString(), defaultService: basename(file) };
          const records = [];
          for await (const line of readLogEntries(createReadStream(file)))
            records.push(decodeLine(line, ctx));
          const store = openConfiguredStore(config);
          try {
            await store.migrate();
            const result = await trainAndSave(store, records, {
              windowSecs,
              modelDir: resolve(opts.modelDir ?? config.modelDir),
              ...(opts.modelVersion ? { version: opts.modelVersion } : {}),
            });
            const info = result.artifact.info;
            process.stdout.write(
              `trained ${info.version} on ${info.training_samples} windows from ${records.length} records ` +
                `(stored as version ${result.modelVersion}); wrote ${result.files.join(", ")}\n`,
            );
          } finally {
            await store.close();
          }
        } catch (error) {
          fail(error);
        }
      },
    );
}
