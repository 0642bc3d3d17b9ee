import type { Kysely } from "kysely";
import type { JsonObject } from "../../core/json.js";
import type { Severity } from "../../core/severity.js";
import type { StoreScope } from "../db.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database } from "../schema.js";

/** The user inventory the context stage reads (contracts §2.5: `users`). */
export interface InventoryUser {
  user_id: string;
  name: string | null;
  email: string | null;
  department: string | null;
  privileged: boolean;
  attributes: JsonObject;
}

/** The asset inventory (`assets`). */
export interface InventoryAsset {
  asset_id: string;
  hostname: string | null;
  ip: string | null;
  owner: string | null;
  criticality: Severity;
  environment: string | null;
  attributes: JsonObject;
}

export async function upsertUsers(
  { db, dialect }: StoreScope,
  users: InventoryUser[],
  now: string,
): Promise<void> {
  for (let i = 0; i < users.length; i += 500) {
    const chunk = users.slice(i, i + 500);
    await db
      .insertInto("users")
      .values(
        chunk.map((u) => ({
          ...u,
          privileged: dialect.boolParam(u.privileged),
          attributes: toJsonText(u.attributes),
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.column("user_id").doUpdateSet((eb) => ({
          name: eb.ref("excluded.name"),
          email: eb.ref("excluded.email"),
          department: eb.ref("excluded.department"),
          privileged: eb.ref("excluded.privileged"),
          attributes: eb.ref("excluded.attributes"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }
}

export async function upsertAssets(
  db: Kysely<Database>,
  assets: InventoryAsset[],
  now: string,
): Promise<void> {
  for (let i = 0; i < assets.length; i += 500) {
    const chunk = assets.slice(i, i + 500);
    await db
      .insertInto("assets")
      .values(
        chunk.map((a) => ({ ...a, attributes: toJsonText(a.attributes), created_at: now, updated_at: now })),
      )
      .onConflict((oc) =>
        oc.column("asset_id").doUpdateSet((eb) => ({
          hostname: eb.ref("excluded.hostname"),
          ip: eb.ref("excluded.ip"),
          owner: eb.ref("excluded.owner"),
          criticality: eb.ref("excluded.criticality"),
          environment: eb.ref("excluded.environment"),
          attributes: eb.ref("excluded.attributes"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }
}

type UserRow = Omit<InventoryUser, "privileged" | "attributes"> & {
  privileged: boolean | number;
  attributes: string;
};
const toUser = (r: UserRow): InventoryUser => ({
  user_id: r.user_id,
  name: r.name,
  email: r.email,
  department: r.department,
  privileged: Boolean(r.privileged),
  attributes: fromJsonText<JsonObject>(r.attributes, {}),
});
type AssetRow = Omit<InventoryAsset, "criticality" | "attributes"> & {
  criticality: string;
  attributes: string;
};
const toAsset = (r: AssetRow): InventoryAsset => ({
  asset_id: r.asset_id,
  hostname: r.hostname,
  ip: r.ip,
  owner: r.owner,
  criticality: r.criticality as Severity,
  environment: r.environment,
  attributes: fromJsonText<JsonObject>(r.attributes, {}),
});

const userCols = ["user_id", "name", "email", "department", "privileged", "attributes"] as const;
const assetCols = [
  "asset_id",
  "hostname",
  "ip",
  "owner",
  "criticality",
  "environment",
  "attributes",
] as const;

/** Users by id or name, for one batch of alerts. */
export async function findUsers(db: Kysely<Database>, keys: string[]): Promise<InventoryUser[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom("users")
    .select(userCols)
    .where((eb) => eb.or([eb("user_id", "in", keys), eb("name", "in", keys)]))
    .execute();
  return rows.map(toUser);
}

/** Assets by id or hostname, for one batch of alerts. */
export async function findAssets(db: Kysely<Database>, keys: string[]): Promise<InventoryAsset[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom("assets")
    .select(assetCols)
    .where((eb) => eb.or([eb("asset_id", "in", keys), eb("hostname", "in", keys)]))
    .execute();
  return rows.map(toAsset);
}

export async function listUsers(
  db: Kysely<Database>,
  limit: number,
  offset: number,
): Promise<InventoryUser[]> {
  const rows = await db
    .selectFrom("users")
    .select(userCols)
    .orderBy("user_id")
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map(toUser);
}

export async function listAssets(
  db: Kysely<Database>,
  limit: number,
  offset: number,
): Promise<InventoryAsset[]> {
  const rows = await db
    .selectFrom("assets")
    .select(assetCols)
    .orderBy("asset_id")
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map(toAsset);
}

export async function deleteUser(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom("users").where("user_id", "=", id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteAsset(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom("assets").where("asset_id", "=", id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
