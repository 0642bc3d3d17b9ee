import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { loadState, saveState } from "./state.js";

/** The Sigma rules switched off (`PATCH /api/v1/rules/{id}`), a `state` row: `{"disabled": [rule ids]}`. */
const KEY = "sigma.rule_settings";

export async function loadDisabledSigmaRules(db: Kysely<Database>): Promise<string[]> {
  const value = await loadState(db, KEY);
  if (!value || typeof value !== "object" || Array.isArray(value)) return [];
  const disabled = (value as { disabled?: unknown }).disabled;
  return Array.isArray(disabled) ? disabled.filter((id): id is string => typeof id === "string") : [];
}

export async function saveDisabledSigmaRules(
  db: Kysely<Database>,
  disabled: readonly string[],
  now: string,
): Promise<void> {
  await saveState(db, KEY, { disabled: [...disabled].sort() }, now);
}
