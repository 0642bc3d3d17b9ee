import { createHmac } from "node:crypto";
import type { WebhookSinkConfig } from "../config/sink-schema.js";
import type { DeliveryItem, DeliveryOutcome, Sink } from "../core/sink.js";
import { outcomeOf, post } from "./http.js";

export const SIGNATURE_HEADER = "X-Logwarden-Signature";

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, as GitHub-style receivers verify it. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** Generic webhook: POSTs each anomaly as JSON, signed when a secret is configured. */
export class WebhookSink implements Sink {
  readonly type = "webhook";
  readonly batchSize = 1;
  readonly route: Sink["route"];
  readonly maxAttempts: number;

  constructor(
    readonly name: string,
    readonly config: WebhookSinkConfig,
  ) {
    this.route = config;
    this.maxAttempts = config.maxAttempts;
  }

  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    const out: DeliveryOutcome[] = [];
    for (const item of items) {
      const body = JSON.stringify(item.anomaly);
      const headers: Record<string, string> = {
        ...this.config.headers,
        "content-type": "application/json",
        "user-agent": "logwarden",
        "x-logwarden-delivery": String(item.deliveryId),
        "x-logwarden-attempt": String(item.attempt),
      };
      if (this.config.secret) headers[SIGNATURE_HEADER] = signature(this.config.secret, body);
      out.push(outcomeOf(await post(this.config.url, body, headers, this.config.timeoutMs)));
    }
    return out;
  }

  async close(): Promise<void> {}
}
