import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import { isJsonObject, type JsonObject } from "../core/json.js";
import { SEVERITIES, type Severity } from "../core/severity.js";
import type { IncomingAlert, IntakeFormat } from "./types.js";

const ip = z
  .string()
  .trim()
  .refine((v) => isIP(v.replace(/^::ffff:(?=\d+\.)/i, "")) !== 0, "not an IP address");
const hash = z
  .string()
  .trim()
  .regex(
    /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/,
    "expected an MD5, SHA-1 or SHA-256 hex digest",
  )
  .transform((v) => v.toLowerCase());
const text = z.string().trim().min(1).max(2048);

/** System 001's `SecurityAlert` (contracts §2.3); other fields are kept in `raw`. */
export const securityAlertSchema = z
  .looseObject({
    alert_id: z.string().trim().min(1).max(200).describe("Unique id; re-posting it is idempotent"),
    source_ip: ip.nullish(),
    target_ip: ip.nullish(),
    file_hash: hash.nullish().describe("MD5, SHA-1 or SHA-256, hex"),
    url: text.nullish(),
    asset_id: text.nullish(),
    user_id: text.nullish(),
    severity: z
      .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(SEVERITIES))
      .nullish(),
  })
  .describe("SecurityAlert (contracts §2.3); any other field is kept in `raw`");

/** What `POST /api/v1/alerts` documents: a SecurityAlert, a Suricata EVE alert or a Wazuh alert. */
export const alertBodyItem = z
  .looseObject({
    alert_id: z.string().optional(),
    event_type: z.string().optional().describe("Suricata EVE: `alert`"),
    rule: z.unknown().optional().describe("Wazuh: `{level, description, id, groups}`"),
  })
  .describe(
    'A SecurityAlert (contracts §2.3), a Suricata EVE JSON alert (`event_type: "alert"`) or a Wazuh alert ' +
      "(`rule.level` and `agent`); the format is detected per item",
  );

export class IntakeError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

export function detectFormat(item: JsonObject): IntakeFormat {
  if (item.event_type === "alert" && isJsonObject(item.alert)) return "suricata";
  if (isJsonObject(item.rule) && typeof item.rule.level === "number" && isJsonObject(item.agent))
    return "wazuh";
  return "contract";
}

/** Turns one posted item into the contract's columns, whatever its format. */
export function toIncomingAlert(item: unknown, index: number): IncomingAlert {
  if (!isJsonObject(item)) throw new IntakeError(`item ${index}: expected a JSON object`, index);
  const format = detectFormat(item);
  const fields = format === "suricata" ? fromSuricata(item) : format === "wazuh" ? fromWazuh(item) : item;
  const parsed = securityAlertSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "alert";
    throw new IntakeError(`item ${index} (${format}): ${where}: ${issue?.message ?? "invalid"}`, index);
  }
  const a = parsed.data;
  return {
    alert_id: a.alert_id,
    source_ip: a.source_ip ?? null,
    target_ip: a.target_ip ?? null,
    file_hash: a.file_hash ?? null,
    url: a.url ?? null,
    asset_id: a.asset_id ?? null,
    user_id: a.user_id ?? null,
    severity: a.severity ?? null,
    format,
    raw: item,
  };
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const obj = (v: unknown): JsonObject => (isJsonObject(v) ? v : {});

function digest(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 24);
}

/** Suricata's alert.severity is 1 (highest) to 3, sometimes 4. */
function suricataSeverity(v: unknown): Severity {
  if (v === 1) return "high";
  if (v === 2) return "medium";
  return "low";
}

function fromSuricata(e: JsonObject): JsonObject {
  const alert = obj(e.alert);
  const http = obj(e.http);
  const file = obj(e.fileinfo);
  const host = str(http.hostname);
  const path = str(http.url);
  const url = path && /^https?:\/\//i.test(path) ? path : host ? `http://${host}${path ?? "/"}` : null;
  return {
    // EVE has no alert id; the flow, signature and time identify one, so re-sending it is idempotent.
    alert_id: `suricata-${digest([e.flow_id, alert.signature_id, e.timestamp, e.src_ip, e.dest_ip])}`,
    source_ip: str(e.src_ip),
    target_ip: str(e.dest_ip),
    file_hash: str(file.sha256) ?? str(file.sha1) ?? str(file.md5),
    url,
    asset_id: null,
    user_id: null,
    severity: suricataSeverity(alert.severity),
  };
}

/** Wazuh rule levels 0–15. */
function wazuhSeverity(level: number): Severity {
  if (level >= 12) return "critical";
  if (level >= 8) return "high";
  if (level >= 5) return "medium";
  return "low";
}

function fromWazuh(e: JsonObject): JsonObject {
  const rule = obj(e.rule);
  const agent = obj(e.agent);
  const data = obj(e.data);
  const sys = obj(e.syscheck);
  return {
    alert_id: str(e.id)
      ? `wazuh-${str(e.id)}`
      : `wazuh-${digest([e.timestamp, rule.id, agent.id, e.full_log])}`,
    source_ip: str(data.srcip) ?? str(data.src_ip),
    target_ip: str(data.dstip) ?? str(data.dest_ip) ?? str(agent.ip),
    file_hash: str(sys.sha256_after) ?? str(sys.sha1_after) ?? str(sys.md5_after) ?? str(data.sha256),
    url: str(data.url),
    asset_id: str(agent.id),
    user_id: str(data.dstuser) ?? str(data.srcuser) ?? str(data.user),
    severity: wazuhSeverity(typeof rule.level === "number" ? rule.level : 0),
  };
}
