import { z } from "zod";
import { SEVERITIES } from "../core/severity.js";

/** Config of each sink type (`sinks:` in the config file); the registry in `src/sinks/` builds them. */

const routing = {
  /** Unique per sink; defaults to the type (plus a number when a type repeats). Deliveries are keyed by it. */
  name: z.string().min(1).optional(),
  /** Only anomalies at or above this severity. */
  minSeverity: z.enum(SEVERITIES).default("low"),
  /** Only these detectors (default: all). */
  detectors: z.array(z.string().min(1)).optional(),
  /** Only these services (default: all). */
  services: z.array(z.string().min(1)).optional(),
  /** Attempts before a delivery is `dead`. */
  maxAttempts: z.coerce.number().int().min(1).default(8),
  timeoutMs: z.coerce.number().int().positive().default(10_000),
};

const httpUrl = z.url({ protocol: /^https?$/ });

export const webhookSinkSchema = z.strictObject({
  type: z.literal("webhook"),
  ...routing,
  url: httpUrl,
  /** HMAC-SHA256 key for `X-Logwarden-Signature: sha256=<hex>`; unsigned when unset. */
  secret: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
});

export const slackSinkSchema = z.strictObject({
  type: z.literal("slack"),
  ...routing,
  // Contract §3.8: Slack alerts on high and critical.
  minSeverity: z.enum(SEVERITIES).default("high"),
  url: httpUrl,
});

export const splunkSinkSchema = z.strictObject({
  type: z.literal("splunk"),
  ...routing,
  /** `https://host:8088/services/collector` (or `/services/collector/event`). */
  url: httpUrl,
  token: z.string().min(1),
  source: z.string().min(1).default("logwarden"),
  sourcetype: z.string().min(1).default("logwarden:anomaly"),
  index: z.string().min(1).optional(),
});

export const elasticsearchSinkSchema = z.strictObject({
  type: z.literal("elasticsearch"),
  ...routing,
  /** Base URL, e.g. `http://localhost:9200` (credentials in the URL become basic auth). */
  url: httpUrl,
  index: z.string().min(1).default("security-anomalies"),
  apiKey: z.string().min(1).optional(),
});

export const kafkaSinkSchema = z.strictObject({
  type: z.literal("kafka"),
  ...routing,
  brokers: z.preprocess(
    (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()) : v),
    z.array(z.string().min(1)).min(1),
  ),
  topic: z.string().min(1).default("security-anomalies"),
  clientId: z.string().min(1).default("logwarden"),
});

export const rabbitmqSinkSchema = z.strictObject({
  type: z.literal("rabbitmq"),
  ...routing,
  url: z.string().regex(/^amqps?:\/\//, "expected amqp://…"),
  exchange: z.string().default("security-anomalies"),
  exchangeType: z.enum(["topic", "direct", "fanout"]).default("topic"),
  /** `{severity}`, `{detector}` and `{service}` are filled in. */
  routingKey: z.string().default("anomaly.{severity}.{detector}"),
  /** Declared (durable) and bound to the exchange with `#` when set. */
  queue: z.string().min(1).optional(),
});

export const sinkSchema = z.discriminatedUnion("type", [
  webhookSinkSchema,
  slackSinkSchema,
  splunkSinkSchema,
  elasticsearchSinkSchema,
  kafkaSinkSchema,
  rabbitmqSinkSchema,
]);

export type WebhookSinkConfig = z.infer<typeof webhookSinkSchema>;
export type SlackSinkConfig = z.infer<typeof slackSinkSchema>;
export type SplunkSinkConfig = z.infer<typeof splunkSinkSchema>;
export type ElasticsearchSinkConfig = z.infer<typeof elasticsearchSinkSchema>;
export type KafkaSinkConfig = z.infer<typeof kafkaSinkSchema>;
export type RabbitmqSinkConfig = z.infer<typeof rabbitmqSinkSchema>;
export type SinkConfig = z.infer<typeof sinkSchema>;

/** The one-sink-each simple case from the environment (`WEBHOOK_URL`, `SLACK_WEBHOOK_URL`, …). */
export const sinkEnvSchema = z
  .object({
    webhookUrl: httpUrl.optional(),
    webhookSecret: z.string().optional(),
    slackWebhookUrl: httpUrl.optional(),
    splunkHecUrl: httpUrl.optional(),
    splunkHecToken: z.string().optional(),
    elasticsearchUrl: httpUrl.optional(),
    elasticsearchIndex: z.string().min(1).default("security-anomalies"),
    kafkaBrokers: z.string().optional(),
    kafkaTopic: z.string().min(1).default("security-anomalies"),
    rabbitmqUrl: z
      .string()
      .regex(/^amqps?:\/\//, "expected amqp://…")
      .optional(),
    rabbitmqExchange: z.string().default("security-anomalies"),
    rabbitmqQueue: z.string().optional(),
  })
  .prefault({});
