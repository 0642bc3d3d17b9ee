import { createWriteStream, type WriteStream } from "node:fs";
import type { Command } from "commander";
import { shownText } from "../../core/line-limit.js";
import type { LogQuery } from "../../core/log-store.js";
import { terminalSafe as safe, terminalSafeJson } from "../../core/terminal-safe.js";
import { addConfigOptions, type FlagValues, fail } from "../config-flags.js";
import { withStore } from "./token.js";

/** Minimum OpenTelemetry severity number per level name (as MCP `search_logs`' `min_level`). */
/** A message as a text line shows it: whole, or its first 16 KiB and how long it is (`shownText`). */
function shownLine(message: string): string {
  const shown = shownText(message);
  return shown ? `${shown.text} [${shown.bytes} bytes; --json shows it whole]` : message;
}

const LEVELS = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
type LevelName = keyof typeof LEVELS;

/** The filters `logs search` and `logs export` share: the log store's one search (`LogQuery`). */
interface FilterFlags extends FlagValues {
  service?: string;
  hostname?: string;
  template?: string;
  level?: string;
  since?: string;
  until?: string;
}

interface SearchFlags extends FilterFlags {
  limit: string;
  json?: boolean;
}

interface ExportFlags extends FilterFlags {
  format: string;
  out?: string;
  limit?: string;
}

/** An ISO-8601 flag value as ISO UTC, or an error naming the flag (also read by `anomalies incidents`). */
export async function isoFlag(name: string, value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const { isoUtc, parseIsoTimestamp } = await import("../../core/time.js");
  const ms = parseIsoTimestamp(value);
  if (ms === null) throw new Error(`--${name} must be an ISO-8601 time, not '${value}'`);
  return isoUtc(ms);
}

function addFilterOptions(cmd: Command): Command {
  return cmd
    .argument("[words...]", "words the message contains; none filters nothing")
    .option("-s, --service <name>", "only this service, exactly")
    .option("--hostname <name>", "only records from this host (host.name), exactly")
    .option("-t, --template <id>", "only records of this template")
    .option("-l, --level <name>", `only at this level or above: ${Object.keys(LEVELS).join(", ")}`)
    .option("--since <time>", "only records at or after this time (ISO-8601)")
    .option("--until <time>", "only records before this time (ISO-8601)");
}

/** The flags' query, or an error naming the flag that is wrong. */
async function queryOf(words: string[], opts: FilterFlags): Promise<LogQuery> {
  if (opts.level !== undefined && !(opts.level in LEVELS))
    throw new Error(`--level must be one of ${Object.keys(LEVELS).join(", ")}; got '${opts.level}'`);
  return {
    text: words.join(" "),
    service: opts.service,
    host: opts.hostname,
    templateId: opts.template,
    minSeverityNumber: opts.level ? LEVELS[opts.level as LevelName] : undefined,
    since: await isoFlag("since", opts.since),
    until: await isoFlag("until", opts.until),
  };
}

/** `logwarden logs search` and `logs export`: the log store's one search, as REST, the dashboard and MCP search. */
export function registerLogsCommand(program: Command): void {
  const cmd = program.command("logs").description("stored log records: search them, export them");

  addFilterOptions(addConfigOptions(cmd.command("search")))
    .description(
      "records whose message holds every word (any case; the last may be the start of a word), newest first",
    )
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print the records as JSON lines, named as the API and `logs export` name them")
    .action(async (words: string[], opts: SearchFlags) => {
      try {
        if (!/^\d{1,4}$/.test(opts.limit) || Number(opts.limit) === 0)
          throw new Error(`--limit must be an integer from 1 to 9999, not '${opts.limit}'`);
        const query = await queryOf(words, opts);
        const [{ configuredLogStore }, { exportObject }] = await Promise.all([
          import("../../store/configured-log-store.js"),
          import("../../service/log-export.js"),
        ]);
        const found = await withStore(
          opts,
          async (store, config) =>
            (await configuredLogStore(store, config.logStore)).search(query, { limit: Number(opts.limit) }),
          { reading: true },
        );
        // Stored data reaches the terminal: its control characters are shown escaped (`\x1b`), the JSON
        // lines keep every value exactly. A text line shows the first 16 KiB of a longer message.
        for (const r of found) {
          process.stdout.write(
            opts.json
              ? `${terminalSafeJson(JSON.stringify(exportObject(r)))}\n`
              : `${safe(r.timestamp)} ${safe(r.service)} ${safe(r.level ?? "-")} #${r.ref} ${safe(shownLine(r.message).replace(/\s*\n\s*/g, " "))}\n`,
          );
        }
      } catch (error) {
        fail(error);
      }
    });

  addFilterOptions(addConfigOptions(cmd.command("export")))
    .description(
      "every record the same filters as `logs search` match, newest first, as NDJSON or CSV, streamed " +
        "(either log store); CSV cells are spreadsheet-safe",
    )
    .option("-f, --format <format>", "ndjson or csv", "ndjson")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .option("--limit <n>", "at most this many (default: every match)")
    .action(async (words: string[], opts: ExportFlags) => {
      try {
        if (opts.format !== "ndjson" && opts.format !== "csv")
          throw new Error(`--format must be ndjson or csv, not '${opts.format}'`);
        const format = opts.format;
        if (opts.limit !== undefined && (!/^\d{1,15}$/.test(opts.limit) || Number(opts.limit) === 0))
          throw new Error(`--limit must be a positive integer, not '${opts.limit}'`);
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        const query = await queryOf(words, opts);
        const [{ configuredLogStore }, { exportLogs }] = await Promise.all([
          import("../../store/configured-log-store.js"),
          import("../../service/log-export.js"),
        ]);
        const out = opts.out === undefined ? process.stdout : await openOut(opts.out);
        try {
          const written = await withStore(
            opts,
            async (store, config) =>
              exportLogs(await configuredLogStore(store, config.logStore), query, { format, limit }, (text) =>
                writeTo(out, text),
              ),
            { reading: true },
          );
          if (opts.out !== undefined) {
            await closeOut(out as WriteStream);
            process.stderr.write(`exported ${written} records to ${safe(opts.out)}\n`);
          }
        } catch (error) {
          if (opts.out !== undefined) (out as WriteStream).destroy();
          throw error;
        }
      } catch (error) {
        fail(error);
      }
    });
}

/** The `--out` file, opened (created or emptied), or an error naming it. */
function openOut(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path);
    stream.once("open", () => resolve(stream));
    stream.once("error", (error) => reject(new Error(`--out ${path}: ${error.message}`)));
  });
}

/** Writes `text`, resolving once the stream takes more (back-pressure), rejecting on a write error. */
function writeTo(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    out.once("error", onError);
    const done = () => {
      out.off("error", onError);
      resolve();
    };
    if (out.write(text)) done();
    else out.once("drain", done);
  });
}

function closeOut(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once("error", reject);
    out.end(() => resolve());
  });
}
