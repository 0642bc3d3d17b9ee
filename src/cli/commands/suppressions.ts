import type { Command } from "commander";
import { terminalSafe, terminalSafeJson } from "../../core/terminal-safe.js";
import { addConfigOptions, type FlagValues, fail } from "../config-flags.js";
import { cliActor, withStore } from "./token.js";

interface ListFlags extends FlagValues {
  detector?: string;
  entity?: string;
  query?: string;
  state: string;
  limit: string;
  json?: boolean;
}

/** `logwarden suppressions list|revoke`: what false-positive verdicts mute, and lifting one. */
export function registerSuppressionsCommand(program: Command): void {
  const cmd = program
    .command("suppressions")
    .description("false-positive suppressions: list and search them, revoke one");

  addConfigOptions(cmd.command("list"))
    .description("list suppressions, newest first: who, why, when, until when, findings suppressed")
    .option("-d, --detector <name>", "only this detector, e.g. brute_force")
    .option("-e, --entity <key>", "only this entity (detector key), e.g. ip:10.0.0.5")
    .option("-q, --query <text>", "text in the entity, detector, reason or author")
    .option("--state <state>", "active, lifted, expired or all", "active")
    .option("--limit <n>", "at most this many", "100")
    .option("--json", "print {items, total} as JSON")
    .action(async (opts: ListFlags) => {
      try {
        const { listSuppressions, SUPPRESSION_STATES } = await import(
          "../../store/repos/suppression-list.js"
        );
        const { suppressionJson } = await import("../../service/suppression-json.js");
        const { isoUtc } = await import("../../core/time.js");
        const state = SUPPRESSION_STATES.find((s) => s === opts.state);
        if (!state)
          throw new Error(`--state must be one of ${SUPPRESSION_STATES.join(", ")}; got '${opts.state}'`);
        if (!/^\d{1,4}$/.test(opts.limit))
          throw new Error(`--limit must be an integer up to 9999, not '${opts.limit}'`);
        const nowMs = Date.now();
        const { items, total } = await withStore(
          opts,
          (store) =>
            listSuppressions(
              store.db,
              {
                state,
                limit: Number(opts.limit),
                offset: 0,
                ...(opts.detector ? { detector: opts.detector } : {}),
                ...(opts.entity ? { key: opts.entity } : {}),
                ...(opts.query ? { q: opts.query } : {}),
              },
              isoUtc(nowMs),
            ),
          { reading: true },
        );
        const rows = items.map((s) => suppressionJson(s, nowMs));
        if (opts.json) {
          process.stdout.write(`${terminalSafeJson(JSON.stringify({ items: rows, total }))}\n`);
          return;
        }
        // Entities, authors and reasons are data: each cell is shown with its control characters escaped.
        const table = rows.map((s) =>
          [
            String(s.id),
            s.detector,
            s.entity ?? (s.template_id ? `template ${s.template_id}` : "(all)"),
            s.max_score === null ? "any" : `<= ${s.max_score}`,
            s.created_by ?? "-",
            s.created_at,
            s.lifted_at ? `revoked ${s.lifted_at}` : (s.expires_at ?? "never"),
            String(s.suppressed_count),
            s.reason ?? "",
          ].map(terminalSafe),
        );
        const head = ["ID", "DETECTOR", "ENTITY", "SCORE", "BY", "CREATED", "UNTIL", "SUPPRESSED", "WHY"];
        const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
        for (const r of [head, ...table])
          process.stdout.write(
            `${r
              .map((c, i) => c.padEnd(widths[i]!))
              .join("  ")
              .trimEnd()}\n`,
          );
        if (total > rows.length)
          process.stdout.write(`(${rows.length} of ${total}; narrow with --detector, --entity, --query)\n`);
      } catch (error) {
        fail(error);
      }
    });

  addConfigOptions(cmd.command("revoke"))
    .description("revoke a suppression by id (audited); a running server applies it within a tick")
    .argument("<id>", "suppression id (see suppressions list)")
    .option("-r, --reason <text>", "why; kept in the audit log")
    .action(async (id: string, opts: FlagValues & { reason?: string }) => {
      try {
        if (!/^[1-9]\d{0,14}$/.test(id))
          throw new Error(`suppression id must be a positive integer, not '${id}'`);
        const { revokeSuppression } = await import("../../service/suppressions.js");
        const { SuppressionList } = await import("../../pipeline/suppressions.js");
        const { systemClock } = await import("../../core/clock.js");
        const revoked = await withStore(opts, (store) =>
          // No pipeline runs in this process: a throwaway list; `serve` reloads the store's on its tick.
          revokeSuppression(
            { store, clock: systemClock, pipeline: { suppressions: new SuppressionList() } },
            Number(id),
            cliActor(),
            opts.reason ?? null,
          ),
        );
        process.stdout.write(
          `revoked suppression ${revoked.id} (${terminalSafe(revoked.detector)}${revoked.key ? ` on ${terminalSafe(revoked.key)}` : ""}); it had suppressed ${revoked.suppressedCount} finding(s)\n`,
        );
      } catch (error) {
        fail(error);
      }
    });
}
