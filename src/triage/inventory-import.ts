import { isSeverity } from "../core/severity.js";
import { csvRecords as parseCsv } from "../parsers/csv.js";
import type { InventoryAsset, InventoryUser } from "../store/repos/inventory.js";

const yes = (v: string | undefined) =>
  ["1", "true", "yes", "y", "on"].includes((v ?? "").trim().toLowerCase());
const orNull = (v: string | undefined) => (v && v.trim() !== "" ? v.trim() : null);
const KNOWN_USER = new Set([
  "user_id",
  "id",
  "name",
  "username",
  "email",
  "department",
  "privileged",
  "admin",
]);
const KNOWN_ASSET = new Set([
  "asset_id",
  "id",
  "hostname",
  "host",
  "ip",
  "owner",
  "criticality",
  "environment",
]);

/** Users CSV: `user_id` (or `id`), `name`, `email`, `department`, `privileged`; other columns become attributes. */
export function parseUsersCsv(text: string): InventoryUser[] {
  return parseCsv(text).flatMap((r) => {
    const id = orNull(r.user_id ?? r.id);
    if (!id) return [];
    return [
      {
        user_id: id,
        name: orNull(r.name ?? r.username),
        email: orNull(r.email),
        department: orNull(r.department),
        privileged: yes(r.privileged ?? r.admin),
        attributes: Object.fromEntries(Object.entries(r).filter(([k]) => !KNOWN_USER.has(k))),
      },
    ];
  });
}

/** Assets CSV: `asset_id` (or `id`), `hostname`, `ip`, `owner`, `criticality` (low…critical), `environment`. */
export function parseAssetsCsv(text: string): InventoryAsset[] {
  return parseCsv(text).flatMap((r) => {
    const id = orNull(r.asset_id ?? r.id);
    if (!id) return [];
    const crit = (r.criticality ?? "").toLowerCase();
    return [
      {
        asset_id: id,
        hostname: orNull(r.hostname ?? r.host),
        ip: orNull(r.ip),
        owner: orNull(r.owner),
        criticality: isSeverity(crit) ? crit : "medium",
        environment: orNull(r.environment),
        attributes: Object.fromEntries(Object.entries(r).filter(([k]) => !KNOWN_ASSET.has(k))),
      },
    ];
  });
}
