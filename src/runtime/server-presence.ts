import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import {
  clearPresence,
  readPresence,
  recordPresence,
  type ServerPresence,
} from "../store/repos/server-presence.js";

/** How often a running server says so. */
const HEARTBEAT_MS = 5_000;
/** A heartbeat older than this is a server that stopped without saying so (killed, machine down). */
const STALE_MS = 3 * HEARTBEAT_MS;

/**
 * `serve` says it runs on its store, at start and every HEARTBEAT_MS, and takes it back at shutdown;
 * returns the stop. A failed heartbeat is logged and tried again at the next one.
 */
export async function announceServer(
  store: Store,
  port: number,
  clock: Clock,
  log: Logger,
): Promise<() => Promise<void>> {
  const me = { pid: process.pid, host: hostname(), port, startedAt: isoUtc(clock.now()) };
  const beat = () =>
    recordPresence(store.db, { ...me, seenAt: isoUtc(clock.now()) }).catch((error: unknown) =>
      log.warn({ err: error }, "could not record this server's heartbeat in the store"),
    );
  await beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await clearPresence(store.db, me.pid, me.host).catch(() => {});
  };
}

/**
 * A server running on `store` now, or null: a heartbeat younger than STALE_MS whose process, when it is
 * on this machine, still exists.
 */
export async function runningServer(store: Store, clock: Clock): Promise<ServerPresence | null> {
  const presence = await readPresence(store.db);
  if (!presence) return null;
  if (clock.now() - Date.parse(presence.seenAt) > STALE_MS) return null;
  if (presence.host === hostname() && !processExists(presence.pid)) return null;
  return presence;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
