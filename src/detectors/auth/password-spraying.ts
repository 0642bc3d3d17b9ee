import type { Anomaly } from "../../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import { copyWindowedKey, SlidingWindow, shouldReport, type WindowedKey } from "../sliding-window.js";
import { authEventsOf } from "./auth-event.js";
import { securityAnomaly, thresholdScore } from "./security-anomaly.js";
import { ServicesSeen, serviceOf, servicesClause } from "./services-seen.js";
import { SshAttempts } from "./ssh-attempts.js";

/** A source's window, and the services its failures were made against. */
interface SourceState extends WindowedKey {
  services: ServicesSeen;
}

function copySourceState(s: SourceState): SourceState {
  return { ...copyWindowedKey(s), services: s.services.copy() };
}

export interface PasswordSprayingOptions {
  windowSecs: number;
  /** Distinct users one source failed against within the window that make a spray. */
  minUsers: number;
  maxKeys: number;
}

/**
 * Password spraying: one source trying few passwords against many accounts, so no single account
 * crosses the brute-force threshold. Keyed by source IP; counts distinct users with a failed login, on
 * whichever service (sshd, mail, FTP, web basic auth, VPN): the finding names the services.
 */
export class PasswordSprayingDetector implements Detector {
  readonly name = "password_spraying";
  readonly undo = new UndoLog();
  readonly #sources: LruMap<string, SourceState>;
  readonly #attempts = new SshAttempts(this.undo);
  #failures = 0;

  constructor(readonly options: PasswordSprayingOptions) {
    this.#sources = new LruMap<string, SourceState>(options.maxKeys).recordTo(this.undo, copySourceState);
    this.undo.keep(
      () => this.#failures,
      (value) => {
        this.#failures = value;
      },
    );
  }

  /** Events kept per source: enough for eight times `minUsers` users at a few attempts each. */
  get #cap(): number {
    return Math.max(256, this.options.minUsers * 32);
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const windowMs = this.options.windowSecs * 1000;
    const events = authEventsOf(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const event = events[i] ?? null;
      if (event?.kind !== "login" || event.outcome !== "failure" || event.mirrored) continue;
      if (!this.#attempts.isNewAttempt(event, record)) continue;
      if (!event.sourceIp || !event.user) continue;
      this.#failures++;
      const state = this.#sources.upsert(event.sourceIp, () => ({
        window: new SlidingWindow(windowMs, this.#cap),
        burst: { reported: 0, until: 0 },
        services: new ServicesSeen(),
      }));
      state.window.add({ at: event.at, id: record.id, label: event.user });
      state.services.add(serviceOf(event, record), event.at);
      // The users are listed only for a report: their number decides whether there is one.
      const distinctUsers = state.window.distinctLabels();
      if (distinctUsers < this.options.minUsers) continue;
      if (!shouldReport(state.burst, distinctUsers, event.at, windowMs)) continue;
      const users = state.window.labels();
      const attempts = state.window.count;
      const span = Math.round(state.window.spanSecs());
      const services = state.services.since(state.window.events[0]!.at);
      out.push(
        securityAnomaly({
          detector: this.name,
          record,
          key: `ip:${event.sourceIp}`,
          score: thresholdScore(users.length, this.options.minUsers),
          minSeverity: "high",
          features: {
            source_ip: event.sourceIp,
            distinct_users: users.length,
            failures: attempts,
            window_secs: this.options.windowSecs,
            min_users: this.options.minUsers,
            services,
          },
          explanation: {
            summary: `${event.sourceIp} failed logins against ${users.length} different users in ${span} s (${attempts} attempts)${servicesClause(services)}`,
            observed: {
              distinct_users: users.length,
              failures: attempts,
              span_secs: span,
              services: services.length,
            },
            expected: { max_distinct_users: this.options.minUsers - 1, window_secs: this.options.windowSecs },
            contributions: users
              .slice(0, 10)
              .map((u) => ({ name: "user", value: u.label, weight: u.count / attempts })),
            samples: [record.body],
          },
          evidence: [...new Set(state.window.ids(50))].slice(-20),
        }),
      );
    }
    return out;
  }

  status(): DetectorStatus {
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#failures} failed logins seen from ${this.#sources.size} source(s) tracked (cap ${this.options.maxKeys})`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      attempts: this.#attempts.exportState(),
      failures: this.#failures,
      sources: [...this.#sources.entries()].map(([ip, s]) => ({
        ip,
        events: s.window.events.map((e) => [e.at, e.id, e.label]),
        burst: [s.burst.reported, s.burst.until],
        services: s.services.toJson(),
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.sources)) return;
    this.#attempts.importState(state.attempts);
    this.#failures = Number(state.failures ?? 0);
    for (const s of state.sources) {
      if (!isJsonObject(s) || typeof s.ip !== "string" || !Array.isArray(s.events)) continue;
      const window = new SlidingWindow(this.options.windowSecs * 1000, this.#cap);
      window.events = s.events
        .filter(Array.isArray)
        .map((e) => ({ at: Number(e[0]), id: Number(e[1]), label: String(e[2]) }));
      const burst = Array.isArray(s.burst)
        ? { reported: Number(s.burst[0]), until: Number(s.burst[1]) }
        : { reported: 0, until: 0 };
      this.#sources.set(s.ip, { window, burst, services: ServicesSeen.fromJson(s.services) });
    }
  }
}

export const passwordSprayingDefinition: DetectorDefinition<PasswordSprayingOptions> = {
  name: "password_spraying",
  description: "One source IP failing logins against many different users within a window.",
  create: (options) => new PasswordSprayingDetector(options),
};
