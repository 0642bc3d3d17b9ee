import type { Anomaly } from "../../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import {
  copyWindowedKey,
  SlidingWindow,
  shouldReport,
  type WindowEvent,
  type WindowedKey,
} from "../sliding-window.js";
import { type AuthEvent, authEventsOf } from "./auth-event.js";
import { securityAnomaly, thresholdScore } from "./security-anomaly.js";
import { ServicesSeen, serviceOf, servicesClause } from "./services-seen.js";
import { SshAttempts } from "./ssh-attempts.js";

/** A key's window, and the services its failures were made against. */
interface KeyState extends WindowedKey {
  services: ServicesSeen;
}

function copyKeyState(k: KeyState): KeyState {
  return { ...copyWindowedKey(k), services: k.services.copy() };
}

export interface BruteForceOptions {
  windowSecs: number;
  /** Failed logins for one user, or from one source IP, within the window that make an attack. */
  threshold: number;
  /** Users and IPs tracked at once (least recently seen dropped first). */
  maxKeys: number;
}

/**
 * Brute force: many failed logins against one account (`user:<name>`) or from one source
 * (`ip:<address>`) within a window. Counted per attempt (a `message repeated 5 times` line counts 5);
 * PAM lines that mirror sshd's own are skipped so one attempt counts once. Every service's failures count
 * (sshd, mail, FTP, web basic auth, VPN): an address trying a few passwords on each is one attack, and
 * the finding names the services.
 */
export class BruteForceDetector implements Detector {
  readonly name = "brute_force";
  readonly undo = new UndoLog();
  readonly #keys: LruMap<string, KeyState>;
  readonly #attempts = new SshAttempts(this.undo);
  #failures = 0;

  constructor(readonly options: BruteForceOptions) {
    this.#keys = new LruMap<string, KeyState>(options.maxKeys).recordTo(this.undo, copyKeyState);
    this.undo.keep(
      () => this.#failures,
      (value) => {
        this.#failures = value;
      },
    );
  }

  /** Events kept per key: eight times the threshold is already critical, more changes nothing. */
  get #cap(): number {
    return Math.max(64, this.options.threshold * 8);
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const events = authEventsOf(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const event = events[i] ?? null;
      if (event?.kind !== "login" || event.outcome !== "failure" || event.mirrored) continue;
      if (!this.#attempts.isNewAttempt(event, record)) continue;
      this.#failures += event.count;
      if (event.user) this.#add(out, record, event, `user:${event.user}`, event.sourceIp ?? "?");
      if (event.sourceIp) this.#add(out, record, event, `ip:${event.sourceIp}`, event.user ?? "?");
    }
    return out;
  }

  #add(out: Anomaly[], record: ParsedRecord, event: AuthEvent, key: string, label: string): void {
    const windowMs = this.options.windowSecs * 1000;
    const { at, count } = event;
    const state = this.#keys.upsert(key, () => ({
      window: new SlidingWindow(windowMs, this.#cap),
      burst: { reported: 0, until: 0 },
      services: new ServicesSeen(),
    }));
    for (let i = 0; i < count; i++) state.window.add({ at, id: record.id, label });
    state.services.add(serviceOf(event, record), at);
    const failures = state.window.count;
    if (failures < this.options.threshold) return;
    if (!shouldReport(state.burst, failures, at, windowMs)) return;
    const byUser = key.startsWith("user:");
    const subject = key.slice(key.indexOf(":") + 1);
    const others = state.window.labels();
    const services = state.services.since(state.window.events[0]!.at);
    const span = Math.round(state.window.spanSecs());
    const summary = byUser
      ? `${failures} failed logins for user ${subject} in ${span} s from ${others.length} source(s)${servicesClause(services)}`
      : `${failures} failed logins from ${subject} in ${span} s against ${others.length} user(s)${servicesClause(services)}`;
    out.push(
      securityAnomaly({
        detector: this.name,
        record,
        key,
        score: thresholdScore(failures, this.options.threshold),
        features: {
          failures,
          window_secs: this.options.windowSecs,
          threshold: this.options.threshold,
          [byUser ? "user" : "source_ip"]: subject,
          [byUser ? "distinct_sources" : "distinct_users"]: others.length,
          services,
          // One address against one account: name both, so the account's and the address's findings
          // (this one's twin keyed the other way, a success after it) are seen as one incident.
          ...(others.length === 1 && others[0]!.label !== "?"
            ? { [byUser ? "source_ip" : "user"]: others[0]!.label }
            : {}),
        },
        explanation: {
          summary,
          observed: {
            failures,
            span_secs: state.window.spanSecs(),
            [byUser ? "sources" : "users"]: others.length,
            services: services.length,
          },
          expected: { max_failures: this.options.threshold - 1, window_secs: this.options.windowSecs },
          contributions: others.slice(0, 5).map((o) => ({
            name: byUser ? "source_ip" : "user",
            value: o.label,
            weight: o.count / failures,
          })),
          samples: [record.body],
        },
        evidence: [...new Set(state.window.ids(50))].slice(-20),
      }),
    );
  }

  status(): DetectorStatus {
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#failures} failed logins seen; ${this.#keys.size} user(s)/IP(s) tracked (cap ${this.options.maxKeys})`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      attempts: this.#attempts.exportState(),
      failures: this.#failures,
      keys: [...this.#keys.entries()].map(([key, s]) => ({
        key,
        events: s.window.events.map((e) => [e.at, e.id, e.label]),
        burst: [s.burst.reported, s.burst.until],
        services: s.services.toJson(),
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.keys)) return;
    this.#attempts.importState(state.attempts);
    this.#failures = Number(state.failures ?? 0);
    for (const k of state.keys) {
      if (!isJsonObject(k) || typeof k.key !== "string" || !Array.isArray(k.events)) continue;
      const window = new SlidingWindow(this.options.windowSecs * 1000, this.#cap);
      window.events = k.events
        .filter(Array.isArray)
        .map((e) => ({ at: Number(e[0]), id: Number(e[1]), label: String(e[2]) }) satisfies WindowEvent);
      const burst = Array.isArray(k.burst)
        ? { reported: Number(k.burst[0]), until: Number(k.burst[1]) }
        : { reported: 0, until: 0 };
      this.#keys.set(k.key, { window, burst, services: ServicesSeen.fromJson(k.services) });
    }
  }
}

export const bruteForceDefinition: DetectorDefinition<BruteForceOptions> = {
  name: "brute_force",
  description: "Many failed logins for one user or from one source IP within a window.",
  create: (options) => new BruteForceDetector(options),
};
