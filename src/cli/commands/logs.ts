import type { Command } from "commander";
import { terminalSafe as safe, terminalSafeJson } from "../../core/terminal-safe.js";
import { addConfigOptions, type FlagValues, fail } from "../config-flags.js";
import { withStore } from "./token.js";

/** Minimum OpenTelemetry severity number per level name (as MCP `search_logs`' `min_level`). */
const LEVELS = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
type LevelName = keyof typeof LEVELS;

interface SearchFlags extends FlagValues {
  service?: string;
  hostname?: string;
  template?: string;
  level?: string;
  since?: string;
  until?: string;
  limit: string;
  json?: boolean;
}

/** An ISO-8601 flag value as ISO UTC, or an error naming the flag (also read by `anomalies incidents`). */
export async function isoFlag(name: string, value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const { isoUtc, parseIsoTimestamp } = await import("../../core/time.js");
  const ms = parseIsoTimestamp(value);
  if (ms === null) throw new Error(`--${name} must be an ISO-8601 time, not '${value}'`);
  return isoUtc(ms);
}

/** `logwarden logs search`: the log store's one search, as REST, the dashboard and MCP search. */
export function registerLogsCommand(program: Command): void {
  const cmd = program.command("logs").description("stored log records: search them");

  addConfigOptions(cmd.command("search"))
    .description(
      "records whose message holds every word (any case; the last may be the start of a word), newest first",
    )
    .argument("[words...]", "words the message contains; none lists the newest records")
    .option("-s, --service <name>", "only this service, exactly")
    .option("--hostname <name>", "only records from this host (host.name), exactly")
    .option("-t, --template <id>", "only records of this template")
    .option("-l, --level <name>", `only at this level or above: ${Object.keys(LEVELS).join(", ")}`)
    .option("--since <time>", "only records at or after this time (ISO-8601)")
    .option("--until <time>", "only records before this time (ISO-8601)")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print the records as JSON lines")
    .action(async (words: string[], opts: SearchFlags) => {
      try {
        if (!/^\d{1,4}$/.test(opts.limit) || Number(opts.limit) === 0)
          throw new Error(`--limit must be an integer from 1 to 9999, not '${opts.limit}'`);
        if (opts.level !== undefined && !(opts.level in LEVELS))
          throw new Error(`--level must be one of ${Object.keys(LEVELS).join(", ")}; got '${opts.level}'`);
        const since = await isoFlag("since", opts.since);
        const until = await isoFlag("until", opts.until);
        const { configuredLogStore } = await import("../../store/configured-log-store.js");
        const found = await withStore(opts, (store, config) =>
          configuredLogStore(store, config.logStore).search(
            {
              text: words.join(" "),
              service: opts.service,
              host: opts.hostname,
              templateId: opts.template,
              minSeverityNumber: opts.level ? LEVELS[opts.level as LevelName] : undefined,
              since,
              until,
            },
            { limit: Number(opts.limit) },
          ),
        );
        // Stored data reaches the terminal: its control characters are shown escaped (`\x1b`), the JSON
        // lines keep every value exactly.
        for (const r of found) {
          process.stdout.write(
            opts.json
              ? `${terminalSafeJson(JSON.stringify(r))}\n`
              : `${safe(r.timestamp)} ${safe(r.service)} ${safe(r.level ?? "-")} #${r.ref} ${safe(r.message.replace(/\s*\n\s*/g, " "))}\n`,
          );
        }
      } catch (error) {
        fail(error);
      }
    });
}
