import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

export const SCOPES = ["read", "ingest", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A new random token: `lw_` + 32 bytes of base64url. */
export function generateToken(): string {
  return `lw_${randomBytes(32).toString("base64url")}`;
}

export interface TokenInfo {
  id: number;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toInfo(row: {
  id: number;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): TokenInfo {
  return {
    id: Number(row.id),
    name: row.name,
    scopes: row.scopes.split(",").filter(Boolean) as Scope[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Creates a token and returns it in clear, the only time it is ever available. */
export async function createToken(
  db: Kysely<Database>,
  name: string,
  scopes: readonly Scope[],
  now: string,
): Promise<{ token: string; info: TokenInfo }> {
  const token = generateToken();
  const row = await db
    .insertInto("api_tokens")
    .values({
      name,
      token_hash: hashToken(token),
      scopes: scopes.join(","),
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, info: toInfo(row) };
}

/**
 * Looks a presented token up by its hash. Comparing digests through an index leaks nothing useful about
 * the token: an attacker would need a preimage of SHA-256 to steer the lookup.
 */
export async function findToken(db: Kysely<Database>, token: string): Promise<TokenInfo | undefined> {
  const row = await db
    .selectFrom("api_tokens")
    .selectAll()
    .where("token_hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row ? toInfo(row) : undefined;
}

/** Which of `ids` are still active (not revoked): one indexed query for sessions that outlive a request. */
export async function activeTokenIds(db: Kysely<Database>, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("api_tokens")
    .select("id")
    .where("id", "in", ids)
    .where("revoked_at", "is", null)
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}

export async function countActiveTokens(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("api_tokens")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function listTokens(db: Kysely<Database>): Promise<TokenInfo[]> {
  const rows = await db.selectFrom("api_tokens").selectAll().orderBy("id").execute();
  return rows.map(toInfo);
}

export async function revokeToken(db: Kysely<Database>, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Records that a token was used (callers throttle this; it is not on every request). */
export async function touchToken(db: Kysely<Database>, id: number, now: string): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", id).execute();
}
