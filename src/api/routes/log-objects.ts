// System 004's log object and incident, and the bodies its routes read (../shared/docs/seed-contracts.md §5.2, §5.4).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { lineLimitOf } from "../../config/schema.js";
import { isoUtc } from "../../core/time.js";
import { DecodedIngestRecords } from "../../service/decoded-ingest-records.js";
import type { Runtime } from "../../service/runtime.js";
import { type IngestDecodeThreads, ingestDecodeThreadsOf } from "../ingest-decode/decode-threads.js";
import { jsonObjectSchema } from "../schemas.js";
import { parseNdjsonLines } from "./ndjson-lines.js";

/** One log as `POST /ingest` and `POST /score` take it. */
export const ingestLog = z
  .object({
    timestamp: z.string().optional().describe("ISO-8601, any offset, up to 9 fractional digits"),
    service: z.string().optional().describe("Producing service, e.g. `auth`"),
    level: z.string().optional().describe("DEBUG, INFO, WARN, ERROR, FATAL (any case)"),
    message: z.string().describe("The log message"),
    metadata: jsonObjectSchema.optional().describe('Free-form fields, e.g. `{"ip": "10.0.0.12"}`'),
  })
  .describe("System 004 log object");

/** An incident as `POST /ingest` opens it and `GET /incidents` lists it. */
export const incident = z.object({
  id: z.number().int(),
  detected_at: z.string(),
  service: z.string().nullable(),
  severity: z.string(),
  summary: z.string(),
  features: jsonObjectSchema,
  status: z.string(),
});

/**
 * The bodies system 004's routes read, in the plugin `app`: JSON and NDJSON only. Fastify would read
 * text/plain as a string, which fails validation as "expected object"; without its parser, text/plain
 * is 415 like any unread type. NDJSON is one JSON log object per line, read from the body's bytes line
 * by line; a large body is decoded on a decode thread (the threads returned, started when the server
 * listens, not under inject).
 */
export function readLogBodies(app: FastifyInstance, rt: Runtime): IngestDecodeThreads {
  const decoder = ingestDecodeThreadsOf(rt);
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser(
    ["application/x-ndjson", "application/ndjson"],
    { parseAs: "buffer" },
    (_req, body, done) => {
      const bytes = body as Buffer;
      const onLoop = () => {
        let logs: unknown[];
        try {
          logs = parseNdjsonLines(bytes);
        } catch (error) {
          done(error as Error, undefined);
          return;
        }
        done(null, logs);
      };
      if (!decoder.takes(bytes.length)) return onLoop();
      decoder
        .decode(bytes, isoUtc(rt.clock.now()), lineLimitOf(rt.config))
        .then((decoded) => (decoded ? done(null, new DecodedIngestRecords(decoded)) : onLoop()), onLoop);
    },
  );
  return decoder;
}
