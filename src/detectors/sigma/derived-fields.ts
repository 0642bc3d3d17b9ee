/**
 * Fields a Sigma rule may name that a syslog record only carries inside its text: the authentication
 * extraction's user, source address and outcome (docs/detectors.md, "Authentication events"). The Linux
 * field mapping reads them as `derived.*` (config/sigma/linux-syslog.yaml), so `user: root` in a rule
 * means the account an sshd, PAM, sudo or su line names.
 *
 * `counted` says whether a login failure is an attempt of its own, as the brute-force detectors count
 * them: false for the second report of one attempt (a host that writes both sshd's `Failed password` and
 * PAM's `authentication failure` for it; sudo's mirrored PAM session line). Deciding it needs what the host
 * wrote before (`SshAttempts`), so it is kept by whoever reads a stream of records: the detector (its state
 * saved with the detector's) or one `logwarden rules test` run.
 */
import type { JsonObject, JsonValue } from "../../core/json.js";
import type { LogRecord, ParsedRecord } from "../../core/log-record.js";
import type { UndoLog } from "../../core/undo.js";
import type { SigmaRecord } from "../../sigma/record.js";
import { authEventOf } from "../auth/auth-event.js";
import { SshAttempts } from "../auth/ssh-attempts.js";

type Readable = Pick<LogRecord, "timestamp" | "body" | "attributes" | "resource" | "severityText">;

/** The stateless part: the fields one record states (no `counted`). */
export function withDerivedFields<R extends Readable>(record: R): R & SigmaRecord {
  const derived = derivedOf(record);
  return derived ? { ...record, derived } : record;
}

function derivedOf(record: Readable): JsonObject | null {
  const event = authEventOf(record);
  if (!event) return null;
  const derived: JsonObject = { kind: event.kind, outcome: event.outcome };
  if (event.user) derived.user = event.user;
  if (event.sourceIp) derived.source_ip = event.sourceIp;
  if (event.targetUser) derived.target_user = event.targetUser;
  if (event.method) derived.method = event.method;
  if (event.command) derived.command = event.command;
  return derived;
}

/** Derived fields over a stream of records, `counted` included. */
export class DerivedFields {
  readonly #attempts: SshAttempts;

  constructor(undo: UndoLog) {
    this.#attempts = new SshAttempts(undo);
  }

  of(record: ParsedRecord): ParsedRecord & SigmaRecord {
    const derived = derivedOf(record);
    if (!derived) return record;
    const event = authEventOf(record)!;
    derived.counted = !event.mirrored && this.#attempts.isNewAttempt(event, record);
    return { ...record, derived };
  }

  exportState(): JsonValue {
    return this.#attempts.exportState();
  }

  importState(state: JsonValue | undefined): void {
    this.#attempts.importState(state);
  }
}
