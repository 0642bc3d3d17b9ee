import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * The reviewed list of source files that open a connection to somewhere else, with the settings that
 * say where. Every one of them is server configuration (environment, config file or CLI flag, read once
 * at start); none is set through the API or MCP. The SSRF test fails for a file that calls out and is
 * not here, and for an entry here that no longer calls out, so a new outbound call gets reviewed.
 */
export const OUTBOUND: Readonly<Record<string, { settings: readonly string[]; reason: string }>> = {
  "src/sinks/http.ts": {
    settings: ["WEBHOOK_URL", "SLACK_WEBHOOK_URL", "SPLUNK_HEC_URL", "ELASTICSEARCH_URL"],
    reason: "webhook, Slack, Splunk HEC and Elasticsearch sinks (also `sinks[].url` in the config file)",
  },
  "src/sinks/rabbitmq.ts": { settings: ["RABBITMQ_URL"], reason: "RabbitMQ sink (or `sinks[].url`)" },
  "src/sinks/kafka.ts": { settings: ["KAFKA_BROKERS"], reason: "Kafka sink (or `sinks[].brokers`)" },
  "src/service/ingest.ts": { settings: ["ML_URL"], reason: "the original external scorer (contracts §5.4)" },
  "src/hasura/llm.ts": { settings: ["ANTHROPIC_BASE_URL"], reason: "system 003's optional LLM analysis" },
  "src/triage/llm.ts": { settings: ["TRIAGE_LLM_URL"], reason: "system 001's optional LLM triage" },
  "src/triage/remediation.ts": {
    settings: ["TRIAGE_REMEDIATION_WEBHOOK_URL"],
    reason:
      "approved remediation actions are POSTed to this one URL; an action's target is payload, never fetched",
  },
  "src/triage/rabbitmq-transport.ts": {
    settings: ["TRIAGE_RABBITMQ_URL", "RABBITMQ_URL"],
    reason: "system 001's RabbitMQ transport",
  },
  "src/distribution/broker.ts": {
    settings: ["CLUSTER_RABBITMQ_URL", "RABBITMQ_URL"],
    reason: "a cluster node's hand-off to the partitions' queues and its consumers (CLUSTER_PARTITIONS > 0)",
  },
  "src/sources/postgres/index.ts": { settings: ["SOURCE_PG_URL"], reason: "the PostgreSQL table source" },
  "src/store/dialect/postgres.ts": {
    settings: ["DATABASE_URL", "TRIAGE_DATABASE_URL"],
    reason: "the store itself (its PostgreSQL pool; src/store/db.ts picks the dialect)",
  },
  "src/sources/syslog/index.ts": {
    settings: [],
    reason: "listens (UDP/TCP syslog); connects nowhere",
  },
  "src/api/probe-worker.ts": {
    settings: [],
    reason: "listens (HEALTH_PORT, liveness and readiness probes only, on its own thread); connects nowhere",
  },
};

/**
 * What opens a connection: fetch, the broker and database clients, Node's socket and HTTP modules, imported
 * or taken with `process.getBuiltinModule` (code that runs in an evaluated worker cannot import).
 */
const OUTBOUND_CALL =
  /\bfetch\(|\bamqp\.connect\(|\.Kafka\(|new Kafka\(|\bnew (pg\.)?(Pool|Client)\(|from "(undici|kafkajs|node-fetch|axios|got)"|\b(https?|net|tls)\.(request|get|connect|createConnection)\(|^import (?!type\b)[^;]*from "node:(dgram|net|tls|http|https)"|getBuiltinModule\("node:(dgram|net|tls|http|https)"\)/m;

/** node:net helpers that parse addresses and open nothing. */
const NET_PARSERS =
  /^import \{ ?((isIP|isIPv4|isIPv6|BlockList|SocketAddress)(, ?)?)+ ?\} from "node:net";$/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "web" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The files under `src/` (the browser app in src/web excepted) that open connections, repo-relative. */
export function filesCallingOut(repo: string): string[] {
  return sourceFiles(join(repo, "src"))
    .filter((file) => OUTBOUND_CALL.test(readFileSync(file, "utf8").replace(NET_PARSERS, "")))
    .map((file) => relative(repo, file))
    .sort();
}
