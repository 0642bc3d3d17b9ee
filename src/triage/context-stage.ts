import type { JsonObject } from "../core/json.js";
import { type ContextRow, replaceContext } from "../store/repos/alert-enrichment.js";
import { markStage } from "../store/repos/alerts.js";
import { findAssets, findUsers, type InventoryAsset, type InventoryUser } from "../store/repos/inventory.js";
import { nowIso, type TriageDeps } from "./deps.js";
import { normalizeAlert } from "./normalize.js";
import type { StageHandler } from "./stage-runner.js";

/**
 * context-collector: network classification of each IP, asset and user inventory lookups → one
 * `alert_context` row per kind (contracts §2.5), and the enrichment keys `source_network`, `asset`, `user`.
 */
export function contextStage(deps: TriageDeps): StageHandler {
  return async (batch) => {
    const now = nowIso(deps);
    for (const m of batch) m.normalized ??= normalizeAlert(m.alert, now);
    const assetKeys = new Set<string>();
    const userKeys = new Set<string>();
    for (const m of batch) {
      const n = m.normalized!;
      if (n.host.id) assetKeys.add(n.host.id);
      if (n.host.name) assetKeys.add(n.host.name);
      if (n.user.id) userKeys.add(n.user.id);
      if (n.user.name) userKeys.add(n.user.name);
    }
    const [assets, users] = await Promise.all([
      findAssets(deps.store.db, [...assetKeys]),
      findUsers(deps.store.db, [...userKeys]),
    ]);
    const assetBy = new Map<string, InventoryAsset>();
    for (const a of assets) {
      if (a.hostname) assetBy.set(`h:${a.hostname}`, a);
      assetBy.set(`i:${a.asset_id}`, a);
    }
    const userBy = new Map<string, InventoryUser>();
    for (const u of users) {
      if (u.name) userBy.set(`n:${u.name}`, u);
      userBy.set(`i:${u.user_id}`, u);
    }

    const rows: ContextRow[] = [];
    for (const m of batch) {
      const n = m.normalized!;
      const id = m.alert.alert_id;
      if (n.source.ip || n.destination.ip) {
        const source = n.source.ip ? deps.network.classify(n.source.ip) : null;
        const destination = n.destination.ip ? deps.network.classify(n.destination.ip) : null;
        const data = { source, destination } as unknown as JsonObject;
        m.enrichment.source_network = data;
        rows.push({
          alert_id: id,
          context_type: "network",
          source: "network-classifier",
          context_data: data,
        });
      }
      if (n.host.id || n.host.name) {
        const found =
          (n.host.id ? assetBy.get(`i:${n.host.id}`) : undefined) ??
          (n.host.name ? assetBy.get(`h:${n.host.name}`) : undefined);
        const data: JsonObject = found
          ? { found: true, ...(found as unknown as JsonObject) }
          : { found: false, asset_id: n.host.id, hostname: n.host.name };
        m.enrichment.asset = data;
        rows.push({
          alert_id: id,
          context_type: "asset",
          source: found ? "assets" : "alert",
          context_data: data,
        });
      }
      if (n.user.id || n.user.name) {
        const found =
          (n.user.id ? userBy.get(`i:${n.user.id}`) : undefined) ??
          (n.user.name ? userBy.get(`n:${n.user.name}`) : undefined);
        const data: JsonObject = found
          ? { found: true, ...(found as unknown as JsonObject) }
          : { found: false, user_id: n.user.id, name: n.user.name };
        m.enrichment.user = data;
        rows.push({
          alert_id: id,
          context_type: "user",
          source: found ? "users" : "alert",
          context_data: data,
        });
      }
    }
    const ids = batch.map((m) => m.alert.alert_id);
    await deps.store.transaction(async (tx) => {
      // Two nodes on one alert (a redelivery while the first is still at work) replace its rows in turn;
      // without the lock both deletes would find nothing and both inserts would stay.
      await tx.dialect.lockKeys(
        tx.db,
        ids.map((id) => `alert:${id}`),
      );
      await replaceContext(tx.db, rows, now);
      await markStage(tx.db, ids, "enriched", now);
    });
    return batch;
  };
}
