import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { deleteState, loadState, saveState } from "./state.js";

/**
 * A running `logwarden serve` on this store, as it last said so. Other processes opening the same store
 * (`logwarden mcp`) read it to stay readers instead of starting a second pipeline beside it.
 */
export interface ServerPresence {
  pid: number;
  host: string;
  port: number;
  startedAt: string;
  seenAt: string;
}

const KEY = "serve_presence";

/** Records that this server is running (again, each heartbeat); the last server to say so is kept. */
export async function recordPresence(db: Kysely<Database>, presence: ServerPresence): Promise<void> {
  await saveState(db, KEY, presence, presence.seenAt);
}

/** The server that last said it runs on this store, or null. */
export async function readPresence(db: Kysely<Database>): Promise<ServerPresence | null> {
  const value = await loadState(db, KEY);
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const { pid, host, port, startedAt, seenAt } = value as Record<string, unknown>;
  if (typeof pid !== "number" || typeof host !== "string" || typeof port !== "number") return null;
  if (typeof startedAt !== "string" || typeof seenAt !== "string") return null;
  return { pid, host, port, startedAt, seenAt };
}

/** Removes the record if it is this server's (another node on the same database may have written since). */
export async function clearPresence(db: Kysely<Database>, pid: number, host: string): Promise<void> {
  const current = await readPresence(db);
  if (current && current.pid === pid && current.host === host) await deleteState(db, KEY);
}
