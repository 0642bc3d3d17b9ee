import type { SplunkSinkConfig } from "../config/sink-schema.js";
import type { JsonObject } from "../core/json.js";
import type { DeliveryItem, DeliveryOutcome, Sink, SinkAnomaly } from "../core/sink.js";
import { outcomeOf, post } from "./http.js";

/** The HEC event endpoint: a bare base URL gets `/services/collector/event`. */
export function hecEndpoint(url: string): string {
  const u = new URL(url);
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/services/collector/event";
  return u.toString();
}

/** One HEC event envelope; `time` is epoch seconds with milliseconds, as HEC expects. */
export function hecEvent(
  a: SinkAnomaly,
  config: Pick<SplunkSinkConfig, "source" | "sourcetype" | "index">,
): JsonObject {
  const ms = Date.parse(a.timestamp);
  const event: JsonObject = {
    time: Number.isNaN(ms) ? Date.now() / 1000 : ms / 1000,
    source: config.source,
    sourcetype: config.sourcetype,
    event: a as unknown as JsonObject,
  };
  if (config.index) event.index = config.index;
  return event;
}

/**
 * Splunk HTTP Event Collector: a batch of events in one request (HEC takes concatenated JSON objects),
 * `Authorization: Splunk <token>`. HEC accepts or refuses a request whole, so outcomes are shared.
 */
export class SplunkSink implements Sink {
  readonly type = "splunk";
  readonly batchSize = 50;
  readonly route: Sink["route"];
  readonly maxAttempts: number;
  readonly #url: string;

  constructor(
    readonly name: string,
    readonly config: SplunkSinkConfig,
  ) {
    this.route = config;
    this.maxAttempts = config.maxAttempts;
    this.#url = hecEndpoint(config.url);
  }

  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    const body = items.map((i) => JSON.stringify(hecEvent(i.anomaly, this.config))).join("\n");
    const result = await post(
      this.#url,
      body,
      { "content-type": "application/json", authorization: `Splunk ${this.config.token}` },
      this.config.timeoutMs,
    );
    const outcome = outcomeOf(result);
    return items.map(() => outcome);
  }

  async close(): Promise<void> {}
}
