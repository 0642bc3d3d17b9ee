import { validatorCompiler } from "fastify-type-provider-zod";
import type { z } from "zod";
import { isJsonObject } from "../../core/json.js";
import { DecodedIngestRecords } from "../../service/decoded-ingest-records.js";
import type { IngestLog } from "../../service/ingest-records.js";

/**
 * `POST /ingest`'s body as zod's `ingestBody` returns it, without zod, or null when the body is anything
 * else: not a non-empty array, or one log that zod would refuse or change beyond dropping unknown keys.
 * Only what zod takes as it is comes back here; for the rest zod decides (and words the 400).
 *
 * zod checked and rebuilt every log one by one, a few microseconds a line on a 5,000-line body; this is
 * one pass of `typeof` checks. What comes back is what zod gives for such a log: a new object with the
 * known keys present, in the schema's order, and `metadata` with the same keys and values (zod copies
 * it; this passes the parsed object on, which nothing else holds). JSON has no `undefined`, so a key
 * that is undefined is one the client did not send.
 */
export function plainIngestLogs(body: unknown): IngestLog[] | null {
  if (!Array.isArray(body) || body.length === 0) return null;
  const logs: IngestLog[] = new Array(body.length);
  for (let i = 0; i < body.length; i++) {
    const log = plainIngestLog(body[i]);
    if (log === null) return null;
    logs[i] = log;
  }
  return logs;
}

/** One log of such a body as `plainIngestLogs` takes it, or null when zod must decide. */
export function plainIngestLog(value: unknown): IngestLog | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const { timestamp, service, level, message, metadata } = value as Record<string, unknown>;
  if (
    typeof message !== "string" ||
    (timestamp !== undefined && typeof timestamp !== "string") ||
    (service !== undefined && typeof service !== "string") ||
    (level !== undefined && typeof level !== "string")
  )
    return null;
  // zod's record copy drops an own `__proto__` key (JSON.parse makes one from `"__proto__": …`).
  if (metadata !== undefined && !(isJsonObject(metadata) && !Object.hasOwn(metadata, "__proto__")))
    return null;
  const log: IngestLog = {} as IngestLog;
  if (timestamp !== undefined) log.timestamp = timestamp;
  if (service !== undefined) log.service = service;
  if (level !== undefined) log.level = level;
  log.message = message;
  if (metadata !== undefined) log.metadata = metadata;
  return log;
}

/**
 * The `/ingest` route's validator: `plainIngestLogs` for the body, zod (as everywhere else) for what it
 * does not take and for every other part, so errors keep zod's wording.
 */
export function ingestValidatorCompiler(route: {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string | undefined;
}) {
  // Fastify passes the part's schema (typed as the whole route schema).
  const { method, url, httpPart } = route;
  const viaZod = validatorCompiler({
    schema: route.schema as z.ZodType,
    method,
    url,
    ...(httpPart ? { httpPart } : {}),
  });
  if (httpPart !== "body") return viaZod;
  return (data: unknown) => {
    // Decoded on a decode thread, where the same checks passed.
    if (data instanceof DecodedIngestRecords) return { value: data };
    const logs = plainIngestLogs(data);
    return logs === null ? viaZod(data) : { value: logs };
  };
}
