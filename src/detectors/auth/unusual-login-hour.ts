import type { Anomaly } from "../../core/anomaly.js";
import type {
  Detector,
  DetectorDefinition,
  DetectorStatus,
  Retrainable,
  TrainedModel,
} from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { LruMap } from "../lru.js";
import { elapsedMs } from "../stream-clock.js";
import { authEventOf } from "./auth-event.js";
import { securityAnomaly } from "./security-anomaly.js";

export interface UnusualLoginHourOptions {
  /** Successful logins a user needs before their hours are known. */
  minLogins: number;
  /** An hour (smoothed with its neighbours) holding less than this share of the user's logins is unusual. */
  maxShare: number;
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
}

/**
 * A login at an hour of the day this user (almost) never logs in at. Hours are UTC: a per-user habit is
 * just as stable in UTC as in local time, and no time zone needs configuring. The profile is the model;
 * it learns online and halves itself when full, so a new shift pattern takes over within
 * `historyLogins` logins.
 */
export class UnusualLoginHourDetector implements Detector, Retrainable {
  readonly name = "unusual_login_hour";
  readonly #users: LruMap<string, Profile>;

  constructor(readonly options: UnusualLoginHourOptions) {
    this.#users = new LruMap(options.maxKeys);
  }

  /** Share of the user's logins around `hour` (the hour itself plus half of each neighbour). */
  #share(p: Profile, hour: number): number {
    const h = p.hours;
    const smoothed = h[hour]! + 0.5 * (h[(hour + 23) % 24]! + h[(hour + 1) % 24]!);
    return smoothed / (2 * p.total);
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const record of batch) {
      const event = authEventOf(record);
      if (event?.kind !== "login" || event.outcome !== "success" || !event.user) continue;
      const p = this.#users.upsert(event.user, () => ({
        hours: Array<number>(24).fill(0),
        total: 0,
        lastReport: Number.NEGATIVE_INFINITY,
      }));
      const hour = new Date(event.at).getUTCHours();
      if (
        p.total >= this.options.minLogins &&
        elapsedMs(p.lastReport, event.at) >= this.options.cooldownSecs * 1000
      ) {
        const share = this.#share(p, hour);
        if (share < this.options.maxShare) {
          p.lastReport = event.at;
          out.push(this.#anomaly(record, event.user, p, hour, share));
        }
      }
      p.hours[hour]! += 1;
      p.total += 1;
      if (p.total > 2 * this.options.historyLogins) this.#halve(p);
    }
    return out;
  }

  #halve(p: Profile): void {
    p.hours = p.hours.map((c) => c / 2);
    p.total /= 2;
  }

  #anomaly(record: ParsedRecord, user: string, p: Profile, hour: number, share: number): Anomaly {
    const usual = p.hours
      .map((c, h) => ({ h, c }))
      .filter((x) => x.c > 0)
      .sort((a, b) => b.c - a.c)
      .slice(0, 5);
    // 0 logins around this hour → 0.8; close to the limit → 0.6.
    const score = 0.6 + 0.2 * (1 - share / this.options.maxShare);
    return securityAnomaly({
      detector: this.name,
      record,
      key: `user:${user}`,
      score,
      features: {
        user,
        hour_utc: hour,
        hour_share: Math.round(share * 10_000) / 10_000,
        logins_seen: Math.round(p.total),
      },
      explanation: {
        summary: `Login for ${user} at ${String(hour).padStart(2, "0")}:00 UTC, an hour with ${(share * 100).toFixed(1)}% of their ${Math.round(p.total)} logins`,
        observed: { hour_utc: hour, share },
        expected: { min_share: this.options.maxShare, usual_hours_utc: usual.map((x) => x.h) },
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
      if (p.total >= this.options.minLogins) warm++;
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
    for (const p of this.#users.values()) if (p.total >= this.options.minLogins) warm++;
    const total = this.#users.size;
    return {
      name: this.name,
      phase: warm > 0 ? "active" : "learning",
      detail:
        warm > 0
          ? `${warm} of ${total} user(s) have a known login-hour profile; ${total - warm} still learning`
          : `warming up: no user has ${this.options.minLogins} logins yet (${total} user(s) seen)`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      users: [...this.#users.entries()].map(([name, p]) => ({
        name,
        hours: p.hours,
        total: p.total,
        lastReport: Number.isFinite(p.lastReport) ? p.lastReport : null,
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.users)) return;
    for (const u of state.users) {
      if (!isJsonObject(u) || typeof u.name !== "string" || !Array.isArray(u.hours) || u.hours.length !== 24)
        continue;
      this.#users.set(u.name, {
        hours: u.hours.map(Number),
        total: Number(u.total),
        lastReport: typeof u.lastReport === "number" ? u.lastReport : Number.NEGATIVE_INFINITY,
      });
    }
  }
}

export const unusualLoginHourDefinition: DetectorDefinition<UnusualLoginHourOptions> = {
  name: "unusual_login_hour",
  description: "A successful login at an hour of the day the user almost never logs in at.",
  parseOptions: (raw) => raw as UnusualLoginHourOptions,
  create: (options) => new UnusualLoginHourDetector(options),
};
