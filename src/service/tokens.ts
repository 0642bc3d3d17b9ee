import type { Kysely } from "kysely";
import { UserError } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import { recordAudit } from "../store/repos/audit.js";
import {
  activeTokenIds,
  createToken,
  findToken,
  hashToken,
  listTokens,
  revokeToken,
  type Scope,
  type TokenInfo,
} from "../store/repos/tokens.js";

/**
 * How long a token lookup is trusted. A lookup per request was a third of a list request's cost;
 * revoking through this process (API) drops the entry at once, revoking from another process
 * (`logwarden token revoke`) takes effect within this time.
 */
export const TOKEN_CACHE_MS = 2_000;
const CACHE_LIMIT = 10_000;

interface Cached {
  info: TokenInfo | null;
  until: number;
}
const caches = new WeakMap<Kysely<Database>, Map<string, Cached>>();

function cacheOf(db: Kysely<Database>): Map<string, Cached> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  return cache;
}

/** The active token with this secret, or null; misses are cached too, so a flood of bad tokens stays cheap. */
export async function lookupToken(
  db: Kysely<Database>,
  token: string,
  now = Date.now(),
): Promise<TokenInfo | null> {
  const cache = cacheOf(db);
  const key = hashToken(token);
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.info;
  const info = (await findToken(db, token)) ?? null;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, { info, until: now + TOKEN_CACHE_MS });
  return info;
}

import type { Database } from "../store/schema.js";

/**
 * Token use-cases shared by the admin routes and `logwarden token`: each change is written to the
 * audit log with who made it, in the same transaction.
 */
export async function issueToken(
  db: Kysely<Database>,
  input: { name: string; scopes: readonly Scope[]; actor: string },
  now = Date.now(),
): Promise<{ token: string; info: TokenInfo }> {
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0) throw new UserError("at least one scope is required", "validation_error");
  cacheOf(db).clear();
  return db.transaction().execute(async (trx) => {
    const created = await createToken(trx, input.name, scopes, isoUtc(now));
    await recordAudit(
      trx,
      {
        actor: input.actor,
        action: "token.create",
        target: `token:${created.info.id}`,
        details: { name: input.name, scopes },
      },
      isoUtc(now),
    );
    return created;
  });
}

type RevokedListener = (tokenId: number) => void;
const revokedListeners = new WeakMap<Kysely<Database>, Set<RevokedListener>>();

/**
 * Calls `listener` with a token's id once `withdrawToken` has revoked it through this `db` (the DELETE
 * route, or an in-process CLI call), so sessions opened with the token can end at once. Revocations made
 * by another process are not seen here; holders of long sessions also poll `activeTokenIds`.
 * Returns the unsubscribe function.
 */
export function onTokenRevoked(db: Kysely<Database>, listener: RevokedListener): () => void {
  let set = revokedListeners.get(db);
  if (!set) {
    set = new Set();
    revokedListeners.set(db, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/** Revokes a token; a token that does not exist (or is already revoked) is a 404. */
export async function withdrawToken(
  db: Kysely<Database>,
  input: { id: number; actor: string },
  now = Date.now(),
): Promise<TokenInfo> {
  const revoked = await db.transaction().execute(async (trx) => {
    const existing = (await listTokens(trx)).find((t) => t.id === input.id);
    if (!existing) throw new UserError(`no token with id ${input.id}`, "not_found", 404);
    if (existing.revokedAt) throw new UserError(`token ${input.id} is already revoked`, "not_found", 404);
    await revokeToken(trx, input.id, isoUtc(now));
    // Dropped before the commit is even visible: no request can pass on a cached entry after this.
    cacheOf(db).clear();
    await recordAudit(
      trx,
      {
        actor: input.actor,
        action: "token.revoke",
        target: `token:${input.id}`,
        details: { name: existing.name },
      },
      isoUtc(now),
    );
    return { ...existing, revokedAt: isoUtc(now) };
  });
  // Again after the commit: on a pooled database (PostgreSQL) a lookup on another connection could have
  // read the row before the commit and cached it as active after the first clear.
  cacheOf(db).clear();
  for (const listener of revokedListeners.get(db) ?? []) listener(input.id);
  return revoked;
}

export { activeTokenIds, listTokens };
