import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { LruMap } from "./lru.js";

/**
 * The `StreamPartitioned` halves shared by detectors whose whole state is one entry per stream in an
 * `LruMap` (new_template, rare_template): each stream's entry packed as its row, and a remainder that is
 * only the streams' recency, which decides the one a full map forgets.
 */

/** The packed entries of the given streams the map holds (streams it lacks are left out). */
export function exportStreamEntries<S>(
  map: LruMap<string, S>,
  streams: ReadonlySet<string>,
  pack: (name: string, state: S) => JsonObject,
): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const name of streams) {
    const s = map.peek(name);
    if (s) out.set(name, { version: 1, ...pack(name, s) });
  }
  return out;
}

/** The remainder: the streams, least recently used first. */
export function exportStreamOrder<S>(map: LruMap<string, S>): JsonValue {
  return { version: 1, order: [...map.keys()] };
}

/** Keeps the streams the remainder lists, in its order (see `LruMap.retainInOrder`); ignores another shape. */
export function importStreamOrder<S>(map: LruMap<string, S>, state: JsonValue): void {
  if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.order)) return;
  map.retainInOrder(state.order.filter((s) => typeof s === "string"));
}
