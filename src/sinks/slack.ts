import type { SlackSinkConfig } from "../config/sink-schema.js";
import type { JsonObject } from "../core/json.js";
import type { DeliveryItem, DeliveryOutcome, Sink, SinkAnomaly } from "../core/sink.js";
import { outcomeOf, post } from "./http.js";

const EMOJI = {
  low: ":information_source:",
  medium: ":warning:",
  high: ":rotating_light:",
  critical: ":fire:",
};

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped, or user text could inject links and mentions. */
function escapeMrkdwn(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A Block Kit message for one anomaly (`text` is the notification fallback). */
export function slackMessage(a: SinkAnomaly): JsonObject {
  const level = a.severity.toUpperCase();
  const title = `${level} anomaly: ${a.anomaly_type}${a.service ? ` in ${a.service}` : ""}`;
  return {
    text: cut(`[${level}] ${a.anomaly_type}${a.service ? ` (${a.service})` : ""}: ${a.description}`, 3000),
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: cut(`${EMOJI[a.severity]} ${title}`, 150), emoji: true },
      },
      { type: "section", text: { type: "mrkdwn", text: cut(escapeMrkdwn(a.description), 3000) } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Severity*\n${a.severity}` },
          { type: "mrkdwn", text: `*Score*\n${a.anomaly_score.toFixed(2)}` },
          { type: "mrkdwn", text: `*Service*\n${escapeMrkdwn(a.service ?? "—")}` },
          { type: "mrkdwn", text: `*Detector*\n${escapeMrkdwn(a.detector)}` },
          { type: "mrkdwn", text: `*When*\n${a.timestamp}` },
          { type: "mrkdwn", text: `*Occurrences*\n${a.count}` },
        ],
      },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: cut(`Logwarden anomaly #${a.id} · key \`${escapeMrkdwn(a.key)}\``, 3000) },
        ],
      },
    ],
  };
}

/** Slack incoming webhook: one Block Kit message per anomaly (high and critical by default, §3.8). */
export class SlackSink implements Sink {
  readonly type = "slack";
  readonly batchSize = 1;
  readonly route: Sink["route"];
  readonly maxAttempts: number;

  constructor(
    readonly name: string,
    readonly config: SlackSinkConfig,
  ) {
    this.route = config;
    this.maxAttempts = config.maxAttempts;
  }

  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    const out: DeliveryOutcome[] = [];
    for (const item of items) {
      const body = JSON.stringify(slackMessage(item.anomaly));
      out.push(
        outcomeOf(
          await post(this.config.url, body, { "content-type": "application/json" }, this.config.timeoutMs),
        ),
      );
    }
    return out;
  }

  async close(): Promise<void> {}
}
