import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { suppressionJson, suppressionSchema } from "../../service/suppression-json.js";
import { revokeSuppression } from "../../service/suppressions.js";
import type { McpContext } from "../context.js";
import { summaryResult } from "../results.js";
import { registerScopedTool } from "../tool-access.js";

/** Lifts a suppression as `DELETE /api/v1/suppressions/{id}` does: audited, effective at once. */
export function registerRevokeSuppression(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "revoke_suppression",
    { scope: "admin" },
    {
      title: "Revoke a suppression",
      description:
        "Revokes a false-positive suppression: from now on its detector reports that entity again. Audited with the caller's name. Needs the admin scope. Only revoke what the user decided.",
      inputSchema: {
        suppression_id: z.number().int().positive().describe("The suppression's id (see list_suppressions)"),
        reason: z.string().min(1).max(2000).optional().describe("Why; kept in the audit log"),
      },
      outputSchema: { suppression: suppressionSchema },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args) => {
      // Un-muting changes what operators are alerted on: admin, as submit_verdict.
      const revoked = await revokeSuppression(
        ctx.rt,
        args.suppression_id,
        ctx.caller.name,
        args.reason ?? null,
      );
      const s = suppressionJson(revoked, ctx.rt.clock.now());
      return summaryResult(
        `Suppression #${s.id} (${s.detector}${s.entity ? ` on ${s.entity}` : ""}) revoked; it had suppressed ${s.suppressed_count} finding(s).`,
        { suppression: s },
      );
    },
  );
}
