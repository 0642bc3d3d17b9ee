import type { Command } from "commander";
import { terminalSafe, terminalSafeJson } from "../../core/terminal-safe.js";
import { addConfigOptions, type FlagValues, fail } from "../config-flags.js";
import { isoFlag } from "./logs.js";
import { withStore } from "./token.js";

interface IncidentFlags extends FlagValues {
  since?: string;
  until?: string;
  windowSecs: string;
  limit: string;
  json?: boolean;
}

/** An integer flag within [min, max], or an error naming the flag. */
function intFlag(name: string, value: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new Error(`--${name} must be an integer from ${min} to ${max}, not '${value}'`);
  return n;
}

/**
 * `logwarden anomalies incidents`: the stored anomalies of a time window grouped by the user, address or
 * host they concern, through the same use-case as `GET /api/v1/anomaly-incidents`, MCP
 * `list_anomaly_incidents` and the dashboard's Incidents view.
 */
export function registerAnomaliesCommand(program: Command): void {
  const cmd = program.command("anomalies").description("stored anomalies: grouped into incidents");

  addConfigOptions(cmd.command("incidents"))
    .description(
      "anomalies of a time window grouped into incidents (findings about one user, address or host close in time), most recently active first",
    )
    .option("--since <time>", "only anomalies at or after this time (ISO-8601; default a day before --until)")
    .option("--until <time>", "only anomalies before this time (ISO-8601; default now)")
    .option(
      "--window-secs <n>",
      "findings about one entity this close in time are one incident (60–86400)",
      "1800",
    )
    .option("--limit <n>", "at most this many incidents", "50")
    .option(
      "--json",
      "print the page {since, until, window_secs, findings, truncated, total, incidents} as JSON",
    )
    .action(async (opts: IncidentFlags) => {
      try {
        const limit = intFlag("limit", opts.limit, 1, 9999);
        const windowSecs = intFlag("window-secs", opts.windowSecs, 60, 86_400);
        const since = await isoFlag("since", opts.since);
        const until = await isoFlag("until", opts.until);
        const { anomalyIncidents } = await import("../../service/anomaly-incidents.js");
        const page = await withStore(
          opts,
          (store) =>
            anomalyIncidents(
              store,
              { limit, windowSecs, ...(since ? { since } : {}), ...(until ? { until } : {}) },
              Date.now(),
            ),
          { reading: true },
        );
        if (opts.json) {
          process.stdout.write(`${terminalSafeJson(JSON.stringify(page))}\n`);
          return;
        }
        process.stdout.write(
          `${page.total} incident${page.total === 1 ? "" : "s"} from ${page.findings} anomal${page.findings === 1 ? "y" : "ies"} between ${page.since} and ${page.until} (window ${page.window_secs} s)${page.truncated ? "; only the newest 10,000 anomalies were grouped" : ""}\n`,
        );
        if (page.incidents.length === 0) return;
        // Entities come from the logs: each cell is shown with its control characters escaped.
        const table = page.incidents.map((i) =>
          [
            String(i.id),
            i.severity,
            i.score.toFixed(2),
            i.start,
            i.end,
            String(i.anomaly_ids.length),
            i.entities.join(","),
            i.detectors.join(","),
          ].map(terminalSafe),
        );
        const head = ["ID", "SEVERITY", "SCORE", "START", "END", "FINDINGS", "ENTITIES", "DETECTORS"];
        const widths = head.map((h, n) => Math.max(h.length, ...table.map((r) => r[n]!.length)));
        for (const r of [head, ...table])
          process.stdout.write(
            `${r
              .map((c, n) => c.padEnd(widths[n]!))
              .join("  ")
              .trimEnd()}\n`,
          );
        if (page.total > page.incidents.length)
          process.stdout.write(
            `(${page.incidents.length} of ${page.total}; raise --limit or narrow --since/--until)\n`,
          );
      } catch (error) {
        fail(error);
      }
    });
}
