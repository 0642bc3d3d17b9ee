import type { ElasticsearchSinkConfig } from "../config/sink-schema.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import type { DeliveryItem, DeliveryOutcome, Sink, SinkAnomaly } from "../core/sink.js";
import { outcomeOf, post, retryableStatus, splitCredentials } from "./http.js";

/** Document id per anomaly, so a retried item overwrites instead of duplicating. */
export function documentId(a: SinkAnomaly): string {
  return `logwarden-anomaly-${a.id}`;
}

/** `_bulk` NDJSON: an `index` action line and the document, per anomaly, ending with a newline. */
export function bulkBody(items: readonly DeliveryItem[], index: string): string {
  let body = "";
  for (const { anomaly } of items) {
    body += `${JSON.stringify({ index: { _index: index, _id: documentId(anomaly) } })}\n`;
    body += `${JSON.stringify({ "@timestamp": anomaly.timestamp, ...anomaly })}\n`;
  }
  return body;
}

/** Per-item outcomes from a `_bulk` response: each item's own status decides whether it is retried. */
export function bulkOutcomes(response: JsonValue, count: number): DeliveryOutcome[] {
  const items = isJsonObject(response) && Array.isArray(response.items) ? response.items : null;
  if (!items || items.length !== count)
    return Array.from({ length: count }, () => ({
      ok: false,
      error: "malformed _bulk response",
      retryable: true,
    }));
  return items.map((entry): DeliveryOutcome => {
    const action = isJsonObject(entry) ? Object.values(entry)[0] : undefined;
    const status = isJsonObject(action) ? Number(action.status) : 0;
    if (status >= 200 && status < 300) return { ok: true };
    const error = isJsonObject(action) ? JSON.stringify(action.error ?? null) : "no item status";
    return {
      ok: false,
      error: `item ${status}: ${error.slice(0, 300)}`,
      retryable: status === 0 || retryableStatus(status),
    };
  });
}

/** Elasticsearch/OpenSearch: bulk-indexes anomalies into `index` (default `security-anomalies`). */
export class ElasticsearchSink implements Sink {
  readonly type = "elasticsearch";
  readonly batchSize = 100;
  readonly route: Sink["route"];
  readonly maxAttempts: number;
  readonly #url: string;
  readonly #headers: Record<string, string>;

  constructor(
    readonly name: string,
    readonly config: ElasticsearchSinkConfig,
  ) {
    this.route = config;
    this.maxAttempts = config.maxAttempts;
    const { url, authorization } = splitCredentials(config.url);
    this.#url = `${url.replace(/\/+$/, "")}/_bulk`;
    this.#headers = { "content-type": "application/x-ndjson" };
    if (config.apiKey) this.#headers.authorization = `ApiKey ${config.apiKey}`;
    else if (authorization) this.#headers.authorization = authorization;
  }

  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    const result = await post(
      this.#url,
      bulkBody(items, this.config.index),
      this.#headers,
      this.config.timeoutMs,
    );
    const whole = outcomeOf(result);
    if (!whole.ok) return items.map(() => whole);
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(result.text) as JsonValue;
    } catch {
      return items.map(() => ({ ok: false, error: "_bulk answered with non-JSON", retryable: true }));
    }
    if (isJsonObject(parsed) && parsed.errors === false) return items.map(() => ({ ok: true }));
    return bulkOutcomes(parsed, items.length);
  }

  async close(): Promise<void> {}
}
