import type { Kysely } from "kysely";
import type { TriageConfig } from "../config/triage-schema.js";
import { SEVERITIES, type Severity, severityRank } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import type { StoreTransaction } from "../store/db.js";
import { fromJsonText, toJsonText } from "../store/json.js";
import { recordAudit } from "../store/repos/audit.js";
import type { Database } from "../store/schema.js";
import type { RiskResult } from "./risk.js";
import type { NormalizedAlert } from "./types.js";

export interface GroupItem {
  alertId: string;
  normalized: NormalizedAlert;
  risk: RiskResult;
  sourceClass: string | null;
}

/** Remediation actions the webhook knows how to carry out, from the triage's recommendations. */
export const REMEDIATION_ACTIONS = [
  "block_ip",
  "block_domain",
  "block_url",
  "quarantine_file",
  "disable_user",
  "isolate_host",
] as const;

/**
 * What an alert is "about", for grouping: an attacker's public source address first (one campaign over
 * many hosts is one incident), else the asset, else the user, else any source address.
 */
export function entityOf(n: NormalizedAlert, sourceClass: string | null): string | null {
  if (n.source.ip && sourceClass === "public") return `ip:${n.source.ip}`;
  if (n.host.id ?? n.host.name) return `host:${n.host.id ?? n.host.name}`;
  if (n.user.id ?? n.user.name) return `user:${n.user.id ?? n.user.name}`;
  if (n.source.ip) return `ip:${n.source.ip}`;
  return null;
}

/** "host:web-01" → "host web-01", "ip:…" → "address …": an entity as a sentence names it. */
export function entityWords(entity: string): string {
  const at = entity.indexOf(":");
  if (at < 0) return entity;
  const kind = entity.slice(0, at);
  return `${kind === "ip" ? "address" : kind} ${entity.slice(at + 1)}`;
}

/** "SSH brute force, Port scan on host web-01 (3 alerts)": what happened, to what, how often. */
export function incidentSummary(entity: string, rules: readonly string[], alerts: number): string {
  const what = rules.length > 0 ? rules.join(", ") : alerts === 1 ? "An alert" : "Alerts";
  return `${what} on ${entityWords(entity)}${alerts > 1 ? ` (${alerts} alerts)` : ""}`;
}

interface OpenIncident {
  id: number;
  severity: Severity;
  /** In the order they joined; a Set, so an alert never counts twice. */
  alertIds: Set<string>;
  rules: Set<string>;
  riskScore: number;
  lastAlertAt: string;
  created: boolean;
  actions: Set<string>;
  /** Alerts of this batch that joined it. */
  fresh: string[];
}

/** Groups triaged alerts into incidents by entity and time window, and proposes remediation actions. */
export class IncidentGrouper {
  constructor(private readonly config: TriageConfig) {}

  /**
   * Adds the alerts to their entity's open incident, or opens one. Each entity is locked for the
   * transaction first (`lockKeys`), so nodes triaging alerts of one entity at once add to one incident
   * in turn instead of each opening its own or overwriting the other's list.
   */
  async assign({ db: trx, dialect }: StoreTransaction, items: GroupItem[], nowMs: number): Promise<void> {
    const now = isoUtc(nowMs);
    const minRank = severityRank(this.config.incidentMinLevel);
    const eligible = items
      .map((item) => ({ item, entity: entityOf(item.normalized, item.sourceClass) }))
      .filter(
        (x): x is { item: GroupItem; entity: string } =>
          x.entity !== null && severityRank(x.item.risk.risk_level) >= minRank,
      );
    if (eligible.length === 0) return;
    const cutoff = isoUtc(nowMs - this.config.incidentWindowSecs * 1000);
    const entities = [...new Set(eligible.map((x) => x.entity))];
    await dialect.lockKeys(
      trx,
      entities.map((e) => `incident:${e}`),
    );
    const rows = await trx
      .selectFrom("incidents")
      .select(["id", "entity", "severity", "alert_ids", "features", "risk_score", "last_alert_at"])
      .where("entity", "in", entities)
      .where("status", "=", "open")
      .where("last_alert_at", ">=", cutoff)
      .orderBy("id", "desc")
      .execute();
    const open = new Map<string, OpenIncident>();
    for (const r of rows) {
      if (!r.entity || open.has(r.entity)) continue;
      const features = fromJsonText<{ rules?: string[] }>(r.features, {});
      open.set(r.entity, {
        id: Number(r.id),
        severity: r.severity as Severity,
        alertIds: new Set(fromJsonText<string[]>(r.alert_ids, [])),
        rules: new Set(features.rules ?? []),
        riskScore: Number(r.risk_score ?? 0),
        lastAlertAt: r.last_alert_at ?? now,
        created: false,
        actions: new Set(),
        fresh: [],
      });
    }
    const touched = new Map<string, OpenIncident>();
    for (const { item, entity } of eligible) {
      let inc = open.get(entity);
      if (!inc) {
        const created = await trx
          .insertInto("incidents")
          .values({
            detected_at: now,
            // System 004's clients read every incident of `GET /incidents` (contracts C6), whose `service`
            // always held a name: the host stays there. The dashboard names the entity instead (Concerns).
            service: item.normalized.host.name ?? item.normalized.host.id,
            severity: item.risk.risk_level,
            summary: "",
            features: "{}",
            status: "open",
            anomaly_ids: "[]",
            updated_at: now,
            alert_id: item.alertId,
            entity,
            alert_ids: "[]",
            last_alert_at: now,
            risk_score: item.risk.risk_score,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        inc = {
          id: Number(created.id),
          severity: item.risk.risk_level,
          alertIds: new Set(),
          rules: new Set(),
          riskScore: item.risk.risk_score,
          lastAlertAt: now,
          created: true,
          actions: new Set(),
          fresh: [],
        };
        open.set(entity, inc);
        await recordAudit(
          trx,
          {
            actor: "triage",
            action: "incident.created",
            target: `incident:${inc.id}`,
            details: { entity, alert_id: item.alertId },
          },
          now,
        );
      }
      inc.alertIds.add(item.alertId);
      inc.fresh.push(item.alertId);
      if (item.normalized.rule.name) inc.rules.add(item.normalized.rule.name);
      inc.riskScore = Math.max(inc.riskScore, item.risk.risk_score);
      if (severityRank(item.risk.risk_level) > severityRank(inc.severity))
        inc.severity = item.risk.risk_level;
      inc.lastAlertAt = now;
      for (const a of item.risk.recommended_actions) {
        const [action] = a.split(":", 1);
        if ((REMEDIATION_ACTIONS as readonly string[]).includes(action ?? "")) inc.actions.add(a);
      }
      touched.set(entity, inc);
    }
    for (const [entity, inc] of touched) {
      const rules = [...inc.rules].slice(0, 20);
      await trx
        .updateTable("incidents")
        .set({
          severity: SEVERITIES[severityRank(inc.severity)],
          summary: incidentSummary(entity, rules, inc.alertIds.size),
          features: toJsonText({ entity, rules, alerts: inc.alertIds.size, max_risk_score: inc.riskScore }),
          alert_ids: toJsonText([...inc.alertIds]),
          last_alert_at: inc.lastAlertAt,
          risk_score: inc.riskScore,
          updated_at: now,
        })
        .where("id", "=", inc.id)
        .execute();
      await trx
        .updateTable("alerts")
        .set({ incident_id: inc.id })
        .where("alert_id", "in", inc.fresh)
        .execute();
    }
    await this.#propose(trx, [...touched.values()], now);
  }

  /**
   * One `proposed` action per (incident, action, target); people approve, the webhook executes. One
   * read, one insert and one audit insert for the whole batch.
   */
  async #propose(trx: Kysely<Database>, incidents: OpenIncident[], now: string): Promise<void> {
    const wanted = incidents.filter((inc) => inc.actions.size > 0);
    if (wanted.length === 0) return;
    const existing = await trx
      .selectFrom("remediation_actions")
      .select(["incident_id", "action", "target"])
      .where(
        "incident_id",
        "in",
        wanted.map((inc) => inc.id),
      )
      .execute();
    const have = new Set(existing.map((e) => `${e.incident_id}|${e.action}:${e.target}`));
    const rows = wanted.flatMap((inc) =>
      [...inc.actions]
        .filter((a) => !have.has(`${inc.id}|${a}`))
        .map((a) => {
          const i = a.indexOf(":");
          return {
            incident_id: inc.id,
            action: a.slice(0, i),
            target: a.slice(i + 1),
            status: "proposed",
            reason: "recommended by triage",
            result: null,
            created_at: now,
            updated_at: now,
            approved_by: null,
            executed_at: null,
          };
        }),
    );
    for (let i = 0; i < rows.length; i += 500) {
      const inserted = await trx
        .insertInto("remediation_actions")
        .values(rows.slice(i, i + 500))
        .returning(["id", "incident_id", "action", "target"])
        .execute();
      await trx
        .insertInto("audit_logs")
        .values(
          inserted.map((r) => ({
            occurred_at: now,
            actor: "triage",
            action: "remediation.proposed",
            target: `remediation:${r.id}`,
            details: toJsonText({ incident_id: Number(r.incident_id), action: r.action, target: r.target }),
          })),
        )
        .execute();
    }
  }
}
