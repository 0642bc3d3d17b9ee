import type { Config } from "../config/schema.js";
import { type SinkConfig, sinkSchema } from "../config/sink-schema.js";
import type { Sink } from "../core/sink.js";
import { ElasticsearchSink } from "./elasticsearch.js";
import { KafkaSink } from "./kafka.js";
import { RabbitmqSink } from "./rabbitmq.js";
import { SlackSink } from "./slack.js";
import { SplunkSink } from "./splunk.js";
import { WebhookSink } from "./webhook.js";

/**
 * Every sink type. Adding one = adding its file, its config schema in `src/config/sink-schema.ts`, and
 * one entry here.
 */
const REGISTRY: {
  [T in SinkConfig["type"]]: (name: string, config: Extract<SinkConfig, { type: T }>) => Sink;
} = {
  webhook: (name, c) => new WebhookSink(name, c),
  slack: (name, c) => new SlackSink(name, c),
  splunk: (name, c) => new SplunkSink(name, c),
  elasticsearch: (name, c) => new ElasticsearchSink(name, c),
  kafka: (name, c) => new KafkaSink(name, c),
  rabbitmq: (name, c) => new RabbitmqSink(name, c),
};

export function sinkTypes(): string[] {
  return Object.keys(REGISTRY);
}

/** The config file's `sinks:` plus one sink per kind the environment configures (`WEBHOOK_URL`, …). */
export function sinkConfigs(config: Config): SinkConfig[] {
  const out: SinkConfig[] = [...config.sinks];
  const env = config.sinkEnv;
  const add = (raw: Record<string, unknown>) => out.push(sinkSchema.parse(raw));
  if (env.webhookUrl)
    add({
      type: "webhook",
      url: env.webhookUrl,
      ...(env.webhookSecret ? { secret: env.webhookSecret } : {}),
    });
  if (env.slackWebhookUrl) add({ type: "slack", url: env.slackWebhookUrl });
  if (env.splunkHecUrl) {
    if (!env.splunkHecToken) throw new Error("SPLUNK_HEC_URL is set but SPLUNK_HEC_TOKEN is not");
    add({ type: "splunk", url: env.splunkHecUrl, token: env.splunkHecToken });
  }
  if (env.elasticsearchUrl)
    add({ type: "elasticsearch", url: env.elasticsearchUrl, index: env.elasticsearchIndex });
  if (env.kafkaBrokers) add({ type: "kafka", brokers: env.kafkaBrokers, topic: env.kafkaTopic });
  if (env.rabbitmqUrl)
    add({
      type: "rabbitmq",
      url: env.rabbitmqUrl,
      exchange: env.rabbitmqExchange,
      ...(env.rabbitmqQueue ? { queue: env.rabbitmqQueue } : {}),
    });
  return out;
}

/** Builds the sinks, naming each (`name`, else its type, numbered when a type repeats). */
export function createSinks(configs: readonly SinkConfig[]): Sink[] {
  const seen = new Map<string, number>();
  const names = new Set<string>();
  return configs.map((c) => {
    const n = (seen.get(c.type) ?? 0) + 1;
    seen.set(c.type, n);
    const name = c.name ?? (n === 1 ? c.type : `${c.type}-${n}`);
    if (names.has(name)) throw new Error(`sinks: two sinks are named '${name}'; give each a unique name`);
    names.add(name);
    const build = REGISTRY[c.type] as (name: string, config: SinkConfig) => Sink;
    return build(name, c);
  });
}
