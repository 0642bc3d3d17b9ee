import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { IdempotentAnswer, KeyedOutcome, KeyedRequest } from "../service/idempotent-requests.js";

/**
 * `Idempotency-Key` at the HTTP boundary (docs/api.md, "Sending again"): the header's shape, checked by the
 * route's schema like any other input (a bad key is a 400 `validation_error`); the digest of the body
 * as it arrives, so the same key with another body is recognised; and the answer given again.
 */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

/**
 * 1 to 255 visible ASCII characters: a UUID, a hash, a client's own counter. Spaces and control
 * characters are refused rather than trimmed, so a key means the same on every node and in every log.
 */
export const idempotencyKey = z
  .string()
  .min(1, "Idempotency-Key must not be empty")
  .max(255, "Idempotency-Key must be at most 255 characters")
  .regex(/^[\x21-\x7e]+$/, "Idempotency-Key must be visible ASCII characters (no spaces)")
  .describe(
    "Sent again with the same key (to any node, after any failure), the request is stored once and answered like the first; keys are remembered INGEST_IDEMPOTENCY_HOURS (24 h)",
  );

/** A route's `schema.headers`: the key when sent, every other header let through. */
export const keyedHeaders = z.looseObject({ [IDEMPOTENCY_KEY_HEADER]: idempotencyKey.optional() });

/** Each keyed request's body digest, taken as the body streamed in (`digestKeyedBody`). */
const digests = new WeakMap<FastifyRequest, string>();

/**
 * preParsing: when the request carries a key, hashes the method, URL (query included) and body bytes as
 * they stream to the parser; others pass untouched. The bytes are the ones sent, before any decoding, so
 * a resend of the same request gives the same digest on any node.
 */
export async function digestKeyedBody<P>(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: P,
): Promise<P> {
  if (request.headers[IDEMPOTENCY_KEY_HEADER] === undefined) return payload;
  const hash = createHash("sha256").update(`${request.method} ${request.url}\n`);
  const digesting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      digests.set(request, hash.digest("hex"));
      done();
    },
  });
  const source = payload as unknown as NodeJS.ReadableStream;
  source.on("error", (error) => digesting.destroy(error));
  return source.pipe(digesting) as unknown as P;
}

/**
 * The keyed request, or undefined without a key. `route` names the route in the key's scope, with the
 * credential (a stored token's id, a static token's name, or `open`), so one client's key never meets
 * another's.
 */
export function keyedRequest(request: FastifyRequest, route: string): KeyedRequest | undefined {
  const key = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (typeof key !== "string") return undefined;
  const digest = digests.get(request);
  // A body the parser did not stream (none sent): the digest of the method and URL alone.
  const bodyDigest =
    digest ?? createHash("sha256").update(`${request.method} ${request.url}\n`).digest("hex");
  const p = request.principal;
  const who = p ? (p.tokenId === null ? `s:${p.name}` : `t:${p.tokenId}`) : "open";
  return { scope: `${route} ${who}`, key, digest: bodyDigest };
}

/** Sends a keyed request's answer; one given again says so (`Idempotent-Replayed: true`). */
export function sendKeyed(reply: FastifyReply, outcome: KeyedOutcome): FastifyReply {
  if (outcome.replayed) reply.header("idempotent-replayed", "true");
  return sendAnswer(reply, outcome.answer);
}

function sendAnswer(reply: FastifyReply, answer: IdempotentAnswer): FastifyReply {
  reply.code(answer.status).type(answer.type);
  return answer.body instanceof Uint8Array ? reply.send(Buffer.from(answer.body)) : reply.send(answer.body);
}
