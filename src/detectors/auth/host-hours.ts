import type { JsonValue } from "../../core/json.js";
import { DAY_MS } from "../../core/time.js";
import type { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";

/** One host's users and the UTC hours each has logged in at (bit h of the mask = hour h). */
interface HostLogins {
  users: Map<string, number>;
  /** Each user's working day (`dayOf` their mask), kept as their mask changes: read for every judgement. */
  days: Map<string, number>;
  /** Record time of its first login seen (ms): before a whole day of it, not every hour has had its turn. */
  since: number;
}

/** Users remembered per host: enough for a site's staff; past it the host is judged on those it has. */
const USERS_PER_HOST = 2_000;
/** A host with fewer users than this says nothing about what its people's hours are. */
export const MIN_PEERS = 10;

/**
 * Who logs in to a host, and at which hours of the day (UTC): the peers a user with too little history
 * of their own is judged against. People reaching one bastion are mostly one site's staff, so the hours
 * at which almost none of them ever log in are that site's night, whatever its time zone.
 */
export class HostHours {
  readonly #hosts: LruMap<string, HostLogins>;

  constructor(undo: UndoLog, maxHosts: number) {
    this.#hosts = new LruMap<string, HostLogins>(maxHosts).recordTo(undo, (h) => ({
      users: new Map(h.users),
      days: new Map(h.days),
      since: h.since,
    }));
  }

  /**
   * Among the host's other users who share at least one login hour with `ownMask` (people whose days look
   * like this user's so far), the share who have ever logged in within an hour of `hour`; null when fewer
   * than `MIN_PEERS` such users are known. Night-shift colleagues share no hour with a day worker, so their
   * nights do not make a day worker's night look ordinary, and the reverse.
   */
  similarShare(
    host: string,
    hour: number,
    user: string,
    ownMask: number,
    at: number,
  ): { share: number; peers: number } | null {
    const h = this.#hosts.peek(host);
    if (!h || ownMask === 0 || at - h.since < DAY_MS) return null;
    const near = (1 << hour) | (1 << ((hour + 1) % 24)) | (1 << ((hour + 23) % 24));
    const own = dayOf(ownMask);
    let peers = 0;
    let there = 0;
    for (const [name, mask] of h.users) {
      if (name === user) continue;
      // One login hour shows no day at all: such a colleague says nothing about what the host's days are.
      if ((mask & (mask - 1)) === 0) continue;
      const day = h.days.get(name) ?? mask;
      if ((day & own) === 0) continue;
      peers++;
      if ((day & near) !== 0) there++;
    }
    return peers < MIN_PEERS ? null : { share: there / peers, peers };
  }

  add(host: string, user: string, hour: number, at: number): void {
    const h = this.#hosts.upsert(host, () => ({ users: new Map(), days: new Map(), since: at }));
    if (at < h.since) h.since = at;
    const mask = h.users.get(user);
    if (mask === undefined && h.users.size >= USERS_PER_HOST) return;
    const next = (mask ?? 0) | (1 << hour);
    if (next === mask) return;
    h.users.set(user, next);
    h.days.set(user, dayOf(next));
  }

  /**
   * `user`'s hours leave host `from` for host `to` (their home moved): merged with any they have there, or
   * dropped when `to` is full. `at`: the login that moved them, the first seen at `to` if it has none yet.
   */
  move(user: string, from: string, to: string, at: number): void {
    const old = this.#hosts.get(from);
    const mask = old?.users.get(user);
    if (!old || mask === undefined) return;
    old.users.delete(user);
    old.days.delete(user);
    const h = this.#hosts.upsert(to, () => ({ users: new Map(), days: new Map(), since: at }));
    const there = h.users.get(user);
    if (there === undefined && h.users.size >= USERS_PER_HOST) return;
    const next = (there ?? 0) | mask;
    h.users.set(user, next);
    h.days.set(user, dayOf(next));
  }

  exportState(): JsonValue {
    return [...this.#hosts.entries()].map(([host, h]) => [host, h.since, [...h.users.entries()]]);
  }

  importState(state: JsonValue | undefined): void {
    if (!Array.isArray(state)) return;
    for (const entry of state) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Array.isArray(entry[2])) continue;
      const users = new Map<string, number>();
      const days = new Map<string, number>();
      for (const u of entry[2]) {
        if (!Array.isArray(u)) continue;
        users.set(String(u[0]), Number(u[1]));
        days.set(String(u[0]), dayOf(Number(u[1])));
      }
      this.#hosts.set(entry[0], { users, days, since: Number(entry[1]) });
    }
  }
}

/** Hours a day's span may cover at most: past it the logins are not one working day (a rota, a service). */
const MAX_DAY_HOURS = 16;

/**
 * The hours between someone's first and last login of the day: the shortest run of the clock covering
 * every hour set in `mask` (the complement of its longest gap), when no longer than `MAX_DAY_HOURS`.
 * A colleague seen at 09:00 and 17:00 works at 13:00 too; a few logins show a day's edges, not its middle.
 */
export function dayOf(mask: number): number {
  if (mask === 0) return 0;
  let gapStart = 0;
  let gapLength = 0;
  for (let start = 0; start < 24; start++) {
    if ((mask & (1 << start)) === 0) continue;
    // The gap after this login hour: the hours up to the next one.
    let length = 0;
    while (length < 23 && (mask & (1 << ((start + length + 1) % 24))) === 0) length++;
    if (length > gapLength) {
      gapLength = length;
      gapStart = (start + 1) % 24;
    }
  }
  if (24 - gapLength > MAX_DAY_HOURS) return mask;
  let day = 0;
  for (let i = 0; i < 24 - gapLength; i++) day |= 1 << ((gapStart + gapLength + i) % 24);
  return day;
}
