import { z } from "zod";

/** Config of each source type (`sources:` in the config file); the registry in `src/sources/` builds them. */

const port = z.coerce.number().int().min(0).max(65535);
const positive = z.coerce.number().positive();
const name = z.string().min(1).optional();

export const syslogSourceSchema = z.strictObject({
  type: z.literal("syslog"),
  name,
  port,
  host: z.string().min(1).default("127.0.0.1"),
  /** Which transports to open on the port. */
  protocols: z
    .array(z.enum(["udp", "tcp"]))
    .min(1)
    .default(["udp", "tcp"]),
  /**
   * Largest accepted message, bytes; a longer TCP frame or UDP datagram is cut to this (marked, flagged
   * and logged). Unset: `MAX_LINE_BYTES`, the limit every door shares.
   */
  maxMessageBytes: z.coerce.number().int().min(480).optional(),
  /** TCP connections open at once; one more is closed at once (and logged). */
  maxConnections: z.coerce.number().int().positive().default(1_000),
  /** A TCP connection that sends nothing for this long is closed, with any half-sent frame (0: never). */
  idleTimeoutSecs: z.coerce.number().min(0).default(600),
});

export const fileSourceSchema = z.strictObject({
  type: z.literal("file"),
  name,
  /** Paths or globs (`*`, `?`, `**`). */
  paths: z.array(z.string().min(1)).min(1),
  /** `service.name` for lines that do not name one (default: the file's base name). */
  service: z.string().min(1).optional(),
  /** Where to start in a file seen for the first time. */
  startAt: z.enum(["beginning", "end"]).default("beginning"),
  pollMs: z.coerce.number().int().min(10).default(250),
  /** Bytes read (and committed) per step. */
  chunkBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
});

export const postgresSourceSchema = z.strictObject({
  type: z.literal("postgres"),
  name,
  url: z.string().regex(/^postgres(ql)?:\/\//, "expected postgres://…"),
  /** Table (optionally `schema.table`) to poll; ignored when `query` is set. */
  table: z.string().min(1).default("logs"),
  /** A SELECT to poll instead of a table; it is wrapped as a subquery and filtered by the cursor. */
  query: z.string().min(1).optional(),
  columns: z
    .strictObject({
      timestamp: z.string().min(1).default("timestamp"),
      program: z.string().min(1).default("program"),
      host: z.string().min(1).default("host"),
      message: z.string().min(1).default("message"),
      level: z.string().min(1).optional(),
    })
    .prefault({}),
  /** The column that orders rows; `id` (strictly increasing) or a timestamp. */
  cursor: z
    .strictObject({
      column: z.string().min(1).default("id"),
      kind: z.enum(["id", "timestamp"]).default("id"),
    })
    .prefault({}),
  pollSecs: positive.default(5),
  batchRows: z.coerce.number().int().positive().default(1000),
});

export const sourceSchema = z.discriminatedUnion("type", [
  syslogSourceSchema,
  fileSourceSchema,
  postgresSourceSchema,
]);

export type SyslogSourceConfig = z.infer<typeof syslogSourceSchema>;
export type FileSourceConfig = z.infer<typeof fileSourceSchema>;
export type PostgresSourceConfig = z.infer<typeof postgresSourceSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;

/** The env-configured system 000 source (`SOURCE_PG_*`): one PostgreSQL source when the URL is set. */
export const sourcePostgresEnvSchema = z
  .object({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "expected postgres://…")
      .optional(),
    table: z.string().min(1).default("logs"),
    cursorColumn: z.string().min(1).default("id"),
    timestampColumn: z.string().min(1).default("timestamp"),
    programColumn: z.string().min(1).default("program"),
    hostColumn: z.string().min(1).default("host"),
    messageColumn: z.string().min(1).default("message"),
    pollSecs: positive.default(5),
  })
  .prefault({});
