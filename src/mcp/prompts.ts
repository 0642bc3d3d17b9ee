import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { type McpContext, requireScope } from "./context.js";

/** One prompt: a guided investigation of an incident with the server's own tools. */
export function registerPrompts(server: McpServer, ctx: McpContext): void {
  server.registerPrompt(
    "investigate_incident",
    {
      title: "Investigate an incident",
      description:
        "Walks through an incident: what happened, the anomalies and log lines behind it, whether it is real, and what to do.",
      argsSchema: {
        incident_id: z.string().regex(/^\d+$/).describe("The incident's id (see list_incidents)"),
      },
    },
    async ({ incident_id }) => {
      requireScope(ctx, "read", "investigate_incident");
      const id = Number(incident_id);
      const incident = await ctx.rt.store.db
        .selectFrom("incidents")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      // The incident is inlined so the assistant starts from facts, not from a guess at the id.
      const facts = incident
        ? `Incident #${id} (${incident.status}, severity ${incident.severity}, service ${incident.service ?? "unknown"}, detected ${incident.detected_at}): ${incident.summary}\nFeatures: ${incident.features}\nLinked anomaly ids: ${incident.anomaly_ids}`
        : `There is no incident #${id} in Logwarden; say so and list recent incidents with list_incidents instead.`;
      const text = [
        `Investigate this Logwarden incident.`,
        facts,
        "",
        "Steps:",
        "1. For each linked anomaly (or search_anomalies around the detection time and service), call explain_anomaly: why it fired, the baseline against what was observed, the evidence lines.",
        '2. Use search_logs around the same time and service for context before and after; list_templates with order "new" shows message shapes never seen before.',
        "3. If the alerts are security alerts, get_alert_triage may have a risk verdict (it may be unavailable in this build).",
        "4. Conclude: what happened, when it started, which users, hosts or IPs are involved, and whether it looks like a real problem, a benign change or a false positive. Quote the log lines that show it.",
        "5. Propose next actions. Do not call submit_verdict unless the user confirms the verdict.",
      ].join("\n");
      return { messages: [{ role: "user", content: { type: "text", text } }] };
    },
  );
}
