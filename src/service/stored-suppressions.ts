import type { Config } from "../config/schema.js";
import { isoUtc } from "../core/time.js";
import { SuppressionList } from "../pipeline/suppressions.js";
import { databaseUrlFor, openStore, storeMayExist } from "../store/db.js";
import { activeSuppressions, asSuppression } from "../store/repos/verdicts.js";

/**
 * The false-positive suppressions people recorded in the configured store, so `analyze` respects
 * verdicts as `serve` does. Nothing is created or migrated: no store (or an older one without the
 * table) simply means no suppressions.
 */
export async function loadStoredSuppressions(config: Config): Promise<SuppressionList | undefined> {
  const url = databaseUrlFor(config);
  if (!storeMayExist(url)) return undefined;
  const store = openStore({ url });
  try {
    const rows = await activeSuppressions(store.db, isoUtc(Date.now()));
    const list = new SuppressionList();
    list.replace(rows.map(asSuppression));
    return list;
  } catch {
    return undefined;
  } finally {
    await store.close();
  }
}
