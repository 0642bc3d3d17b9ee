import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Runtime } from "../service/runtime.js";
import type { McpCaller, McpContext } from "./context.js";
import { registerPrompts } from "./prompts.js";
import { registerResources } from "./resources.js";
import { registerAnalyzeLogFile } from "./tools/analyze-log-file.js";
import { registerAnalyzeLogs } from "./tools/analyze-logs.js";
import { registerExplainAnomaly } from "./tools/explain-anomaly.js";
import { registerGetAlertTriage } from "./tools/get-alert-triage.js";
import { registerGetDetectionStats } from "./tools/get-detection-stats.js";
import { registerListAnomalyIncidents } from "./tools/list-anomaly-incidents.js";
import { registerListIncidents } from "./tools/list-incidents.js";
import { registerListRules } from "./tools/list-rules.js";
import { registerListSuppressions } from "./tools/list-suppressions.js";
import { registerListTemplates } from "./tools/list-templates.js";
import { registerLoadAnomalyModels } from "./tools/load-anomaly-models.js";
import { registerRevokeSuppression } from "./tools/revoke-suppression.js";
import { registerSearchAnomalies } from "./tools/search-anomalies.js";
import { registerSearchLogs } from "./tools/search-logs.js";
import { registerSubmitVerdict } from "./tools/submit-verdict.js";

/** System 002's server key in MCP client configurations (contracts §3.6). */
export const MCP_SERVER_NAME = "log-anomaly-detection";

const INSTRUCTIONS =
  "Logwarden finds anomalies in logs. analyze_logs / analyze_log_file run the detectors on records you give; " +
  "search_anomalies, explain_anomaly, search_logs, list_templates and list_incidents read what the service has stored; " +
  "submit_verdict records a person's decision and needs their confirmation; list_suppressions shows what false-positive verdicts mute, revoke_suppression lifts one (also a person's decision); list_rules lists the Sigma detection rules and their hits.";

/**
 * One MCP server over the runtime, for one caller: the tools call the same service and repository
 * functions as the REST routes (never HTTP), so an analysis here equals `POST /analyze`'s.
 */
export function createMcpServer(rt: Runtime, caller: McpCaller, version: string): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, title: "Logwarden", version },
    { instructions: INSTRUCTIONS },
  );
  const ctx: McpContext = { rt, caller };
  for (const register of [
    registerLoadAnomalyModels,
    registerAnalyzeLogs,
    registerAnalyzeLogFile,
    registerGetDetectionStats,
    registerSearchAnomalies,
    registerExplainAnomaly,
    registerSearchLogs,
    registerListTemplates,
    registerListIncidents,
    registerListAnomalyIncidents,
    registerGetAlertTriage,
    registerSubmitVerdict,
    registerListSuppressions,
    registerRevokeSuppression,
    registerListRules,
  ])
    register(server, ctx);
  registerResources(server, ctx);
  registerPrompts(server, ctx);
  return server;
}
