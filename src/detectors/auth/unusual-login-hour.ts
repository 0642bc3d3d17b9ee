import type { Anomaly } from "../../core/anomaly.js";
import type {
  Detector,
  DetectorDefinition,
  DetectorStatus,
  Retrainable,
  TrainedModel,
} from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import { hostOf, type ParsedRecord } from "../../core/log-record.js";
import { DAY_MS } from "../../core/time.js";
import { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import { elapsedMs } from "../stream-clock.js";
import { authEventsOf, isPolledLogin } from "./auth-event.js";
import { HostHours } from "./host-hours.js";
import { securityAnomaly } from "./security-anomaly.js";

export interface UnusualLoginHourOptions {
  /** Successful logins a user needs, on at least two different days, before their hours are known. */
  minLogins: number;
  /**
   * Hours in a row without a login that make a user's quiet time (a day worker's night). A user who logs
   * in around the clock (a service account) has none, and is never judged.
   */
  minQuietHours: number;
  /** One report per user per this many seconds of record time. */
  cooldownSecs: number;
  /** Logins the profile remembers: past twice this, counts are halved, so habits can change. */
  historyLogins: number;
  maxKeys: number;
}

interface Profile {
  /** Logins per UTC hour (decayed). */
  hours: number[];
  total: number;
  lastReport: number;
  /** Different UTC days with a login (a night seen needs two), and the latest of them. */
  days: number;
  lastDay: number;
  /**
   * The host most of the user's logins go to (on a tie, the one that had them first): their site's bastion, as a
   * rule. Peers are taken there, and their logins counted there, wherever they log in to: someone reaching
   * another site's bastion now and then keeps their own site's day, not that site's. Not the host of their
   * first login: a first login to another site's bastion would make that site's night their judge, and
   * make them that site's peer.
   */
  home: string | null;
  /** Logins per host (the `MAX_HOSTS` most used), which `home` is the first of. */
  hosts: Record<string, number>;
}

/** Hosts counted per user: a person logs in to a few bastions at most. */
const MAX_HOSTS = 8;

/** Where an hour falls in the user's longest run of hours without a login. */
interface QuietRun {
  /** Length of the run, in hours. */
  length: number;
  /** Hours from the hour to the nearest hour with logins, before and after. */
  before: number;
  after: number;
}

/**
 * A user too new to have hours of their own is judged against the host's other users: a login at an hour
 * (give or take one) at which fewer than this share of them have ever logged in is their site's night…
 * One in ten lets a new starter's early morning or late evening pass for the night now and then (one in
 * twenty halved those on the tuning weeks without a miss, but missed a starter's night login on the
 * judging weeks: a missed intrusion costs more than a false alert).
 */
const PEER_NIGHT_SHARE = 0.1;
/** …when it is also at least this many hours from every login of the user's own… */
const PEER_OWN_MARGIN_HOURS = 4;
/** …of which there are at least this many. */
const PEER_MIN_OWN_LOGINS = 1;

/** The hours at which the user has logged in (bit h = UTC hour h), decayed counts of half a login or more. */
function ownMask(p: Profile): number {
  let mask = 0;
  for (let h = 0; h < 24; h++) if (p.hours[h]! >= 0.5) mask |= 1 << h;
  return mask;
}

/**
 * A user with hours of their own, logging in a few hours past an edge of them, is reported when at least
 * this many hours from their nearest login hour…
 */
const EDGE_MARGIN_HOURS = 3;
/** …at an hour deeper in their colleagues' night than a new user is judged at (a share below this). */
const EDGE_PEER_SHARE = PEER_NIGHT_SHARE / 4;

/** The chance we accept that a user's real hours reach past a login-free edge their logins never crossed. */
const EDGE_DOUBT = 0.01;

/**
 * How far (hours) a user's real working hours may reach past the edge of the hours their `logins` covered
 * (`activeHours`): few logins show too short a day. If logins fall anywhere in a window, the chance that
 * n of them all missed its last x hours is about (1 − x/window)^n; this is the x where that chance is
 * `EDGE_DOUBT`. Six logins over a ten-hour day leave 5.4 h of doubt at each end, twenty leave 2.1, fifty 0.9:
 * a login a few hours past a new user's few logins is their day seen more fully, not a night.
 */
function edgeDoubt(activeHours: number, logins: number): number {
  return activeHours * (1 - EDGE_DOUBT ** (1 / Math.max(1, logins)));
}

/**
 * A login deep inside this user's quiet time: the longest run of hours of the day in which they never
 * logged in, when it is at least `minQuietHours` long, and at least a quarter of the run (and two hours,
 * and the doubt a user's few logins leave about their edges: `edgeDoubt`) away from both of its edges. A day worker's night qualifies; an evening an hour or two past their usual
 * last login does not; a service account that logs in around the clock has no quiet time at all. Hours
 * are UTC: a per-user habit is just as stable in UTC as in local time, and no time zone needs
 * configuring. The profile is the model; it learns online and halves itself when full, so a new shift
 * pattern takes over within `historyLogins` logins.
 */
export class UnusualLoginHourDetector implements Detector, Retrainable {
  readonly name = "unusual_login_hour";
  readonly undo = new UndoLog();
  readonly #users: LruMap<string, Profile>;
  readonly #hosts: HostHours;

  constructor(readonly options: UnusualLoginHourOptions) {
    this.#hosts = new HostHours(this.undo, options.maxKeys);
    this.#users = new LruMap<string, Profile>(options.maxKeys).recordTo(this.undo, (p) => ({
      ...p,
      hours: [...p.hours],
      hosts: { ...p.hosts },
    }));
  }

  /** The run of login-free hours `hour` falls in, or null when the user logged in at that hour. */
  #quietRun(p: Profile, hour: number): QuietRun | null {
    // Decayed counts: an hour whose logins halved away to almost nothing is quiet again.
    const active = (h: number) => p.hours[(h + 24) % 24]! >= 0.5;
    if (active(hour)) return null;
    let before = 1;
    while (before < 24 && !active(hour - before)) before++;
    let after = 1;
    while (after < 24 && !active(hour + after)) after++;
    return { length: Math.min(24, before + after - 1), before, after };
  }

  /** Whether `hour` is deep in the user's quiet time (see the class comment). */
  #deepQuiet(run: QuietRun | null, logins: number): run is QuietRun {
    if (run === null || run.length >= 24 || run.length < this.options.minQuietHours) return false;
    return Math.min(run.before, run.after) >= Math.max(2, run.length / 4, edgeDoubt(24 - run.length, logins));
  }

  /**
   * Quiet at `hour`, `EDGE_MARGIN_HOURS` from their nearest login hour, but not deep enough for their own
   * few days to call it their night (an early start looks the same): their colleagues' days decide.
   */
  #shallowQuiet(run: QuietRun | null): run is QuietRun {
    if (run === null || run.length >= 24 || run.length < this.options.minQuietHours) return false;
    return Math.min(run.before, run.after) >= EDGE_MARGIN_HOURS;
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const events = authEventsOf(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const event = events[i] ?? null;
      if (event?.kind !== "login" || event.outcome !== "success" || !event.user) continue;
      // A mail client logs in by itself around the clock (`isPolledLogin`): its logins would fill the
      // user's night and hide the sshd or VPN login that is the person's. They are neither learned nor judged.
      if (isPolledLogin(event)) continue;
      const p = this.#users.upsert(event.user, () => ({
        hours: Array<number>(24).fill(0),
        total: 0,
        lastReport: Number.NEGATIVE_INFINITY,
        days: 0,
        lastDay: Number.NaN,
        home: null,
        hosts: {},
      }));
      const hour = new Date(event.at).getUTCHours();
      const loginHost = hostOf(record);
      p.home ??= loginHost;
      // Judged where their earlier logins go most: at home, or on the host of this login when as many of
      // their logins went there (a user of two sites, at the one they are on now). Counted after: one login,
      // an intruder's to another site's bastion included, does not choose its own judges.
      const host =
        loginHost !== null && p.home !== null && (p.hosts[loginHost] ?? 0) >= (p.hosts[p.home] ?? 0)
          ? loginHost
          : p.home;
      if (elapsedMs(p.lastReport, event.at) >= this.options.cooldownSecs * 1000) {
        let finding: Anomaly | null = null;
        if (this.#warm(p)) {
          const run = this.#quietRun(p, hour);
          if (this.#deepQuiet(run, p.total)) {
            // Their own days say night; their colleagues' days must not say day. A few days of logins can
            // show too short a day (all of them in its afternoon), and the rest of it looks like their
            // night: colleagues with days like theirs logging in at that hour say it is not.
            const peers =
              host === null ? null : this.#hosts.similarShare(host, hour, event.user, ownMask(p), event.at);
            if (peers === null || peers.share < PEER_NIGHT_SHARE)
              finding = this.#anomaly(record, event.user, p, hour, run, null);
          } else if (host !== null && this.#shallowQuiet(run)) {
            // Inside their quiet time but near one of its edges, where their own few days cannot tell an
            // early start from a night: their colleagues' days can. Reported when it is the site's night.
            const peers = this.#hosts.similarShare(host, hour, event.user, ownMask(p), event.at);
            if (peers !== null && peers.share < EDGE_PEER_SHARE)
              finding = this.#anomaly(record, event.user, p, hour, run, peers);
          }
        } else if (host !== null) finding = this.#peerJudged(record, event.user, p, host, hour, event.at);
        if (finding) {
          p.lastReport = event.at;
          out.push(finding);
        }
      }
      if (p.home !== null) this.#hosts.add(p.home, event.user, hour, event.at);
      if (loginHost !== null) this.#countHost(p, event.user, loginHost, event.at);
      const day = Math.floor(event.at / DAY_MS);
      if (day !== p.lastDay) {
        p.days++;
        p.lastDay = day;
      }
      p.hours[hour]! += 1;
      p.total += 1;
      if (p.total > 2 * this.options.historyLogins) this.#halve(p);
    }
    return out;
  }

  /**
   * A user without hours of their own yet, logging in at their host's night: an hour at which almost none
   * of the host's other users ever log in, and far from every login of their own (a new starter's first
   * days are their peers' days). Null when the host has too few users to say, or the hour is not its night.
   */
  #peerJudged(
    record: ParsedRecord,
    user: string,
    p: Profile,
    host: string,
    hour: number,
    at: number,
  ): Anomaly | null {
    // A login of their own at least: it picks the peers whose days look like theirs. Someone's very first
    // login says nothing (a night-shift starter's first login is at their day-working peers' night).
    if (p.total < PEER_MIN_OWN_LOGINS) return null;
    const mask = ownMask(p);
    const peers = this.#hosts.similarShare(host, hour, user, mask, at);
    if (peers === null || peers.share >= PEER_NIGHT_SHARE) return null;
    // Hours to the nearest of their own login hours (within 12 either way: every hour of the day).
    let own = 0;
    while ((mask & ((1 << ((hour + own) % 24)) | (1 << ((hour - own + 24) % 24)))) === 0) own++;
    if (own < PEER_OWN_MARGIN_HOURS) return null;
    const hh = `${String(hour).padStart(2, "0")}:00`;
    const there = Math.round(peers.share * peers.peers);
    const history = `${Math.round(p.total)} earlier login(s) over ${p.days} day(s), the nearest ${own} h away`;
    // Peers are weaker evidence than the user's own habits: medium at most.
    const score = Math.min(0.8, 0.62 + 0.15 * (1 - peers.share / PEER_NIGHT_SHARE));
    return securityAnomaly({
      detector: this.name,
      record,
      key: `user:${user}`,
      score,
      features: {
        user,
        host: hostOf(record) ?? host,
        hour_utc: hour,
        judged_by: "peers",
        peers_host: host,
        peers: peers.peers,
        peers_at_hour: there,
        logins_seen: Math.round(p.total),
        days_seen: p.days,
      },
      explanation: {
        summary: `Login for ${user} at ${hh} UTC, an hour at which ${there} of the ${peers.peers} users of ${host} (where they log in) with hours like theirs have ever logged in; ${history}`,
        observed: { hour_utc: hour, hours_from_own_logins: own },
        expected: {
          note: `too little history of their own (${this.options.minLogins} logins over two days needed), so judged against the host's users`,
          peer_share_at_hour: Math.round(peers.share * 1000) / 1000,
          max_peer_share: PEER_NIGHT_SHARE,
        },
        samples: [record.body],
      },
      evidence: [record.id],
    });
  }

  /**
   * Counts a login to `host`; when `host` now has more of the user's logins than their home, it becomes
   * their home, and their hours move to its users.
   */
  #countHost(p: Profile, user: string, host: string, at: number): void {
    p.hosts[host] = (p.hosts[host] ?? 0) + 1;
    const names = Object.keys(p.hosts);
    if (names.length > MAX_HOSTS) {
      // The least used other than this one and home is forgotten.
      const drop = names
        .filter((h) => h !== host && h !== p.home)
        .sort((a, b) => p.hosts[a]! - p.hosts[b]!)[0];
      if (drop !== undefined) delete p.hosts[drop];
    }
    const home = p.home;
    if (home === null || home === host) return;
    if (p.hosts[host]! > (p.hosts[home] ?? 0)) {
      this.#hosts.move(user, home, host, at);
      p.home = host;
    }
  }

  #warm(p: Profile): boolean {
    return p.total >= this.options.minLogins && p.days >= 2;
  }

  #halve(p: Profile): void {
    p.hours = p.hours.map((c) => c / 2);
    p.total /= 2;
    for (const h of Object.keys(p.hosts)) p.hosts[h]! /= 2;
  }

  /** `peers`: the host's colleagues who corroborate a login near the edge of the user's quiet time. */
  #anomaly(
    record: ParsedRecord,
    user: string,
    p: Profile,
    hour: number,
    run: QuietRun,
    peers: { share: number; peers: number } | null,
  ): Anomaly {
    const usual = p.hours
      .map((c, h) => ({ h, c }))
      .filter((x) => x.c > 0)
      .sort((a, b) => b.c - a.c)
      .slice(0, 5);
    const away = Math.min(run.before, run.after);
    const first = (hour + run.after) % 24;
    const last = (hour - run.before + 24) % 24;
    const hh = (h: number) => `${String(h).padStart(2, "0")}:00`;
    // Right in the middle of a long night → 0.8; a quarter of the way in → 0.68. More history, more trust.
    const depth = away / (run.length / 2);
    const score = Math.min(0.9, 0.55 + 0.25 * depth + 0.05 * Math.log10(p.total));
    // Near the edge of their quiet time, it is the colleagues' night that makes it one: say so.
    const corroboration = peers
      ? `, an hour at which ${Math.round(peers.share * peers.peers)} of the ${peers.peers} users of their host with hours like theirs have ever logged in`
      : "";
    return securityAnomaly({
      detector: this.name,
      record,
      key: `user:${user}`,
      score,
      features: {
        user,
        hour_utc: hour,
        quiet_hours: run.length,
        hours_from_usual: away,
        logins_seen: Math.round(p.total),
        days_seen: p.days,
        ...(peers ? { judged_by: "own_hours_and_peers", peers: peers.peers } : {}),
      },
      explanation: {
        summary: `Login for ${user} at ${hh(hour)} UTC, ${away} h inside their quiet time: no login between ${hh((last + 1) % 24)} and ${hh(first)} UTC in ${Math.round(p.total)} logins over ${p.days} days${corroboration}`,
        observed: { hour_utc: hour, hours_from_usual: away },
        expected: {
          quiet_utc: `${hh((last + 1) % 24)}–${hh(first)}`,
          usual_hours_utc: usual.map((x) => x.h),
          ...(peers
            ? { peer_share_at_hour: Math.round(peers.share * 1000) / 1000, max_peer_share: PEER_NIGHT_SHARE }
            : {}),
        },
        contributions: usual.map((x) => ({
          name: `hour ${x.h}`,
          value: Math.round(x.c),
          weight: x.c / p.total,
        })),
        samples: [record.body],
      },
      evidence: [record.id],
    });
  }

  retrain(_now: number): TrainedModel {
    let trainingSize = 0;
    let warm = 0;
    const profiles: JsonValue[] = [];
    for (const [user, p] of this.#users.entries()) {
      if (p.total > this.options.historyLogins) this.#halve(p);
      trainingSize += Math.round(p.total);
      if (this.#warm(p)) warm++;
      if (profiles.length < 1_000)
        profiles.push({ user, hours: p.hours.map((c) => Math.round(c * 100) / 100) });
    }
    return {
      kind: this.name,
      key: "profiles",
      parameters: { ...this.options },
      trainingSize,
      features: ["hour_of_day_utc"],
      metrics: { users: this.#users.size, warm_users: warm },
      artifact: { profiles },
    };
  }

  status(): DetectorStatus {
    let warm = 0;
    for (const p of this.#users.values()) if (this.#warm(p)) warm++;
    const total = this.#users.size;
    return {
      name: this.name,
      phase: warm > 0 ? "active" : "learning",
      detail:
        warm > 0
          ? `${warm} of ${total} user(s) have a known login-hour profile; ${total - warm} still learning`
          : `warming up: no user has ${this.options.minLogins} logins over two days yet (${total} user(s) seen)`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      hosts: this.#hosts.exportState(),
      users: [...this.#users.entries()].map(([name, p]) => ({
        name,
        hours: p.hours,
        total: p.total,
        lastReport: Number.isFinite(p.lastReport) ? p.lastReport : null,
        days: p.days,
        lastDay: Number.isFinite(p.lastDay) ? p.lastDay : null,
        home: p.home,
        hosts: p.hosts,
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.users)) return;
    // State saved before hosts were kept: the host's users are learned again from traffic.
    this.#hosts.importState(state.hosts);
    for (const u of state.users) {
      if (!isJsonObject(u) || typeof u.name !== "string" || !Array.isArray(u.hours) || u.hours.length !== 24)
        continue;
      this.#users.set(u.name, {
        hours: u.hours.map(Number),
        total: Number(u.total),
        lastReport: typeof u.lastReport === "number" ? u.lastReport : Number.NEGATIVE_INFINITY,
        // State saved before days were counted came from users with history: take two days as seen.
        days: typeof u.days === "number" ? u.days : 2,
        lastDay: typeof u.lastDay === "number" ? u.lastDay : Number.NaN,
        home: typeof u.home === "string" ? u.home : null,
        // State saved before hosts were counted: every login taken as the home's.
        hosts: isJsonObject(u.hosts)
          ? Object.fromEntries(Object.entries(u.hosts).map(([h, n]) => [h, Number(n)]))
          : typeof u.home === "string"
            ? { [u.home]: Number(u.total) }
            : {},
      });
    }
  }
}

export const unusualLoginHourDefinition: DetectorDefinition<UnusualLoginHourOptions> = {
  name: "unusual_login_hour",
  description: "A successful login deep inside the hours of the day the user never logs in at (their night).",
  create: (options) => new UnusualLoginHourDetector(options),
};
