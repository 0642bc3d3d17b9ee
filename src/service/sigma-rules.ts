/**
 * The Sigma rules the ingest pipeline runs, with their hits: what `GET /api/v1/rules` lists. Read from the
 * pipeline's own `sigma` detector (on a cluster node, the hits of this node's pipeline only).
 */
import { UserError } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import { SigmaDetector } from "../detectors/sigma/detector.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { Refusal } from "../sigma/unsupported.js";
import type { Store } from "../store/db.js";
import { recordAudit } from "../store/repos/audit.js";
import { sigmaFindingsByDayAndKey } from "../store/repos/sigma-findings-per-day.js";
import { loadDisabledSigmaRules, saveDisabledSigmaRules } from "../store/repos/sigma-rule-settings.js";
import type { Runtime } from "./runtime.js";

export interface SigmaRuleRow {
  id: string;
  name: string | null;
  title: string;
  kind: "detection" | "correlation";
  /** Detection: `product/category/service` as the rule names them; correlation: its type. */
  source: string;
  level: string;
  status: string | null;
  tags: string[];
  /** Whether its matches are findings of their own (false: it only feeds a correlation). */
  standalone: boolean;
  /** false: switched off (PATCH /api/v1/rules/{id}): no findings, no hits, nothing fed to correlations. */
  enabled: boolean;
  file: string;
  hits: number;
  last_match: string | null;
}

export interface SigmaRuleListing {
  enabled: boolean;
  rules: SigmaRuleRow[];
  refused: Refusal[];
}

/** Every loaded rule (those whose title, id, name or a tag contains `search`, case-insensitive). */
export function listSigmaRules(rt: Pick<Runtime, "pipeline">, search?: string): SigmaRuleListing {
  const detector = sigmaDetector(rt.pipeline);
  if (!detector) return { enabled: false, rules: [], refused: [] };
  const { detections, correlations, refused } = detector.engine.rules;
  const hits = detector.hits();
  const needle = search?.toLowerCase();
  const rows: SigmaRuleRow[] = [...detections, ...correlations].map((r) => {
    const h = hits.get(r.id);
    return {
      id: r.id,
      name: r.name,
      title: r.title,
      kind: r.kind,
      source:
        r.kind === "detection"
          ? [r.logsource.product ?? "*", r.logsource.category ?? "*", r.logsource.service ?? "*"].join("/")
          : r.type,
      level: r.level,
      status: r.status,
      tags: [...r.tags],
      standalone: r.standalone,
      enabled: detector.isEnabled(r.id),
      file: r.source,
      hits: h?.count ?? 0,
      last_match: h?.last ?? null,
    };
  });
  const matches = (row: SigmaRuleRow) =>
    !needle ||
    [row.title, row.id, row.name ?? "", ...row.tags].some((text) => text.toLowerCase().includes(needle));
  return { enabled: true, rules: rows.filter(matches), refused };
}

function sigmaDetector(pipeline: Pick<IngestPipeline, "processor">): SigmaDetector | undefined {
  return pipeline.processor.detectors.find((d): d is SigmaDetector => d instanceof SigmaDetector);
}

/** At start: the rules switched off in the store are off in the pipeline's detector (none without one). */
export async function restoreSigmaRuleSettings(
  store: Store,
  pipeline: Pick<IngestPipeline, "processor">,
): Promise<void> {
  const detector = sigmaDetector(pipeline);
  if (detector) detector.setDisabled(await loadDisabledSigmaRules(store.db));
}

/**
 * Switches one loaded rule on or off: kept in the store (it survives a restart), audited
 * (`sigma_rule.enable` / `sigma_rule.disable`, target `sigma_rule:<id>`) when it changes anything, and
 * effective in the pipeline at once. 404 for an id no loaded rule has (a refused rule has none to switch).
 */
export async function setSigmaRuleEnabled(
  rt: Pick<Runtime, "pipeline" | "store" | "clock">,
  id: string,
  enabled: boolean,
  actor: string,
): Promise<SigmaRuleRow> {
  const detector = sigmaDetector(rt.pipeline);
  if (!detector)
    throw new UserError(
      `no Sigma rule ${id}: no rules are loaded (SIGMA_RULES_DIR is not set)`,
      "not_found",
      404,
    );
  const { detections, correlations } = detector.engine.rules;
  const rule = [...detections, ...correlations].find((r) => r.id === id);
  if (!rule) throw new UserError(`no Sigma rule ${id} is loaded`, "not_found", 404);
  const now = isoUtc(rt.clock.now());
  const disabled = await rt.store.db.transaction().execute(async (trx) => {
    const before = new Set(await loadDisabledSigmaRules(trx));
    if (before.has(id) === !enabled) return before;
    const after = new Set(before);
    if (enabled) after.delete(id);
    else after.add(id);
    await saveDisabledSigmaRules(trx, [...after], now);
    await recordAudit(
      trx,
      {
        actor,
        action: enabled ? "sigma_rule.enable" : "sigma_rule.disable",
        target: `sigma_rule:${id}`,
        details: { title: rule.title, file: rule.source },
      },
      now,
    );
    return after;
  });
  detector.setDisabled(disabled);
  const row = listSigmaRules(rt).rules.find((r) => r.id === id);
  if (!row) throw new UserError(`no Sigma rule ${id} is loaded`, "not_found", 404);
  return row;
}

export interface SigmaFindingsPerDay {
  /** The UTC days, oldest first, ending today (`YYYY-MM-DD`). */
  days: string[];
  /** Per rule id with any finding in them: stored findings per day, in `days`' order. */
  rules: Record<string, number[]>;
}

/**
 * Stored findings of the `sigma` detector per rule and UTC day, over the last `days` days: a finding counts
 * on the day it was first seen (repeats merged into it later are not counted again). Read from the
 * anomalies table, where a sigma finding's key begins with its rule id (`<rule id>|…`). Only rules that
 * raise findings of their own appear (a rule that only feeds a correlation has none).
 */
export async function sigmaFindingsPerDay(
  rt: Pick<Runtime, "store" | "clock">,
  days: number,
): Promise<SigmaFindingsPerDay> {
  const today = Date.parse(`${isoUtc(rt.clock.now()).slice(0, 10)}T00:00:00Z`);
  const list = Array.from({ length: days }, (_, i) =>
    isoUtc(today - (days - 1 - i) * 86_400_000).slice(0, 10),
  );
  const index = new Map(list.map((d, i) => [d, i]));
  const rules = new Map<string, number[]>();
  for (const row of await sigmaFindingsByDayAndKey(rt.store.db, list[0] ?? "")) {
    const i = index.get(row.day);
    const bar = row.key.indexOf("|");
    if (i === undefined || bar <= 0) continue;
    const id = row.key.slice(0, bar);
    let counts = rules.get(id);
    if (!counts) {
      counts = new Array<number>(days).fill(0);
      rules.set(id, counts);
    }
    counts[i] = (counts[i] ?? 0) + row.findings;
  }
  return { days: list, rules: Object.fromEntries(rules) };
}
