import type { Anomaly } from "../../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import { type Coverage, cover } from "../stream-clock.js";
import { type AuthEvent, authEventsOf } from "./auth-event.js";
import { securityAnomaly } from "./security-anomaly.js";

export interface PrivilegeEscalationOptions {
  /** Record time spent learning who normally escalates to whom before reporting newcomers. */
  warmupSecs: number;
  /** Failed sudo/su password attempts in one record that are reported (`NOT in sudoers` always is). */
  minFailedAttempts: number;
  maxKeys: number;
}

/**
 * Users who vouch for a command before a first-time escalation running it is a colleague's routine. A user
 * vouches by running it through an escalation that raised nothing (learned during warm-up, or a pair
 * already known); a reported first time never vouches, so an intruder's shell does not make itself routine.
 */
const ROUTINE_COMMAND_USERS = 3;

/**
 * Privilege escalation (sudo, su, PAM sessions opened for another user): reports a user becoming
 * another user (usually root) for the first time after warm-up, and failed escalations (`NOT in
 * sudoers`, repeated wrong passwords). Admins who sudo every day are learned, not reported; so is a
 * first sudo of a command several colleagues routinely run the same way (`docker ps`, `systemctl status`),
 * a new member of the team rather than an intruder. A first escalation without a command (su, a PAM
 * session) or with one nobody else runs is reported.
 */
export class PrivilegeEscalationDetector implements Detector {
  readonly name = "privilege_escalation";
  readonly undo = new UndoLog();
  /** `user→target` → [first seen, times]. */
  readonly #pairs: LruMap<string, [number, number]>;
  #firstAt: number | null = null;
  #lastAt = 0;
  /** Record time of escalations covered, jumps excluded: what the warm-up counts. */
  #coverage: Coverage | null = null;
  #events = 0;
  /** `target command` → the users who vouch for it (at most `ROUTINE_COMMAND_USERS`). */
  readonly #commands: LruMap<string, string[]>;

  constructor(readonly options: PrivilegeEscalationOptions) {
    this.#pairs = new LruMap<string, [number, number]>(options.maxKeys).recordTo(this.undo, ([at, n]) => [
      at,
      n,
    ]);
    this.undo.atEachBegin(() => {
      const firstAt = this.#firstAt;
      const lastAt = this.#lastAt;
      const coverage = this.#coverage && { ...this.#coverage };
      const events = this.#events;
      return () => {
        this.#firstAt = firstAt;
        this.#lastAt = lastAt;
        this.#coverage = coverage;
        this.#events = events;
      };
    });
    this.#commands = new LruMap<string, string[]>(options.maxKeys).recordTo(this.undo, (users) => [...users]);
  }

  #warm(coveredMs: number): boolean {
    return coveredMs >= this.options.warmupSecs * 1000;
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const events = authEventsOf(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const event = events[i] ?? null;
      if (event?.kind !== "escalation" || event.mirrored || !event.user) continue;
      this.#events++;
      this.#firstAt ??= event.at;
      this.#lastAt = Math.max(this.#lastAt, event.at);
      this.#coverage ??= { latestAt: event.at, coveredMs: 0 };
      const covered = cover(this.#coverage, event.at);
      if (event.outcome === "failure") {
        const notAllowed = /NOT in sudoers|not allowed/i.test(record.body);
        if (notAllowed || event.count >= this.options.minFailedAttempts)
          out.push(this.#failed(record, event, notAllowed));
        continue;
      }
      const target = event.targetUser ?? "root";
      const pair = `${event.user}→${target}`;
      const known = this.#pairs.get(pair);
      const command = event.command ? `${target} ${event.command}` : null;
      if (known) {
        known[1]++;
        if (command) this.#vouch(command, event.user);
        continue;
      }
      this.#pairs.set(pair, [event.at, 1]);
      const routine = command !== null && (this.#commands.get(command)?.length ?? 0) >= ROUTINE_COMMAND_USERS;
      if (this.#warm(covered) && !routine) out.push(this.#first(record, event, target));
      else if (command) this.#vouch(command, event.user);
    }
    return out;
  }

  /** Counts `user` among the users who vouch for `command`. */
  #vouch(command: string, user: string): void {
    const users = this.#commands.get(command);
    if (!users) this.#commands.set(command, [user]);
    else if (users.length < ROUTINE_COMMAND_USERS && !users.includes(user)) users.push(user);
  }

  #first(record: ParsedRecord, event: AuthEvent, target: string): Anomaly {
    const privileged = target === "root" || target === "0";
    return securityAnomaly({
      detector: this.name,
      record,
      key: `user:${event.user}`,
      score: privileged ? 0.86 : 0.7,
      features: {
        user: event.user,
        target_user: target,
        method: event.method,
        command: event.command,
        first_time: true,
      },
      explanation: {
        summary: `${event.user} became ${target} via ${event.method ?? "unknown"} for the first time${event.command ? `: ${event.command}` : ""}`,
        observed: { user: event.user, target_user: target, command: event.command },
        expected: { note: `only user→target pairs seen before (${this.#pairs.size - 1} known)` },
        samples: [record.body],
      },
      evidence: [record.id],
    });
  }

  #failed(record: ParsedRecord, event: AuthEvent, notAllowed: boolean): Anomaly {
    const target = event.targetUser ?? "root";
    return securityAnomaly({
      detector: this.name,
      record,
      key: `user:${event.user}`,
      score: notAllowed ? 0.88 : Math.min(0.85, 0.55 + 0.05 * event.count),
      features: {
        user: event.user,
        target_user: target,
        method: event.method,
        command: event.command,
        failed_attempts: event.count,
        not_allowed: notAllowed,
      },
      explanation: {
        summary: notAllowed
          ? `${event.user} tried to become ${target} but is not allowed to${event.command ? ` (${event.command})` : ""}`
          : `${event.user} failed ${event.count} password attempts to become ${target}`,
        observed: { failed_attempts: event.count, not_allowed: notAllowed, command: event.command },
        expected: { max_failed_attempts: this.options.minFailedAttempts - 1, allowed: true },
        samples: [record.body],
      },
      evidence: [record.id],
    });
  }

  status(): DetectorStatus {
    const at = this.#firstAt;
    if (at === null)
      return { name: this.name, phase: "learning", detail: "warming up: no escalation seen yet" };
    const covered = this.#coverage?.coveredMs ?? 0;
    if (!this.#warm(covered)) {
      const secs = Math.round(covered / 1000);
      return {
        name: this.name,
        phase: "learning",
        detail: `warming up: ${secs} of ${this.options.warmupSecs} s of escalations learned (${this.#pairs.size} user→target pair(s))`,
      };
    }
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#events} escalations seen; ${this.#pairs.size} user→target pair(s) known; first-time pairs reported after ${this.options.warmupSecs} s of record time from the first`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      firstAt: this.#firstAt,
      lastAt: this.#lastAt,
      coverage: this.#coverage ? [this.#coverage.latestAt, this.#coverage.coveredMs] : null,
      events: this.#events,
      pairs: [...this.#pairs.entries()].map(([k, [at, n]]) => [k, at, n]),
      commands: [...this.#commands.entries()],
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.pairs)) return;
    this.#firstAt = typeof state.firstAt === "number" ? state.firstAt : null;
    this.#lastAt = Number(state.lastAt ?? 0);
    // State saved before coverage was kept: the time from the first escalation to the last, as measured then.
    this.#coverage = Array.isArray(state.coverage)
      ? { latestAt: Number(state.coverage[0]), coveredMs: Number(state.coverage[1]) }
      : this.#firstAt === null
        ? null
        : { latestAt: this.#lastAt, coveredMs: Math.max(0, this.#lastAt - this.#firstAt) };
    this.#events = Number(state.events ?? 0);
    for (const p of state.pairs)
      if (Array.isArray(p)) this.#pairs.set(String(p[0]), [Number(p[1]), Number(p[2])]);
    // State saved before commands were counted: colleagues' routines are learned again from traffic.
    if (Array.isArray(state.commands))
      for (const c of state.commands)
        if (Array.isArray(c) && Array.isArray(c[1])) this.#commands.set(String(c[0]), c[1].map(String));
  }
}

export const privilegeEscalationDefinition: DetectorDefinition<PrivilegeEscalationOptions> = {
  name: "privilege_escalation",
  description:
    "A user escalating to another user for the first time (after warm-up), or a failed escalation.",
  create: (options) => new PrivilegeEscalationDetector(options),
};
