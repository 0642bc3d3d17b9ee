import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { listSigmaRules } from "../../service/sigma-rules.js";
import type { McpContext } from "../context.js";
import { summaryResult } from "../results.js";
import { registerScopedTool } from "../tool-access.js";

const ruleSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  title: z.string(),
  kind: z.enum(["detection", "correlation"]),
  source: z.string(),
  level: z.string(),
  status: z.string().nullable(),
  tags: z.array(z.string()),
  standalone: z.boolean(),
  enabled: z.boolean(),
  file: z.string(),
  hits: z.number().int(),
  last_match: z.string().nullable(),
});

const refusedSchema = z.object({
  source: z.string(),
  id: z.string().nullable(),
  title: z.string().nullable(),
  kind: z.string(),
  reason: z.string(),
});

/** The Sigma rules the pipeline runs and their hits, as `GET /api/v1/rules` lists them. */
export function registerListRules(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "list_rules",
    { scope: "read" },
    {
      title: "List detection rules",
      description:
        "Lists the Sigma rules this service checks every incoming log record against. A Sigma rule is a published, vendor-neutral description of a suspicious log event (a detection rule, e.g. a failed root login) or of a pattern of such events over time (a correlation rule, e.g. many failed logins for one account within minutes). " +
        "For each rule: id, title, level (informational to critical), kind, the log source it reads, its tags (often MITRE ATT&CK techniques such as attack.t1110), whether it is enabled, and its hits: how many records (or, for a correlation, how many completed patterns) it has matched since the service's detector state began, with last_match the log time of the most recent one. " +
        "A rule with standalone false only feeds a correlation and raises no finding of its own. A disabled rule (switched off by an administrator) raises nothing, counts no hits and feeds no correlation. Each match of a standalone rule is stored as an anomaly of detector sigma (search_anomalies with detector sigma finds them). " +
        "refused lists the rule files that could not be used, with the reason. When no rules have been installed on the server, the listing is empty and enabled is false. Optional search: part of a title, id, name or tag (case-insensitive).",
      inputSchema: {
        search: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('Part of a title, id, name or tag, e.g. "ssh" or "t1110"'),
      },
      outputSchema: {
        enabled: z.boolean().describe("false when no Sigma rules are installed on this server"),
        rules: z.array(ruleSchema),
        refused: z.array(refusedSchema),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const listing = listSigmaRules(ctx.rt, args.search);
      const lines: string[] = [];
      if (!listing.enabled) lines.push("No Sigma rules are installed on this server: nothing is listed.");
      else if (listing.rules.length === 0)
        lines.push(args.search ? `No rule matches "${args.search}".` : "No rules are loaded.");
      else {
        lines.push(`${listing.rules.length} rule${listing.rules.length === 1 ? "" : "s"}:`);
        for (const r of listing.rules)
          lines.push(
            `${r.id} [${r.level}, ${r.kind}${r.standalone ? "" : ", feeds a correlation"}${r.enabled ? "" : ", DISABLED"}] ${r.title} (${r.source}): ${r.hits} hit${r.hits === 1 ? "" : "s"}${r.last_match ? `, last ${r.last_match}` : ""}`,
          );
      }
      if (listing.refused.length > 0) {
        lines.push(`${listing.refused.length} refused:`);
        for (const f of listing.refused)
          lines.push(`${f.source}${f.title ? ` (${f.title})` : ""}: ${f.reason}`);
      }
      return summaryResult(lines.join("\n"), listing);
    },
  );
}
