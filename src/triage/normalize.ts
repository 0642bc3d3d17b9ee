import { isJsonObject, type JsonObject } from "../core/json.js";
import type { Severity } from "../core/severity.js";
import type { IncomingAlert, NormalizedAlert } from "./types.js";

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown): JsonObject => (isJsonObject(v) ? v : {});

/** ECS `event.severity` is numeric; these are the points of our four levels on a 0–100 scale. */
const SEVERITY_NUMBER: Record<Severity, number> = { low: 25, medium: 50, high: 75, critical: 100 };

function hashes(value: string | null): NormalizedAlert["file"]["hash"] {
  if (!value) return {};
  if (value.length === 64) return { sha256: value };
  if (value.length === 40) return { sha1: value };
  return { md5: value };
}

function domainOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/** Per-format fields beyond the contract's columns: rule, ports, names, timestamp, confidence. */
function extras(a: IncomingAlert): Partial<{
  time: string | null;
  ruleName: string | null;
  ruleId: string | null;
  category: string | null;
  srcPort: number | null;
  dstPort: number | null;
  userName: string | null;
  hostName: string | null;
  filePath: string | null;
  domain: string | null;
  confidence: number | null;
}> {
  const r = a.raw;
  switch (a.format) {
    case "suricata": {
      const alert = obj(r.alert);
      const dns = obj(r.dns);
      return {
        time: str(r.timestamp),
        ruleName: str(alert.signature),
        ruleId: alert.signature_id === undefined ? null : String(alert.signature_id),
        category: str(alert.category),
        srcPort: num(r.src_port),
        dstPort: num(r.dest_port),
        hostName: str(r.host),
        filePath: str(obj(r.fileinfo).filename),
        domain: str(obj(r.http).hostname) ?? str(dns.rrname) ?? str(obj(r.tls).sni),
      };
    }
    case "wazuh": {
      const rule = obj(r.rule);
      const data = obj(r.data);
      const groups = Array.isArray(rule.groups) ? rule.groups.filter((g) => typeof g === "string") : [];
      return {
        time: str(r.timestamp),
        ruleName: str(rule.description),
        ruleId: rule.id === undefined ? null : String(rule.id),
        category: groups.join(",") || null,
        srcPort: Number(data.srcport) || null,
        dstPort: Number(data.dstport) || null,
        userName: a.user_id,
        hostName: str(obj(r.agent).name),
        filePath: str(obj(r.syscheck).path),
      };
    }
    default:
      return {
        time: str(r.timestamp) ?? str(r["@timestamp"]),
        ruleName: str(r.rule_name) ?? str(r.rule) ?? str(r.signature) ?? str(r.title) ?? str(r.alert_type),
        ruleId: str(r.rule_id),
        category: str(r.category),
        srcPort: num(r.source_port),
        dstPort: num(r.target_port) ?? num(r.destination_port),
        userName: str(r.username) ?? str(r.user_name) ?? str(r.user),
        hostName: str(r.hostname) ?? str(r.host),
        filePath: str(r.file_path),
        domain: str(r.domain),
        confidence: num(r.confidence),
      };
  }
}

/** The alert-normalizer stage's pure function: any accepted format → one schema. */
export function normalizeAlert(a: IncomingAlert, receivedAt: string): NormalizedAlert {
  const x = extras(a);
  const severity: Severity = a.severity ?? "medium";
  const confidence = x.confidence ?? null;
  return {
    "@timestamp": x.time ?? receivedAt,
    event: {
      id: a.alert_id,
      kind: "alert",
      module: a.format,
      severity: SEVERITY_NUMBER[severity],
      severity_label: severity,
    },
    rule: { name: x.ruleName ?? null, id: x.ruleId ?? null, category: x.category ?? null },
    source: { ip: a.source_ip, port: x.srcPort ?? null },
    destination: { ip: a.target_ip, port: x.dstPort ?? null },
    user: { id: a.user_id, name: x.userName ?? a.user_id },
    host: { id: a.asset_id, name: x.hostName ?? null },
    file: { path: x.filePath ?? null, hash: hashes(a.file_hash) },
    url: { full: a.url, domain: domainOf(a.url) ?? x.domain ?? null },
    detector: { confidence: confidence !== null && confidence >= 0 && confidence <= 1 ? confidence : null },
  };
}
