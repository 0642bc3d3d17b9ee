import { createReadStream, statSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import type { AnalyzeReport } from "../../service/analyze.js";
import { configFromFlags, fail } from "../config-flags.js";
import { ProgressBar } from "../progress.js";

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
    .action(
      async (file: string, opts: { format: string; output?: string; service?: string; config?: string }) => {
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
          const [{ readRecords }, { analyzeLines }, { createProcessor }] = await Promise.all([
            import("../../parsers/decoders/index.js"),
            import("../../service/analyze.js"),
            import("../../pipeline/create-processor.js"),
          ]);
          const input = file === "-" ? process.stdin : createReadStream(file);
          const bar = new ProgressBar(size, basename(file));
          let bytes = 0;
          input.on("data", (chunk: Buffer | string) => {
            bytes += chunk.length;
          });
          const report = await analyzeLines(readRecords(input), createProcessor(config), {
            defaultService: opts.service ?? (file === "-" ? "stdin" : basename(file)),
            onProgress: (n) => bar.update(bytes, `${n} records`),
          });
          bar.finish();
          const text = render(report, opts.format as Format);
          if (opts.output) writeFileSync(opts.output, text);
          else process.stdout.write(text);
        } catch (error) {
          fail(error);
        }
      },
    );
}

function render(report: AnalyzeReport, format: Format): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  if (format === "ndjson") return report.anomalies.map((a) => `${JSON.stringify(a)}\n`).join("");
  const s = report.anomalies_by_severity;
  const lines = [
    `records     ${report.records}`,
    `templates   ${report.templates}`,
    `anomalies   ${report.anomalies.length} (critical ${s.critical}, high ${s.high}, medium ${s.medium}, low ${s.low})`,
    `time        ${report.duration_ms} ms`,
    "",
    "Top templates",
    ...report.top_templates.map((t) => `  ${String(t.count).padStart(7)}  ${t.template}`),
    "",
    report.anomalies.length ? "Anomalies" : "No anomalies.",
    ...report.anomalies
      .slice(0, 50)
      .map(
        (a) =>
          `  ${a.severity.padEnd(8)} ${a.detector.padEnd(13)} line ${String(a.index).padEnd(6)} ${a.description}`,
      ),
    ...(report.anomalies.length > 50 ? [`  … ${report.anomalies.length - 50} more (use --format json)`] : []),
    "",
    "Detectors",
    ...report.detectors.map((d) => `  ${d.name.padEnd(13)} ${d.phase.padEnd(8)} ${d.detail}`),
  ];
  return `${lines.join("\n")}\n`;
}
