import type { Anomaly } from "../../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import { SlidingWindow } from "../sliding-window.js";
import { authEventsOf } from "./auth-event.js";
import { securityAnomaly, thresholdScore } from "./security-anomaly.js";
import { SshAttempts } from "./ssh-attempts.js";

export interface SuccessAfterFailuresOptions {
  windowSecs: number;
  /** Failed logins for the user within the window before a success that make it suspicious. */
  minFailures: number;
  /**
   * Slow guessing: failures spread over hours stay under `minFailures` in any `windowSecs`, so the
   * failures within this longer window count too, when there are at least `slowMinFailures` of them from
   * at most `SLOW_MAX_SOURCES` addresses (a guesser's few machines; internet-wide noise against `root`
   * comes from many).
   */
  slowWindowSecs: number;
  slowMinFailures: number;
  maxKeys: number;
}

/** Addresses a slow guesser uses at most: more is the internet's background noise, not one guesser. */
const SLOW_MAX_SOURCES = 3;

/**
 * A successful login right after many failures for the same account: the brute force (or guessing)
 * may have worked. Two horizons: many failures within `windowSecs` (a quick brute force, credential
 * stuffing), or tens of them spread over hours from a few addresses (slow guessing, which stays under
 * every short window's threshold). The failures are forgotten once reported, so one success reports once.
 * Every service's logins count, mail clients' included: failures for an account over IMAP, then its login
 * over IMAP or sshd, is the guess that worked, on whichever service it was tried.
 */
export class SuccessAfterFailuresDetector implements Detector {
  readonly name = "success_after_failures";
  readonly undo = new UndoLog();
  readonly #users: LruMap<string, SlidingWindow>;
  readonly #attempts = new SshAttempts(this.undo);
  #successes = 0;

  constructor(readonly options: SuccessAfterFailuresOptions) {
    this.#users = new LruMap<string, SlidingWindow>(options.maxKeys).recordTo(this.undo, (w) => w.copy());
    this.undo.keep(
      () => this.#successes,
      (value) => {
        this.#successes = value;
      },
    );
  }

  get #cap(): number {
    return Math.max(64, this.options.minFailures * 8, this.options.slowMinFailures * 4);
  }

  /** Failures are kept for the longer of the two horizons; the short one is a slice of it. */
  get #keptMs(): number {
    return Math.max(this.options.windowSecs, this.options.slowWindowSecs) * 1000;
  }

  /** The failures that make the success suspicious, and over which horizon; null when none does. */
  #lead(w: SlidingWindow, at: number): { lead: SlidingWindow; slow: boolean } | null {
    const quick = new SlidingWindow(this.options.windowSecs * 1000, this.#cap);
    quick.events = w.events.filter((e) => e.at <= at && e.at > at - quick.windowMs);
    if (quick.count >= this.options.minFailures) return { lead: quick, slow: false };
    const slow = new SlidingWindow(this.options.slowWindowSecs * 1000, this.#cap);
    slow.events = w.events.filter((e) => e.at <= at && e.at > at - slow.windowMs);
    if (slow.count >= this.options.slowMinFailures && slow.distinctLabels() <= SLOW_MAX_SOURCES)
      return { lead: slow, slow: true };
    return null;
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const windowMs = this.#keptMs;
    const events = authEventsOf(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const event = events[i] ?? null;
      if (event?.kind !== "login" || event.mirrored || !event.user) continue;
      if (!this.#attempts.isNewAttempt(event, record)) continue;
      if (event.outcome === "failure") {
        const w = this.#users.upsert(event.user, () => new SlidingWindow(windowMs, this.#cap));
        for (let i = 0; i < event.count; i++)
          w.add({ at: event.at, id: record.id, label: event.sourceIp ?? "?" });
        continue;
      }
      this.#successes++;
      const w = this.#users.peek(event.user);
      if (!w) continue;
      this.#users.remember(event.user); // `peek` does not journal, and the prune changes the window
      w.prune(event.at);
      // Only failures up to the success lead to it: one from a later period (the success is a backfilled
      // or late record) does not, and would make the span negative.
      const found = this.#lead(w, event.at);
      if (found === null) continue;
      const { lead, slow } = found;
      const failures = lead.count;
      const sources = lead.labels();
      const sameSource = sources.some((s) => s.label === event.sourceIp);
      const span = Math.round((event.at - lead.events[0]!.at) / 1000);
      out.push(
        securityAnomaly({
          detector: this.name,
          record,
          key: `user:${event.user}`,
          score: Math.min(
            1,
            thresholdScore(failures, slow ? this.options.slowMinFailures : this.options.minFailures) +
              (sameSource ? 0.05 : 0),
          ),
          minSeverity: "high",
          features: {
            user: event.user,
            source_ip: event.sourceIp,
            failures_before: failures,
            failing_sources: sources.length,
            same_source: sameSource,
            window_secs: lead.windowMs / 1000,
            slow_guessing: slow,
          },
          explanation: {
            summary: slow
              ? `Successful login for ${event.user} from ${event.sourceIp ?? "unknown source"} after ${failures} failed attempts over ${Math.round(span / 60)} min from ${sources.length} address(es): slow guessing`
              : `Successful login for ${event.user} from ${event.sourceIp ?? "unknown source"} after ${failures} failed attempts in ${span} s`,
            observed: { failures_before: failures, success_from: event.sourceIp, same_source: sameSource },
            expected: slow
              ? {
                  max_failures_before_success: this.options.slowMinFailures - 1,
                  window_secs: this.options.slowWindowSecs,
                  note: `failures spread over hours from at most ${SLOW_MAX_SOURCES} addresses count against the longer window`,
                }
              : {
                  max_failures_before_success: this.options.minFailures - 1,
                  window_secs: this.options.windowSecs,
                },
            contributions: sources
              .slice(0, 5)
              .map((s) => ({ name: "failing_source", value: s.label, weight: s.count / failures })),
            samples: [record.body],
          },
          evidence: [...new Set([...lead.ids(19), record.id])],
        }),
      );
      this.#users.delete(event.user);
    }
    return out;
  }

  status(): DetectorStatus {
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#successes} successful logins checked; ${this.#users.size} user(s) with recent failures`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      attempts: this.#attempts.exportState(),
      successes: this.#successes,
      users: [...this.#users.entries()].map(([user, w]) => ({
        user,
        events: w.events.map((e) => [e.at, e.id, e.label]),
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.users)) return;
    this.#attempts.importState(state.attempts);
    this.#successes = Number(state.successes ?? 0);
    for (const u of state.users) {
      if (!isJsonObject(u) || typeof u.user !== "string" || !Array.isArray(u.events)) continue;
      const w = new SlidingWindow(this.#keptMs, this.#cap);
      w.events = u.events
        .filter(Array.isArray)
        .map((e) => ({ at: Number(e[0]), id: Number(e[1]), label: String(e[2]) }));
      this.#users.set(u.user, w);
    }
  }
}

export const successAfterFailuresDefinition: DetectorDefinition<SuccessAfterFailuresOptions> = {
  name: "success_after_failures",
  description: "A successful login for a user right after many failed attempts for that user.",
  create: (options) => new SuccessAfterFailuresDetector(options),
};
