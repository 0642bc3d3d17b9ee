/**
 * Rule files → compiled rules and refusals. Each YAML document is checked at the boundary (schema), then
 * compiled whole; anything unsupported refuses that rule with its reason (`Refusal`), the others load.
 * Correlations are resolved last, once every rule they may refer to (by `id` or `name`) is known; one that
 * refers to a missing or refused rule is refused too, so a correlation never runs on part of its inputs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { compileDetection } from "./compile-detection.js";
import { FieldTable } from "./event-fields.js";
import {
  CONDITION_OPERATORS,
  type CorrelationDocument,
  correlationDocumentSchema,
  type DetectionDocument,
  detectionDocumentSchema,
  schemaReason,
} from "./rule-document.js";
import type { CorrelationCondition, CorrelationRule, DetectionRule, RuleMeta } from "./rules.js";
import { type Refusal, Unsupported } from "./unsupported.js";
import type { Placeholders } from "./value-modifiers.js";

export interface RuleText {
  /** Where the text came from (a path relative to the rules folder, `api`, …). */
  source: string;
  text: string;
}

export interface LoadedRules {
  detections: DetectionRule[];
  /** In evaluation order: a correlation comes after the correlations it refers to. */
  correlations: CorrelationRule[];
  refused: Refusal[];
  /** The field slots the compiled rules read (see `EventFields`). */
  fields: FieldTable;
}

export interface LoadOptions {
  placeholders?: Placeholders;
}

/** Every `.yml`/`.yaml` file under `dir`, recursively, in a stable order. */
export function readRuleFiles(dir: string): RuleText[] {
  const out: RuleText[] = [];
  const visit = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) visit(full);
      else if (/\.ya?ml$/i.test(name))
        out.push({ source: relative(dir, full), text: readFileSync(full, "utf8") });
    }
  };
  visit(dir);
  return out;
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function loadRules(texts: readonly RuleText[], options: LoadOptions = {}): LoadedRules {
  const fields = new FieldTable();
  const ctx = { fields, placeholders: options.placeholders ?? new Map<string, readonly string[]>() };
  const detections: DetectionRule[] = [];
  const correlationDocs: { meta: RuleMeta; doc: CorrelationDocument }[] = [];
  const refused: Refusal[] = [];
  const ids = new Set<string>();

  for (const { source, text } of texts) {
    let docs: ReturnType<typeof parseAllDocuments>;
    try {
      docs = parseAllDocuments(text, { uniqueKeys: false });
    } catch (error) {
      refused.push({ source, id: null, title: null, kind: "yaml", reason: (error as Error).message });
      continue;
    }
    if (!Array.isArray(docs)) docs = [docs];
    docs.forEach((yamlDoc, index) => {
      const where = docs.length > 1 ? `${source}#${index + 1}` : source;
      if (yamlDoc.errors.length > 0) {
        refused.push({
          source: where,
          id: null,
          title: null,
          kind: "yaml",
          reason: yamlDoc.errors[0]!.message,
        });
        return;
      }
      const value: unknown = yamlDoc.toJS();
      if (value === null || value === undefined) return; // an empty document (a trailing `---`)
      const raw = value as Record<string, unknown>;
      const id = typeof raw.id === "string" ? raw.id : null;
      const title = typeof raw.title === "string" ? raw.title : null;
      const refuse = (kind: Refusal["kind"], reason: string) =>
        refused.push({ source: where, id, title, kind, reason });
      try {
        if (raw.action !== undefined)
          throw new Unsupported("schema", `'action: ${String(raw.action)}' (pre-2.0 rule collections)`);
        if (raw.filter !== undefined && raw.detection === undefined)
          throw new Unsupported("schema", "Sigma filters (meta filters) are not applied");
        const isCorrelation = typeof raw === "object" && raw !== null && "correlation" in raw;
        const parsed = isCorrelation
          ? correlationDocumentSchema.safeParse(raw)
          : detectionDocumentSchema.safeParse(raw);
        if (!parsed.success) throw new Unsupported("schema", schemaReason(parsed.error));
        const meta = metaOf(parsed.data, where);
        if (ids.has(meta.id)) throw new Unsupported("duplicate", `id ${meta.id} is already loaded`);
        if (isCorrelation) correlationDocs.push({ meta, doc: parsed.data as CorrelationDocument });
        else {
          const doc = parsed.data as DetectionDocument;
          const detection = compileDetection(doc.detection as Record<string, unknown>, ctx);
          detections.push({
            ...meta,
            kind: "detection",
            logsource: {
              ...(doc.logsource.product ? { product: doc.logsource.product.toLowerCase() } : {}),
              ...(doc.logsource.category ? { category: doc.logsource.category.toLowerCase() } : {}),
              ...(doc.logsource.service ? { service: doc.logsource.service.toLowerCase() } : {}),
            },
            detection,
            standalone: true,
          });
        }
        ids.add(meta.id);
      } catch (error) {
        if (error instanceof Unsupported) refuse(error.kind, error.message);
        else refuse("value", (error as Error).message);
      }
    });
  }

  const correlations = resolveCorrelations(correlationDocs, detections, refused);
  return { detections, correlations, refused, fields };
}

function metaOf(doc: DetectionDocument | CorrelationDocument, source: string): RuleMeta {
  return {
    // A rule without an id still needs a stable one for findings and state: its file and document.
    id: doc.id ?? `file:${source}`,
    name: doc.name ?? null,
    title: doc.title,
    status: doc.status ?? null,
    level: doc.level ?? "medium",
    description: doc.description ?? null,
    tags: doc.tags ?? [],
    source,
  };
}

function resolveCorrelations(
  docs: { meta: RuleMeta; doc: CorrelationDocument }[],
  detections: DetectionRule[],
  refused: Refusal[],
): CorrelationRule[] {
  // name and id → rule id, over every loaded rule and every correlation candidate.
  const byRef = new Map<string, string>();
  for (const r of [...detections.map((d) => d as RuleMeta), ...docs.map((d) => d.meta)]) {
    byRef.set(r.id, r.id);
    if (r.name) byRef.set(r.name, r.id);
  }
  const candidates = new Map<string, CorrelationRule>();
  for (const { meta, doc } of docs) {
    try {
      candidates.set(meta.id, compileCorrelation(meta, doc, byRef));
    } catch (error) {
      const e =
        error instanceof Unsupported ? error : new Unsupported("correlation", (error as Error).message);
      refused.push({ source: meta.source, id: meta.id, title: meta.title, kind: e.kind, reason: e.message });
    }
  }
  // Drop correlations referring to something that did not load, until nothing changes (chains).
  const detectionIds = new Set(detections.map((d) => d.id));
  let changed = true;
  while (changed) {
    changed = false;
    for (const [id, rule] of candidates) {
      const missing = rule.rules.find((r) => !detectionIds.has(r) && !candidates.has(r));
      if (missing === undefined) continue;
      candidates.delete(id);
      refused.push({
        source: rule.source,
        id,
        title: rule.title,
        kind: "correlation",
        reason: `refers to rule ${missing}, which did not load`,
      });
      changed = true;
    }
  }
  // Evaluation order: referred correlations first; a cycle is refused.
  const ordered: CorrelationRule[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): boolean => {
    if (state.get(id) === "done") return true;
    if (state.get(id) === "visiting")
      throw new Unsupported("correlation", `a cycle: ${[...path, id].join(" → ")}`);
    state.set(id, "visiting");
    const rule = candidates.get(id)!;
    for (const r of rule.rules) if (candidates.has(r)) visit(r, [...path, id]);
    state.set(id, "done");
    ordered.push(rule);
    return true;
  };
  for (const [id, rule] of candidates) {
    try {
      visit(id, []);
    } catch (error) {
      refused.push({
        source: rule.source,
        id,
        title: rule.title,
        kind: "correlation",
        reason: (error as Error).message,
      });
    }
  }
  const kept = ordered.filter((r) => !refused.some((x) => x.id === r.id && x.kind === "correlation"));
  // Referred rules are not findings of their own unless some correlation referring to them says `generate`.
  const generated = new Set<string>();
  const referred = new Set<string>();
  for (const c of kept) {
    for (const r of c.rules) {
      referred.add(r);
      if (c.generate) generated.add(r);
    }
  }
  for (const d of detections) d.standalone = !referred.has(d.id) || generated.has(d.id);
  for (const c of kept) c.standalone = !referred.has(c.id) || generated.has(c.id);
  return kept;
}

function compileCorrelation(
  meta: RuleMeta,
  doc: CorrelationDocument,
  byRef: ReadonlyMap<string, string>,
): CorrelationRule {
  const c = doc.correlation;
  const refs = Array.isArray(c.rules) ? c.rules : [c.rules];
  const rules = refs.map((ref) => {
    const id = byRef.get(ref);
    if (id === undefined) throw new Unsupported("correlation", `refers to unknown rule '${ref}'`);
    if (id === meta.id) throw new Unsupported("correlation", "refers to itself");
    return id;
  });
  const groupBy =
    c["group-by"] === undefined ? [] : Array.isArray(c["group-by"]) ? c["group-by"] : [c["group-by"]];
  const match = /^(\d+)([smhdw])$/.exec(c.timespan)!;
  const timespanMs = Number(match[1]) * SECONDS[match[2]!]! * 1000;
  const condition: CorrelationCondition[] = [];
  for (const op of CONDITION_OPERATORS) {
    const value = c.condition?.[op];
    if (value !== undefined) condition.push({ op, value });
  }
  if (c.type === "value_percentile")
    throw new Unsupported(
      "correlation",
      "value_percentile: the specification does not say what the condition compares (a rank or a value)",
    );
  const temporal = c.type === "temporal" || c.type === "temporal_ordered";
  if (!temporal && condition.length === 0)
    throw new Unsupported("correlation", `${c.type} needs a condition (gt, gte, lt, lte, eq or neq)`);
  const fieldList =
    c.condition?.field === undefined
      ? []
      : Array.isArray(c.condition.field)
        ? c.condition.field
        : [c.condition.field];
  const needsField = c.type !== "event_count" && !temporal;
  if (needsField && fieldList.length === 0)
    throw new Unsupported("correlation", `${c.type} needs condition.field`);
  if (fieldList.length > 1) throw new Unsupported("correlation", "condition.field with several fields");
  if (!needsField && fieldList.length > 0)
    throw new Unsupported("correlation", `${c.type} takes no condition.field`);
  const aliases = new Map<string, Map<string, string>>();
  for (const [alias, perRule] of Object.entries(c.aliases ?? {})) {
    const m = new Map<string, string>();
    for (const [ref, field] of Object.entries(perRule)) {
      const id = byRef.get(ref);
      if (id === undefined)
        throw new Unsupported("correlation", `alias '${alias}' names unknown rule '${ref}'`);
      m.set(id, field);
    }
    aliases.set(alias, m);
  }
  return {
    ...meta,
    kind: "correlation",
    type: c.type,
    rules,
    groupBy,
    timespanMs,
    condition,
    field: fieldList[0] ?? null,
    aliases,
    standalone: true,
    generate: c.generate ?? doc.generate ?? false,
  };
}
