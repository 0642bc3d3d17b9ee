/**
 * The Sigma rules the ingest pipeline runs, with their hits: what `GET /api/v1/rules` lists. Read from the
 * pipeline's own `sigma` detector (on a cluster node, the hits of this node's pipeline only).
 */
import { SigmaDetector } from "../detectors/sigma/detector.js";
import type { Refusal } from "../sigma/unsupported.js";
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
export function listSigmaRules(rt: Runtime, search?: string): SigmaRuleListing {
  const detector = rt.pipeline.processor.detectors.find(
    (d): d is SigmaDetector => d instanceof SigmaDetector,
  );
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
