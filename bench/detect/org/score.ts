/**
 * Scores findings against the ground truth on ENTITY and TIME, not on detector type: a finding matches
 * an attack when it names one of the attack's entities (user, source address, host, access point,
 * station) and falls within the attack's window, from a minute before its start to SLACK_MS after its
 * end. Whichever detector raised it, a finding about the attacker's address during the attack is a hit;
 * a finding that matches no attack is noise someone would have to read.
 */
import type { Anomaly } from "../../../src/core/anomaly.js";
import type { JsonValue } from "../../../src/core/json.js";
import { ATTACK_KINDS, type Attack, type AttackKind, attackEntityValues } from "./attacks.js";

/** How late a finding may come after the attack ended (windows close, sessions end, bursts settle). */
export const SLACK_MS = 15 * 60_000;
/** Clock skew between hosts: a finding stamped slightly before the attack's first line still counts. */
const LEAD_MS = 60_000;

export type Finding = Pick<Anomaly, "detector" | "timestamp" | "key" | "features" | "explanation">;

function text(v: JsonValue | undefined): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * What a finding is about: its key (without the `user:` / `ip:` prefix) and the user, address or device it
 * names. A finding that names no user or address (a volume spike keyed on a service) is about the host it
 * names as the origin of most of its records (`features.host`, set only then): "127 hostapd records in
 * 5 min on ap-par-3" is about ap-par-3, as `analyze` groups it into incidents (src/correlate/incidents.ts).
 * Where a finding names a user or an address, the host the line was written on is context (every login
 * names a bastion) and does not count.
 */
export function findingEntities(f: Finding): string[] {
  const fromKey = f.key.replace(/^(user|ip|host|device):/, "");
  const named = [f.features.user, f.features.source_ip, f.features.ip, f.features.device].map(text);
  const aboutSomeone = /^(user|ip):/.test(f.key) || named.some((v) => v !== null);
  const host = aboutSomeone ? null : text(f.features.host);
  return [...new Set([fromKey, ...named, host].filter((v): v is string => v !== null))];
}

export function matchesAttack(f: Finding, attack: Attack, slackMs = SLACK_MS): boolean {
  const at = Date.parse(f.timestamp);
  if (!(at >= attack.start - LEAD_MS && at <= attack.end + slackMs)) return false;
  const values = attackEntityValues(attack).map((v) => v.toLowerCase());
  return findingEntities(f).some((e) => values.includes(e.toLowerCase()));
}

export interface UnmatchedGroup {
  detector: string;
  /** The explanation's summary with names, addresses and numbers masked, so alike findings group. */
  reason: string;
  /** Whose habit it is about: a persona, or the kind of address. */
  about: string;
  count: number;
  example: string;
}

export interface WeekScore {
  days: number;
  findings: number;
  /** Per attack kind: how many were injected and how many at least one finding matched. */
  recall: Record<AttackKind, { injected: number; caught: number }>;
  unmatched: number;
  unmatchedByDetector: Map<string, number>;
  /**
   * Unmatched findings that fall inside some attack's window but name none of its entities, per detector:
   * findings keyed on a service or template (a volume spike of sshd's failures during a brute force) land here.
   */
  unmatchedDuringAttack: Map<string, number>;
  groups: UnmatchedGroup[];
}

/** The summary with the finding's own entities, addresses, MACs and numbers masked. */
export function maskReason(summary: string, entities: readonly string[] = []): string {
  let masked = summary;
  for (const e of [...entities].sort((a, b) => b.length - a.length))
    masked = masked.replaceAll(e, "<entity>");
  return masked
    .replace(/\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b/gi, "<mac>")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d+)?\b/g, "<ip>")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){1,2}\.0\/\d+\b/g, "<net>")
    .replace(/\d+(?:\.\d+)?/g, "<n>");
}

/** Who or what an unmatched finding is about, in words. */
function aboutOf(f: Finding, personas: ReadonlyMap<string, string>): string {
  for (const e of findingEntities(f)) {
    const persona = personas.get(e);
    if (persona) return persona;
  }
  const ip = text(f.features.source_ip) ?? (f.key.startsWith("ip:") ? f.key.slice(3) : null);
  if (ip)
    return ip.startsWith("10.250.")
      ? "VPN pool address"
      : ip.startsWith("10.")
        ? "internal address"
        : "external address";
  return f.key;
}

export function scoreWeek(
  attacks: readonly Attack[],
  findings: readonly Finding[],
  days: number,
  personas: ReadonlyMap<string, string>,
): WeekScore {
  const recall = Object.fromEntries(
    ATTACK_KINDS.map((k) => [k, { injected: 0, caught: 0 }]),
  ) as WeekScore["recall"];
  for (const attack of attacks) {
    const r = recall[attack.kind];
    r.injected++;
    if (findings.some((f) => matchesAttack(f, attack))) r.caught++;
  }
  const unmatchedByDetector = new Map<string, number>();
  const unmatchedDuringAttack = new Map<string, number>();
  const groups = new Map<string, UnmatchedGroup>();
  let unmatched = 0;
  for (const f of findings) {
    if (attacks.some((a) => matchesAttack(f, a))) continue;
    unmatched++;
    unmatchedByDetector.set(f.detector, (unmatchedByDetector.get(f.detector) ?? 0) + 1);
    const at = Date.parse(f.timestamp);
    if (attacks.some((a) => at >= a.start - LEAD_MS && at <= a.end + SLACK_MS))
      unmatchedDuringAttack.set(f.detector, (unmatchedDuringAttack.get(f.detector) ?? 0) + 1);
    const reason = maskReason(f.explanation.summary, findingEntities(f));
    const about = aboutOf(f, personas);
    const id = `${f.detector}\u0000${reason}\u0000${about}`;
    const group = groups.get(id);
    if (group) group.count++;
    else groups.set(id, { detector: f.detector, reason, about, count: 1, example: exampleOf(f) });
  }
  return {
    days,
    findings: findings.length,
    recall,
    unmatched,
    unmatchedByDetector,
    unmatchedDuringAttack,
    groups: [...groups.values()].sort((a, b) => b.count - a.count),
  };
}

function exampleOf(f: Finding): string {
  const expected = JSON.stringify(f.explanation.expected);
  return `${f.explanation.summary} (expected ${expected.length > 140 ? `${expected.slice(0, 140)}…` : expected})`;
}
