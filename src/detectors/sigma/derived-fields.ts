/**
 * Fields a Sigma rule may name that a syslog record only carries inside its text: the authentication
 * extraction's user, source address and outcome (docs/detectors.md, "Authentication events"). The Linux
 * field mapping reads them as `derived.*` (config/sigma/linux-syslog.yaml), so `user: root` in a rule
 * means the account an sshd, PAM, sudo or su line names.
 */
import type { JsonObject } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import type { SigmaRecord } from "../../sigma/record.js";
import { authEventOf } from "../auth/auth-event.js";

type Readable = Pick<LogRecord, "timestamp" | "body" | "attributes" | "resource" | "severityText">;

export function withDerivedFields<R extends Readable>(record: R): R & SigmaRecord {
  const event = authEventOf(record);
  if (!event) return record;
  const derived: JsonObject = { kind: event.kind, outcome: event.outcome };
  if (event.user) derived.user = event.user;
  if (event.sourceIp) derived.source_ip = event.sourceIp;
  if (event.targetUser) derived.target_user = event.targetUser;
  if (event.method) derived.method = event.method;
  if (event.command) derived.command = event.command;
  return { ...record, derived };
}
