import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { addConfigOptions, configFromFlags, type FlagValues, fail } from "../config-flags.js";

type ImportFlags = FlagValues & { feed?: string; format?: string; threatLevel?: string; confidence?: string };

// What src/triage/inventory-import.ts and intel-import.ts read; a CSV's first line is its header.
const IMPORT_FILE_FORMATS = `
Files (CSV: a header line, then one row per entry; columns in any order):
  assets  asset_id (or id; rows without one are skipped), hostname (or host), ip, owner,
          criticality (low|medium|high|critical; default medium), environment
  users   user_id (or id; rows without one are skipped), name (or username), email,
          department, privileged (or admin: 1|true|yes|y|on)
          Other columns of assets and users are kept as the entry's attributes.
  intel   list: the first word of each line is an indicator (IP, domain, URL or hash);
                '#' starts a comment
          csv:  ioc (or indicator or value), type (ip|domain|url|hash; default guessed),
                threat_level (or level: unknown|clean|suspicious|malicious),
                confidence (0-1 or 0-100), description
          stix: a STIX 2.1 bundle; its indicators' patterns give the IOCs
          auto (the default) reads '{' as STIX, a header naming ioc/indicator/value as CSV

Examples:
  logwarden import assets assets.csv
  logwarden import intel blocklist.txt --feed blocklist --threat-level suspicious
`;

/** `logwarden import assets|users|intel FILE`: the triage inventory and local threat-intel feeds. */
export function registerImportCommand(program: Command): void {
  addConfigOptions(program.command("import"))
    .description("import triage data: assets or users (CSV), intel (plain list, CSV or STIX 2.1 bundle)")
    .argument("<kind>", "assets, users or intel")
    .argument("<file>", "the file to read ('-' for stdin)")
    .option("--feed <name>", "intel: the feed's name (its source in threat_intel); default: the file name")
    .option("--format <format>", "intel: list, csv, stix or auto", "auto")
    .option(
      "--threat-level <level>",
      "intel: level of entries that give none (suspicious|malicious|clean)",
      "malicious",
    )
    .option("--confidence <n>", "intel: confidence of entries that give none, 0-1", "0.7")
    .addHelpText("after", IMPORT_FILE_FORMATS)
    .action(async (kind: string, file: string, opts: ImportFlags) => {
      try {
        if (!["assets", "users", "intel"].includes(kind))
          throw new Error(`kind must be assets, users or intel; got '${kind}'`);
        const text = readFileSync(file === "-" ? 0 : file, "utf8");
        const config = await configFromFlags(opts);
        const [{ databaseUrlFor, openStore }, { isoUtc }] = await Promise.all([
          import("../../store/db.js"),
          import("../../core/time.js"),
        ]);
        // Triage data lives where the triage runs: TRIAGE_DATABASE_URL when set, else the one store.
        const store = openStore({
          url: config.triage.databaseUrl ?? databaseUrlFor(config),
          sqliteCacheMb: config.sqliteCacheMb,
        });
        try {
          await store.migrate();
          const now = isoUtc(Date.now());
          let count: number;
          if (kind === "intel") {
            const { parseIntelFeed, INTEL_FORMATS } = await import("../../triage/intel-import.js");
            const { THREAT_LEVELS } = await import("../../triage/types.js");
            const format = opts.format ?? "auto";
            if (format !== "auto" && !(INTEL_FORMATS as readonly string[]).includes(format))
              throw new Error(`--format must be auto, ${INTEL_FORMATS.join(", ")}`);
            const level = opts.threatLevel ?? "malicious";
            if (!(THREAT_LEVELS as readonly string[]).includes(level))
              throw new Error(`--threat-level must be one of ${THREAT_LEVELS.join(", ")}`);
            const confidence = Number(opts.confidence ?? "0.7");
            if (!(confidence >= 0 && confidence <= 1))
              throw new Error("--confidence must be between 0 and 1");
            const feed = opts.feed ?? (file === "-" ? "stdin" : (file.split("/").pop() ?? file));
            const list = parseIntelFeed(text, format as "auto", {
              feed,
              threat_level: level as "malicious",
              confidence,
            });
            const { upsertIndicators } = await import("../../store/repos/intel-feeds.js");
            count = await upsertIndicators(store.db, list, now);
          } else if (kind === "users") {
            const { parseUsersCsv } = await import("../../triage/inventory-import.js");
            const { upsertUsers } = await import("../../store/repos/inventory.js");
            const users = parseUsersCsv(text);
            await upsertUsers(store, users, now);
            count = users.length;
          } else {
            const { parseAssetsCsv } = await import("../../triage/inventory-import.js");
            const { upsertAssets } = await import("../../store/repos/inventory.js");
            const assets = parseAssetsCsv(text);
            await upsertAssets(store.db, assets, now);
            count = assets.length;
          }
          process.stdout.write(`imported ${count} ${kind === "intel" ? "indicators" : kind}\n`);
        } finally {
          await store.close();
        }
      } catch (error) {
        fail(error);
      }
    });
}
