import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { terminalSafe as safe } from "../../core/terminal-safe.js";
import { configFromFlags, fail } from "../config-flags.js";
import { ProgressBar } from "../progress.js";

interface BatchFlags {
  logDir: string;
  outputDir: string;
  once?: boolean;
  interval?: string;
  config?: string;
}

function modelVersion(configured: string | undefined): string {
  if (configured) return configured;
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return `logwarden-${pkg.version}`;
}

/**
 * `logwarden batch`: system 002's batch processor (contracts §3.7). `--once` runs one pass and exits 1
 * naming every file that failed; otherwise a pass runs every `--interval` (or BATCH_INTERVAL) seconds
 * until SIGINT/SIGTERM.
 */
export function registerBatchCommand(program: Command): void {
  program
    .command("batch")
    .description("analyse new and changed log files of a directory, writing one JSON report per file")
    .option("--log-dir <dir>", "directory of log files to analyse", "logs/")
    .option(
      "--output-dir <dir>",
      "where reports, the summary and the batch state are written",
      "batch_outputs/",
    )
    .option("--once", "run a single pass and exit")
    .option("--interval <seconds>", "seconds between passes (BATCH_INTERVAL, default 3600)")
    .option("-c, --config <file>", "YAML or JSON config file (detector thresholds, …)")
    .action(async (flags: BatchFlags) => {
      if (flags.once && flags.interval) fail(new Error("--once and --interval exclude each other"));
      const config = await configFromFlags(flags.config ? { config: flags.config } : {}).catch(fail);
      let intervalSecs = config.batchInterval;
      if (flags.interval !== undefined) {
        intervalSecs = Number(flags.interval);
        if (!Number.isFinite(intervalSecs) || intervalSecs <= 0)
          fail(new Error(`--interval must be a positive number of seconds, not '${flags.interval}'`));
      }
      const { runBatchPass } = await import("../../service/batch.js");
      const tty = Boolean(process.stderr.isTTY);
      let bar: ProgressBar | null = null;
      const pass = () =>
        runBatchPass({
          logDir: flags.logDir,
          outputDir: flags.outputDir,
          config,
          modelVersion: modelVersion(config.modelVersion),
          onFileStart: (file, bytes) => {
            if (tty) bar = new ProgressBar(bytes, file);
          },
          onFileProgress: (_file, read) => bar?.update(read),
          onFileDone: (o) => {
            if (bar) {
              bar.update(bar.total);
              bar.finish();
              bar = null;
            }
            // Without a TTY (cron, containers) one line per file is the progress report. File names are
            // whatever landed in the directory, and errors may quote a file: control characters escaped.
            if (o.ok)
              process.stderr.write(
                `batch: ${safe(o.file)}: ${o.events} events, ${o.anomalies} anomalies, ${o.ms} ms -> ${safe(o.report ?? "")}\n`,
              );
            else process.stderr.write(`batch: ${safe(o.file)}: FAILED: ${safe(o.error ?? "")}\n`);
          },
        });
      const report = (r: Awaited<ReturnType<typeof pass>>) => {
        process.stderr.write(
          `batch: ${r.processed.length} processed, ${r.skipped} unchanged, ${r.failed.length} failed; summary ${safe(r.summaryPath)}\n`,
        );
        if (r.failed.length > 0)
          process.stderr.write(
            `logwarden: ${r.failed.length} file(s) failed: ${r.failed.map((f) => `${safe(f.file)} (${safe(f.error ?? "")})`).join(", ")}\n`,
          );
      };
      if (flags.once) {
        const r = await pass().catch(fail);
        report(r);
        process.exitCode = r.failed.length > 0 ? 1 : 0;
        return;
      }
      let stopping = false;
      let wake: (() => void) | null = null;
      const stop = () => {
        stopping = true;
        wake?.();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      while (!stopping) {
        try {
          report(await pass());
        } catch (error) {
          process.stderr.write(`logwarden: batch pass failed: ${safe((error as Error).message)}\n`);
        }
        if (stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalSecs * 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    });
}
