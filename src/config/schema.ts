import { availableParallelism } from "node:os";
import { z } from "zod";
import {
  DEFAULT_MAX_LINE_BYTES,
  type LineLimit,
  MAX_MAX_LINE_BYTES,
  MIN_MAX_LINE_BYTES,
} from "../core/line-limit.js";
import { MINER_DEFAULTS } from "../core/template.js";
import { CLUSTER_ENV_KEYS, clusterSchema } from "./cluster-schema.js";
import { envBool as bool, commaList as list, port, positiveInt } from "./coerce.js";
import { HASURA_ENV_KEYS, hasuraSchema } from "./hasura-schema.js";
import { rateSchema } from "./rate.js";
import { requireS3Bucket, S3_ENV_KEYS, s3Schema } from "./s3-schema.js";
import { SESSION_DETECTOR_ENV_KEYS, sequenceSchema, windowForestSchema } from "./session-detectors-schema.js";
import { sinkEnvSchema, sinkSchema } from "./sink-schema.js";
import { sourcePostgresEnvSchema, sourceSchema } from "./source-schema.js";
import { TRIAGE_ENV_KEYS, triageSchema } from "./triage-schema.js";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
/** The console's format: `auto` is pretty on a terminal and JSON anywhere else (README, "The console"). */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;

/** Route groups an operator may open for legacy clients that send no credential (contracts §6.3 C5). */
export const OPEN_ROUTE_GROUPS = [
  "ingest",
  "incidents",
  "meta",
  "score",
  "analyze",
  "anomalies",
  "metrics",
  "alerts",
] as const;

/**
 * The whole configuration. Keys are camelCase; `ENV_KEYS` maps each to its environment variable.
 * Defaults live here and nowhere else.
 */
/** MCP_ALLOWED_DIRS when nothing sets it: `logs`, the folder the batch processor reads by default too. */
export const DEFAULT_MCP_ALLOWED_DIRS: readonly string[] = ["logs"];

export const configSchema = z.object({
  port: port.default(8000),
  host: z.string().min(1).default("127.0.0.1"),
  /** A port of its own for `/health`, `/health/live` and `/health/ready` (on `host`); off when unset. */
  healthPort: port.optional(),
  dataDir: z.string().min(1).default("./data"),
  /** Unset: SQLite at `<dataDir>/logwarden.db` (or `SQLITE_DB_PATH`); `postgres://…` selects PostgreSQL. */
  databaseUrl: z
    .string()
    .refine((v) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v) || !v.includes("://"), {
      message: "expected postgres://…, sqlite:PATH or a file path",
    })
    .optional(),
  sqliteDbPath: z.string().optional(),
  /**
   * SQLite page cache per connection, in MiB. SQLite's own default (2 MiB) is a cliff once the file is
   * large: measured, ingest into a file holding 1M anomalies cost 60 µs of CPU a line with it, 41 µs
   * with 64 MiB.
   */
  sqliteCacheMb: positiveInt.default(64),
  /**
   * Threads that answer the log browser's and search's reads from a SQLite file (0: on the main thread).
   * A search or histogram over millions of lines takes seconds; on the main thread it holds ingest and
   * every route for as long.
   */
  sqliteReadThreads: z.coerce.number().int().min(0).max(16).default(2),
  apiToken: z.string().optional(),
  healthToken: z.string().optional(),
  /** System 002: static bearer tokens (comma-separated, contracts §3.4), with `read` and `ingest` scopes. */
  apiTokens: list.default([]),
  /** Browser origins allowed by CORS (comma-separated, `*` for any); empty: CORS off. */
  corsOrigins: list.default([]),
  /** Request budgets and body sizes of the REST API (docs/api.md#limits). `off` disables a rate. */
  limits: z
    .object({
      perToken: rateSchema.prefault("6000/minute"),
      perIp: rateSchema.prefault("600/minute"),
      analyze: rateSchema.prefault("100/minute"),
      analyzeMaxBodyBytes: positiveInt.default(16 * 1024 * 1024),
      analyzeMaxFileBytes: positiveInt.default(64 * 1024 * 1024),
    })
    .prefault({}),
  logLevel: z
    .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(LOG_LEVELS))
    .default("info"),
  logFormat: z
    .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(LOG_FORMATS))
    .default("auto"),
  openRoutes: list.pipe(z.array(z.enum(OPEN_ROUTE_GROUPS))).default([]),
  /** System 004: incident when a service group's score is strictly greater than this. */
  threshold: z.coerce.number().min(0).max(1).default(0.8),
  /** System 004: external scorer; unset means in-process scoring. */
  mlUrl: z.url().optional(),
  modelVersion: z.string().optional(),
  gitCommit: z.string().optional(),
  modelDir: z.string().default("anomaly_outputs"),
  /** MCP server (docs/mcp.md): the only folders `analyze_log_file` reads from, and its file size cap. */
  mcp: z
    .object({
      allowedDirs: list.default([...DEFAULT_MCP_ALLOWED_DIRS]),
      maxFileBytes: positiveInt.default(64 * 1024 * 1024),
    })
    .prefault({}),
  ingest: z
    .object({
      maxBodyBytes: positiveInt.default(16 * 1024 * 1024),
      /** Records waiting between HTTP and the pipeline before ingest answers 503. */
      queueRecords: positiveInt.default(200_000),
      /** Seconds a new request may expect to wait behind those let in and the queue before ingest answers 503 (0: no bound). */
      queueMaxWaitSecs: z.coerce.number().min(0).default(5),
      batchSize: positiveInt.default(2_000),
      /** Seconds between saves of miner and detector state while ingesting (also saved at stop). */
      stateSaveSecs: z.coerce.number().positive().default(5),
      /**
       * Hours an `Idempotency-Key` is remembered (docs/api.md, "Sending again"): a request sent again
       * with the same key within this time is stored once and answered like the first; later it is new.
       */
      idempotencyHours: z.coerce.number().positive().max(8760).default(24),
      /**
       * Threads that decode large NDJSON `POST /ingest` bodies beside the event loop (0: the event loop
       * decodes every body). One keeps the second of two cores busy; more help only with more cores. On
       * one core the default is 0: a thread there only adds the packing and unpacking.
       */
      decodeThreads: z.coerce
        .number()
        .int()
        .min(0)
        .max(16)
        .default(() => (availableParallelism() > 1 ? 1 : 0)),
    })
    .prefault({}),
  /**
   * The longest line (a log's message) every door keeps, in UTF-8 bytes (`src/core/line-limit.ts`); a
   * longer one is cut with a mark and flagged, or refused (`lineTooLong`). 1 KiB to 1 MiB: past 1 MiB the
   * memory bound does not hold (`MAX_MAX_LINE_BYTES`). docs/reliability.md.
   */
  maxLineBytes: z.coerce
    .number()
    .int()
    .min(MIN_MAX_LINE_BYTES)
    .max(MAX_MAX_LINE_BYTES)
    .default(DEFAULT_MAX_LINE_BYTES),
  /** `cut`: keep the start of a longer line, marked and counted; `refuse`: 413 where the door can answer. */
  lineTooLong: z
    .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(["cut", "refuse"]))
    .default("cut"),
  /** Where log lines are kept (docs/architecture.md, "Log stores"). */
  logStore: z
    .object({
      /**
       * `segments`: template-columnar segments (issue 18), a fraction of the size; a database that held the
       * table is converted at start, and cannot go back. `table`: the `logs` table with its full-text
       * index, which system 004's readers opened with the sqlite3 shell (contracts §5.3). Unset (the
       * default): the store the database serves, recorded in it (src/store/log-store-engine.ts):
       * `segments` for a new one, `table` for one that held the table before segments became the default.
       */
      engine: z.enum(["table", "segments"]).optional(),
      /**
       * Lines per sealed segment, at most (`segments` only). A batch of at least a quarter of this (never
       * fewer than 4,096 lines) is sealed as a segment of its own (`resealPieces`).
       */
      segmentLines: positiveInt.default(16_384),
      /** Seconds after which lines not yet sealed are sealed however few they are (`segments` only). */
      sealAfterSecs: z.coerce.number().positive().default(60),
      /**
       * Days of log lines kept, by record time; 0 keeps them all. `segments` drops whole segments (a
       * segment goes once its newest line is older), `table` deletes lines.
       */
      retentionDays: z.coerce.number().min(0).default(0),
      /**
       * Threads that run searches, counts and histograms over segments (`segments` only), so decoding
       * never holds the event loop; 0 runs them on the event loop.
       */
      readThreads: z.coerce.number().int().min(0).max(16).default(2),
      /**
       * Where sealed segments' bytes are kept (`segments` only; src/store/segments/segment-bytes.ts):
       * `database`, their rows, as always; `s3`, one object each in the `S3_*` bucket, the catalogue
       * staying in the database. Segments sealed before are read where they are.
       */
      segmentStorage: z
        .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(["database", "s3"]))
        .default("database"),
      s3: s3Schema,
    })
    .superRefine(requireS3Bucket)
    .prefault({}),
  miner: z
    .object({
      maxTemplatesPerStream: positiveInt.default(MINER_DEFAULTS.maxTemplatesPerStream),
      maxTokensPerLine: positiveInt.default(MINER_DEFAULTS.maxTokensPerLine),
    })
    .prefault({}),
  detectors: z
    .object({
      /**
       * Detectors keep a stream's state per source of its lines (a file, a machine a syslog sender or the
       * table source names), not one per service (`ParsedRecord.origin`); false: one per service.
       */
      streamsBySource: bool.default(true),
      newTemplate: z
        .object({
          enabled: bool.default(true),
          /** Records a stream must have seen before a new template is an anomaly. */
          warmupRecords: positiveInt.default(1_000),
          /** …and for at least this long (seconds of record time). */
          warmupSecs: z.coerce.number().min(0).default(600),
        })
        .prefault({}),
      /** Sessions judged by a next-template model (src/detectors/sequence/). */
      sequence: sequenceSchema,
      /** Isolation Forest over per-service windows (src/detectors/window-forest/). */
      windowForest: windowForestSchema,
      errorBurst: z
        .object({
          enabled: bool.default(true),
          windowSecs: positiveInt.default(60),
          /** Error-level records per service within the window that make a burst. */
          threshold: positiveInt.default(20),
        })
        .prefault({}),
      /** Lines at CRITICAL, FATAL or EMERGENCY: judged from the first line, one finding per episode. */
      severeEvents: z
        .object({
          enabled: bool.default(true),
          /** An episode ends after this long without a severe line sharing its messages or machines. */
          gapSecs: positiveInt.default(1_800),
        })
        .prefault({}),
      /** Keys (users, IPs, devices, templates…) each detector tracks at once; least recently seen go first. */
      maxKeys: positiveInt.default(10_000),
      /** Versions of each trained detector model kept in `models`. */
      modelRetention: positiveInt.default(5),
      /** `serve` retrains and versions detector models this often (0: only on demand). */
      retrainIntervalSecs: z.coerce.number().int().min(0).default(3600),
      /** `serve` lets detectors notice silence this often (0: off). */
      tickSecs: z.coerce.number().int().min(0).default(30),
      rareTemplate: z
        .object({
          enabled: bool.default(true),
          /** Records a stream must have seen before rarity is judged. */
          warmupRecords: positiveInt.default(10_000),
          /** Rare: among the least frequent templates that together make up this percent of the stream. */
          percentile: z.coerce.number().gt(0).max(50).default(0.5),
          /** Records of a stream between recomputations of its rarity cutoff. */
          retrainRecords: positiveInt.default(10_000),
          /** One report per template per this many seconds of record time. */
          cooldownSecs: z.coerce.number().min(0).default(3600),
        })
        .prefault({}),
      volume: z
        .object({
          enabled: bool.default(true),
          intervalSecs: positiveInt.default(300),
          /** Closed intervals a key needs before it reports. */
          minHistory: positiveInt.default(12),
          /** Recent intervals the median/MAD baseline is taken over. */
          historyIntervals: positiveInt.default(48),
          /** Robust deviations (MAD-based) from the expected count that make a spike or a drop. */
          sensitivity: z.coerce.number().positive().default(4),
          /** A spike must reach this many records, a drop must fall from an expected count this high. */
          minCount: positiveInt.default(10),
          /** Days of history before the hour-of-day profile replaces the recent baseline. */
          seasonalDays: positiveInt.default(3),
          /** Also watch each template's count (the busiest templates, up to `maxTemplateKeys`). */
          perTemplate: bool.default(true),
          maxTemplateKeys: positiveInt.default(500),
        })
        .prefault({}),
      bruteForce: z
        .object({
          enabled: bool.default(true),
          windowSecs: positiveInt.default(300),
          /** Failed logins for one user or from one IP within the window. */
          threshold: positiveInt.default(10),
        })
        .prefault({}),
      passwordSpraying: z
        .object({
          enabled: bool.default(true),
          windowSecs: positiveInt.default(3600),
          /** Distinct users one source IP failed against within the window. */
          minUsers: positiveInt.default(10),
        })
        .prefault({}),
      successAfterFailures: z
        .object({
          enabled: bool.default(true),
          windowSecs: positiveInt.default(900),
          /** Failed logins for the user within the window before the success. */
          minFailures: positiveInt.default(5),
          /** Slow guessing: failures for the user within this longer window before the success… */
          slowWindowSecs: positiveInt.default(14_400),
          /** …at least this many, from at most three addresses (internet noise comes from many). */
          slowMinFailures: positiveInt.default(15),
        })
        .prefault({}),
      newSourceIp: z
        .object({
          enabled: bool.default(true),
          /** Successful logins a user needs before a new network is reported… */
          warmupLogins: positiveInt.default(5),
          /** …spread over at least this much record time. */
          warmupSecs: z.coerce.number().min(0).default(86_400),
          /** IPv4 prefix length compared (IPv6: /64). */
          prefixV4: z.coerce.number().int().min(8).max(32).default(24),
          /**
           * The wider block a network belongs to (a provider's pool; IPv6: /48): a new network inside a
           * block the user already logs in from is a new lease, not a new place. 0 turns it off.
           */
          blockPrefixV4: z.coerce.number().int().min(0).max(32).default(16),
          maxNetworksPerUser: positiveInt.default(50),
          /** A network this many other users log in from (office, VPN) is never new. */
          sharedNetworkUsers: positiveInt.default(2),
          /**
           * A login from a new network with an SSH key the user already logs in with (from a network
           * that raised nothing) is their own device somewhere new: learned, not reported.
           */
          trustKnownKeys: bool.default(true),
        })
        .prefault({}),
      unusualLoginHour: z
        .object({
          enabled: bool.default(true),
          minLogins: positiveInt.default(5),
          /** Hours in a row without a login that make a user's quiet time (a day worker's night). */
          minQuietHours: z.coerce.number().int().min(3).max(23).default(8),
          cooldownSecs: z.coerce.number().min(0).default(21_600),
          historyLogins: positiveInt.default(500),
        })
        .prefault({}),
      privilegeEscalation: z
        .object({
          enabled: bool.default(true),
          /** Record time spent learning who escalates to whom. */
          warmupSecs: z.coerce.number().min(0).default(86_400),
          /** Failed sudo/su password attempts in one record that are reported. */
          minFailedAttempts: positiveInt.default(3),
        })
        .prefault({}),
      wifi: z
        .object({
          enabled: bool.default(true),
          windowSecs: positiveInt.default(300),
          /** Disassociation/deauthentication events per device within the window. */
          threshold: positiveInt.default(10),
        })
        .prefault({}),
      /** Sigma rules (docs/sigma.md): off unless a rules folder is given. */
      sigma: z
        .object({
          /** Runs when a rules folder is given; false keeps it off with the folder set. */
          enabled: bool.default(true),
          /** Folder of Sigma detection and correlation rules (.yml, read recursively). */
          rulesDir: z.string().min(1).optional(),
          /** Folder of extra field mappings (YAML), tried before the shipped ones (config/sigma). */
          mappingsDir: z.string().min(1).optional(),
          /** YAML file of values for `expand` placeholders (name → list); rules naming others are refused. */
          placeholdersFile: z.string().min(1).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Verdicts on anomalies (docs/detectors.md#verdicts). */
  verdicts: z
    .object({
      /** A false-positive verdict suppresses its scope for this many days (0: until lifted). */
      suppressionTtlDays: z.coerce.number().min(0).default(30),
    })
    .prefault({}),
  /** Log sources started by `serve` (docs/sources-and-sinks.md). */
  sources: z.array(sourceSchema).default([]),
  /** Syslog over UDP and TCP on this port (off when unset); adds one syslog source. */
  syslogPort: port.optional(),
  syslogHost: z.string().min(1).default("127.0.0.1"),
  /** TCP connections the syslog source keeps open at once; one more is closed at once and logged. */
  syslogMaxConnections: z.coerce.number().int().positive().default(1_000),
  /** Seconds a syslog TCP connection may send nothing before it is closed (0: never). */
  syslogIdleTimeoutSecs: z.coerce.number().min(0).default(600),
  /** System 000's read-only source PostgreSQL (contracts §1.8); off when `url` is unset. */
  sourcePostgres: sourcePostgresEnvSchema,
  /** Notification sinks for new anomalies (docs/sources-and-sinks.md). */
  sinks: z.array(sinkSchema).default([]),
  /** One sink of each kind from the environment, added to `sinks`. */
  sinkEnv: sinkEnvSchema,
  /** System 002's batch processor: seconds between passes (contracts §3.7). */
  batchInterval: positiveInt.default(3600),
  /** System 003: the Hasura DDN anomaly plugin (contracts §4.12). */
  hasura: hasuraSchema,
  /** System 001: security alert triage (docs/triage.md). */
  triage: triageSchema,
  /** Several nodes on one PostgreSQL and RabbitMQ, each partition mined and detected by one (issue 16). */
  cluster: clusterSchema,
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** `MAX_LINE_BYTES` and `LINE_TOO_LONG` as every door reads them (`src/core/line-limit.ts`). */
export function lineLimitOf(config: Pick<Config, "maxLineBytes" | "lineTooLong">): LineLimit {
  return { maxBytes: config.maxLineBytes, onTooLong: config.lineTooLong };
}

/** Environment variable → config path. `.env.example` lists every one of these. */
export const ENV_KEYS: Record<string, string> = {
  PORT: "port",
  HOST: "host",
  HEALTH_PORT: "healthPort",
  DATA_DIR: "dataDir",
  DATABASE_URL: "databaseUrl",
  SQLITE_DB_PATH: "sqliteDbPath",
  SQLITE_CACHE_MB: "sqliteCacheMb",
  SQLITE_READ_THREADS: "sqliteReadThreads",
  API_TOKEN: "apiToken",
  HEALTH_TOKEN: "healthToken",
  API_TOKENS: "apiTokens",
  CORS_ORIGINS: "corsOrigins",
  RATE_LIMIT_PER_TOKEN: "limits.perToken",
  RATE_LIMIT_PER_IP: "limits.perIp",
  ANALYZE_RATE_LIMIT: "limits.analyze",
  ANALYZE_MAX_BODY_BYTES: "limits.analyzeMaxBodyBytes",
  ANALYZE_MAX_FILE_BYTES: "limits.analyzeMaxFileBytes",
  LOG_LEVEL: "logLevel",
  LOG_FORMAT: "logFormat",
  OPEN_ROUTES: "openRoutes",
  THRESHOLD: "threshold",
  ML_URL: "mlUrl",
  MODEL_VERSION: "modelVersion",
  GIT_COMMIT: "gitCommit",
  MODEL_DIR: "modelDir",
  MCP_ALLOWED_DIRS: "mcp.allowedDirs",
  MCP_MAX_FILE_BYTES: "mcp.maxFileBytes",
  INGEST_MAX_BODY_BYTES: "ingest.maxBodyBytes",
  INGEST_QUEUE_RECORDS: "ingest.queueRecords",
  INGEST_QUEUE_MAX_WAIT_SECS: "ingest.queueMaxWaitSecs",
  INGEST_BATCH_SIZE: "ingest.batchSize",
  INGEST_STATE_SAVE_SECS: "ingest.stateSaveSecs",
  INGEST_IDEMPOTENCY_HOURS: "ingest.idempotencyHours",
  INGEST_DECODE_THREADS: "ingest.decodeThreads",
  MAX_LINE_BYTES: "maxLineBytes",
  LINE_TOO_LONG: "lineTooLong",
  LOG_STORE: "logStore.engine",
  LOG_SEGMENT_LINES: "logStore.segmentLines",
  LOG_SEAL_AFTER_SECS: "logStore.sealAfterSecs",
  LOG_RETENTION_DAYS: "logStore.retentionDays",
  LOG_READ_THREADS: "logStore.readThreads",
  MINER_MAX_TEMPLATES_PER_STREAM: "miner.maxTemplatesPerStream",
  MINER_MAX_TOKENS_PER_LINE: "miner.maxTokensPerLine",
  DETECTOR_STREAMS_BY_SOURCE: "detectors.streamsBySource",
  NEW_TEMPLATE_ENABLED: "detectors.newTemplate.enabled",
  NEW_TEMPLATE_WARMUP_RECORDS: "detectors.newTemplate.warmupRecords",
  NEW_TEMPLATE_WARMUP_SECS: "detectors.newTemplate.warmupSecs",
  ERROR_BURST_ENABLED: "detectors.errorBurst.enabled",
  ERROR_BURST_WINDOW_SECS: "detectors.errorBurst.windowSecs",
  ERROR_BURST_THRESHOLD: "detectors.errorBurst.threshold",
  SEVERE_EVENTS_ENABLED: "detectors.severeEvents.enabled",
  SEVERE_EVENTS_GAP_SECS: "detectors.severeEvents.gapSecs",
  DETECTOR_MAX_KEYS: "detectors.maxKeys",
  DETECTOR_MODEL_RETENTION: "detectors.modelRetention",
  DETECTOR_RETRAIN_INTERVAL_SECS: "detectors.retrainIntervalSecs",
  DETECTOR_TICK_SECS: "detectors.tickSecs",
  RARE_TEMPLATE_ENABLED: "detectors.rareTemplate.enabled",
  RARE_TEMPLATE_WARMUP_RECORDS: "detectors.rareTemplate.warmupRecords",
  RARE_TEMPLATE_PERCENTILE: "detectors.rareTemplate.percentile",
  RARE_TEMPLATE_RETRAIN_RECORDS: "detectors.rareTemplate.retrainRecords",
  RARE_TEMPLATE_COOLDOWN_SECS: "detectors.rareTemplate.cooldownSecs",
  VOLUME_ENABLED: "detectors.volume.enabled",
  VOLUME_INTERVAL_SECS: "detectors.volume.intervalSecs",
  VOLUME_MIN_HISTORY: "detectors.volume.minHistory",
  VOLUME_HISTORY_INTERVALS: "detectors.volume.historyIntervals",
  VOLUME_SENSITIVITY: "detectors.volume.sensitivity",
  VOLUME_MIN_COUNT: "detectors.volume.minCount",
  VOLUME_SEASONAL_DAYS: "detectors.volume.seasonalDays",
  VOLUME_PER_TEMPLATE: "detectors.volume.perTemplate",
  VOLUME_MAX_TEMPLATE_KEYS: "detectors.volume.maxTemplateKeys",
  BRUTE_FORCE_ENABLED: "detectors.bruteForce.enabled",
  BRUTE_FORCE_WINDOW_SECS: "detectors.bruteForce.windowSecs",
  BRUTE_FORCE_THRESHOLD: "detectors.bruteForce.threshold",
  PASSWORD_SPRAYING_ENABLED: "detectors.passwordSpraying.enabled",
  PASSWORD_SPRAYING_WINDOW_SECS: "detectors.passwordSpraying.windowSecs",
  PASSWORD_SPRAYING_MIN_USERS: "detectors.passwordSpraying.minUsers",
  SUCCESS_AFTER_FAILURES_ENABLED: "detectors.successAfterFailures.enabled",
  SUCCESS_AFTER_FAILURES_WINDOW_SECS: "detectors.successAfterFailures.windowSecs",
  SUCCESS_AFTER_FAILURES_MIN_FAILURES: "detectors.successAfterFailures.minFailures",
  SUCCESS_AFTER_FAILURES_SLOW_WINDOW_SECS: "detectors.successAfterFailures.slowWindowSecs",
  SUCCESS_AFTER_FAILURES_SLOW_MIN_FAILURES: "detectors.successAfterFailures.slowMinFailures",
  NEW_SOURCE_IP_ENABLED: "detectors.newSourceIp.enabled",
  NEW_SOURCE_IP_WARMUP_LOGINS: "detectors.newSourceIp.warmupLogins",
  NEW_SOURCE_IP_WARMUP_SECS: "detectors.newSourceIp.warmupSecs",
  NEW_SOURCE_IP_PREFIX_V4: "detectors.newSourceIp.prefixV4",
  NEW_SOURCE_IP_BLOCK_PREFIX_V4: "detectors.newSourceIp.blockPrefixV4",
  NEW_SOURCE_IP_MAX_NETWORKS_PER_USER: "detectors.newSourceIp.maxNetworksPerUser",
  NEW_SOURCE_IP_SHARED_NETWORK_USERS: "detectors.newSourceIp.sharedNetworkUsers",
  NEW_SOURCE_IP_TRUST_KNOWN_KEYS: "detectors.newSourceIp.trustKnownKeys",
  UNUSUAL_LOGIN_HOUR_ENABLED: "detectors.unusualLoginHour.enabled",
  UNUSUAL_LOGIN_HOUR_MIN_LOGINS: "detectors.unusualLoginHour.minLogins",
  UNUSUAL_LOGIN_HOUR_MIN_QUIET_HOURS: "detectors.unusualLoginHour.minQuietHours",
  UNUSUAL_LOGIN_HOUR_COOLDOWN_SECS: "detectors.unusualLoginHour.cooldownSecs",
  UNUSUAL_LOGIN_HOUR_HISTORY_LOGINS: "detectors.unusualLoginHour.historyLogins",
  PRIVILEGE_ESCALATION_ENABLED: "detectors.privilegeEscalation.enabled",
  PRIVILEGE_ESCALATION_WARMUP_SECS: "detectors.privilegeEscalation.warmupSecs",
  PRIVILEGE_ESCALATION_MIN_FAILED_ATTEMPTS: "detectors.privilegeEscalation.minFailedAttempts",
  WIFI_ENABLED: "detectors.wifi.enabled",
  WIFI_WINDOW_SECS: "detectors.wifi.windowSecs",
  WIFI_THRESHOLD: "detectors.wifi.threshold",
  SIGMA_ENABLED: "detectors.sigma.enabled",
  SIGMA_RULES_DIR: "detectors.sigma.rulesDir",
  SIGMA_MAPPINGS_DIR: "detectors.sigma.mappingsDir",
  SIGMA_PLACEHOLDERS_FILE: "detectors.sigma.placeholdersFile",
  SUPPRESSION_TTL_DAYS: "verdicts.suppressionTtlDays",
  SYSLOG_PORT: "syslogPort",
  SYSLOG_HOST: "syslogHost",
  SYSLOG_MAX_CONNECTIONS: "syslogMaxConnections",
  SYSLOG_IDLE_TIMEOUT_SECS: "syslogIdleTimeoutSecs",
  SOURCE_PG_URL: "sourcePostgres.url",
  SOURCE_PG_TABLE: "sourcePostgres.table",
  SOURCE_PG_CURSOR_COLUMN: "sourcePostgres.cursorColumn",
  SOURCE_PG_TIMESTAMP_COLUMN: "sourcePostgres.timestampColumn",
  SOURCE_PG_PROGRAM_COLUMN: "sourcePostgres.programColumn",
  SOURCE_PG_HOST_COLUMN: "sourcePostgres.hostColumn",
  SOURCE_PG_MESSAGE_COLUMN: "sourcePostgres.messageColumn",
  SOURCE_PG_POLL_SECS: "sourcePostgres.pollSecs",
  BATCH_INTERVAL: "batchInterval",
  WEBHOOK_URL: "sinkEnv.webhookUrl",
  WEBHOOK_SECRET: "sinkEnv.webhookSecret",
  SLACK_WEBHOOK_URL: "sinkEnv.slackWebhookUrl",
  SPLUNK_HEC_URL: "sinkEnv.splunkHecUrl",
  SPLUNK_HEC_TOKEN: "sinkEnv.splunkHecToken",
  ELASTICSEARCH_URL: "sinkEnv.elasticsearchUrl",
  ELASTICSEARCH_INDEX: "sinkEnv.elasticsearchIndex",
  KAFKA_BROKERS: "sinkEnv.kafkaBrokers",
  KAFKA_TOPIC: "sinkEnv.kafkaTopic",
  RABBITMQ_URL: "sinkEnv.rabbitmqUrl",
  RABBITMQ_EXCHANGE: "sinkEnv.rabbitmqExchange",
  RABBITMQ_QUEUE: "sinkEnv.rabbitmqQueue",
  ...HASURA_ENV_KEYS,
  ...SESSION_DETECTOR_ENV_KEYS,
  ...TRIAGE_ENV_KEYS,
  ...CLUSTER_ENV_KEYS,
  ...S3_ENV_KEYS,
};
