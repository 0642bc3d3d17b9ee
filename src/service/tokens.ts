import type { Kysely } from "kysely";
import { UserError } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import { recordAudit } from "../store/repos/audit.js";
import { createToken, listTokens, revokeToken, type Scope, type TokenInfo } from "../store/repos/tokens.js";
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

/** Revokes a token; a token that does not exist (or is already revoked) is a 404. */
export async function withdrawToken(
  db: Kysely<Database>,
  input: { id: number; actor: string },
  now = Date.now(),
): Promise<TokenInfo> {
  return db.transaction().execute(async (trx) => {
    const existing = (await listTokens(trx)).find((t) => t.id === input.id);
    if (!existing) throw new UserError(`no token with id ${input.id}`, "not_found", 404);
    if (existing.revokedAt) throw new UserError(`token ${input.id} is already revoked`, "not_found", 404);
    await revokeToken(trx, input.id, isoUtc(now));
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
}

export { listTokens };
