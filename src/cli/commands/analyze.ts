import { createReadStream, statSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { terminalSafe as safe, terminalSafeJson } from "../../core/terminal-safe.js";
import type { AnalyzeReport } from "../../service/analyze.js";
import { streamOfUpload } from "../../service/upload-name.js";
import { configFromFlags, fail } from "../config-flags.js";
import { ProgressBar } from "../progress.js";
import { type AnalyzeFlags, renderSessions, type SessionReport, withSessionKey } from "../session-flags.js";

type Format = "text" | "json" | "ndjson";

export function registerAnalyzeCommand(program: Command): void {
  program
    .command("analyze")
    .description(
      "analyse a log file (or - for stdin) in memory and print what is abnormal; nothing is stored",
    )
    .argument("<file>", "log file, or - for standard input")
    .option("-f, --format <format>", "text | json | ndjson", "text")
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option("--service <name>", "service name for records that do not carry one (default: the file name)")
    .option("-c, --config <file>", "YAML or JSON config file (detector thresholds, …)")
    .option(
      "--session-key <regex|field>",
      "group records into sessions by this field or regex (e.g. 'blk_-?[0-9]+') and report anomalous sessions",
    )
    .option("--train <file>", "with --session-key: learn normal sessions from this baseline file first")
    .option(
      "--warmup-sessions <n>",
      "with --session-key and no --train: sessions learned from before judging",
    )
    .option("--no-verdicts", "report anomalies that people marked false positive in the store, too")
    .action(async (file: string, opts: AnalyzeFlags) => {
      if (!["text", "json", "ndjson"].includes(opts.format))
        fail(new Error(`--format must be text, json or ndjson, not '${opts.format}'`));
      let size = 0;
      if (file !== "-") {
        try {
          const stat = statSync(file);
          if (!stat.isFile()) throw new Error("not a regular file");
          size = stat.size;
        } catch (error) {
          fail(
            new Error(
              `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
            ),
          );
        }
      }
      try {
        const config = await configFromFlags({ ...(opts.config ? { config: opts.config } : {}) });
        if (opts.train && !opts.sessionKey) throw new Error("--train needs --session-key");
        if (opts.sessionKey) withSessionKey(config, opts.sessionKey, opts.warmupSessions);
        const [{ analyzeLines }, { createProcessor }, { openTextLogEntries }] = await Promise.all([
          import("../../service/analyze.js"),
          import("../../pipeline/create-processor.js"),
          import("../../service/upload-records.js"),
        ]);
        // A binary file is refused as the upload API refuses it, not read as lines.
        const readLogEntries = async function* (stream: AsyncIterable<Uint8Array | string>) {
          yield* (await openTextLogEntries(stream)).entries;
        };
        const suppressions = opts.verdicts
          ? await (await import("../../service/stored-suppressions.js")).loadStoredSuppressions(config)
          : undefined;
        // Bytes are counted as the records are read: a `data` listener would set the stream flowing
        // before reading starts, and chunks emitted meanwhile (while a baseline is read first) would be lost.
        const input = file === "-" ? process.stdin : createReadStream(file);
        const bar = new ProgressBar(size, basename(file));
        let bytes = 0;
        const counted = (async function* () {
          for await (const chunk of input as AsyncIterable<Buffer | string>) {
            bytes += chunk.length;
            yield chunk;
          }
        })();
        const analyzeOptions = {
          ...(suppressions ? { suppressions } : {}),
          // Named as uploads name a file (`Apache_2k.log` → `Apache_2k`): the same stream either way.
          defaultService: opts.service ?? (file === "-" ? "stdin" : streamOfUpload(file, basename(file))),
          onProgress: (n: number) => bar.update(bytes, `${n} records`),
        };
        const processor = createProcessor(config);
        const report = opts.sessionKey
          ? await (await import("../../service/analyze-sessions.js")).analyzeSessions(
              readLogEntries(counted),
              processor,
              // The baseline gets the input's service name, so its templates get the same ids.
              {
                ...analyzeOptions,
                ...(opts.train ? { train: readLogEntries(createReadStream(opts.train)) } : {}),
              },
            )
          : await analyzeLines(readLogEntries(counted), processor, analyzeOptions);
        bar.finish();
        const text = render(report, opts.format as Format);
        if (opts.output) writeFileSync(opts.output, text);
        else process.stdout.write(text);
      } catch (error) {
        fail(error);
      }
    });
}

/**
 * The report as text for a person, or as JSON. Text shows the data's control characters escaped
 * (`\x1b`: a log line's escape sequences must not reach the terminal); JSON keeps every value exactly.
 */
function render(report: AnalyzeReport, format: Format): string {
  if (format === "json") return `${terminalSafeJson(JSON.stringify(report, null, 2))}\n`;
  if (format === "ndjson")
    return report.anomalies.map((a) => `${terminalSafeJson(JSON.stringify(a))}\n`).join("");
  const s = report.anomalies_by_severity;
  const lines = [
    `records     ${report.records}`,
    `templates   ${report.templates}`,
    `anomalies   ${report.anomalies.length} (critical ${s.critical}, high ${s.high}, medium ${s.medium}, low ${s.low})`,
    `incidents   ${report.incidents.length} (anomalies about one user, address or host within 30 min)`,
    `time        ${report.duration_ms} ms`,
    "",
    "Top templates",
    ...report.top_templates.map((t) => `  ${String(t.count).padStart(7)}  ${safe(t.template)}`),
    "",
    report.anomalies.length ? "Anomalies" : "No anomalies.",
    ...report.anomalies
      .slice(0, 50)
      .map(
        (a) =>
          `  ${a.severity.padEnd(8)} ${safe(a.detector).padEnd(13)} line ${String(a.index).padEnd(6)} ${safe(a.description)}`,
      ),
    ...(report.anomalies.length > 50 ? [`  … ${report.anomalies.length - 50} more (use --format json)`] : []),
    "",
    ...("sessions" in report ? renderSessions(report.sessions as SessionReport) : []),
    "Detectors",
    ...report.detectors.map((d) => `  ${d.name.padEnd(13)} ${d.phase.padEnd(8)} ${safe(d.detail)}`),
  ];
  return `${lines.join("\n")}\n`;
}
