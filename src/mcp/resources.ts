import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { listAnomalies } from "../store/repos/anomalies.js";
import { listIncidents } from "../store/repos/incidents.js";
import { type McpContext, requireScope } from "./context.js";
import { anomalySummary } from "./tools/search-anomalies.js";

const RECENT = 50;

/** Two read-only resources an assistant can attach as context: recent anomalies and open incidents. */
export function registerResources(server: McpServer, ctx: McpContext): void {
  server.registerResource(
    "recent_anomalies",
    "logwarden://anomalies/recent",
    {
      title: "Recent anomalies",
      description: `The ${RECENT} most recent anomalies, newest first (JSON)`,
      mimeType: "application/json",
    },
    async (uri) => {
      requireScope(ctx, "read", "reading anomalies");
      const rows = await listAnomalies(ctx.rt.store.db, { limit: RECENT, offset: 0 });
      return {
        contents: [
          { uri: uri.href, mimeType: "application/json", text: JSON.stringify(rows.map(anomalySummary)) },
        ],
      };
    },
  );
  server.registerResource(
    "open_incidents",
    "logwarden://incidents/open",
    {
      title: "Open incidents",
      description: `Open incidents, newest first, at most ${RECENT} (JSON)`,
      mimeType: "application/json",
    },
    async (uri) => {
      requireScope(ctx, "read", "reading incidents");
      const rows = await listIncidents(ctx.rt.store.db, { limit: RECENT, offset: 0, status: "open" });
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(rows) }] };
    },
  );
}
