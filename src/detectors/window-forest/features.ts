import type { WindowCounts } from "./window.js";

/**
 * The columns for one service, fixed at each fit: totals, then the most frequent templates of the
 * history (the rest summed in `other_templates`, so a flood of new templates still shows), then the
 * mean of each numeric parameter of those templates. Ids: `records`, `errors`, `other_templates`,
 * `t:<templateId>`, `n:<templateId>#<param index>`.
 */
export function chooseFeatures(history: readonly WindowCounts[], maxTemplates: number): string[] {
  const totals = new Map<string, number>();
  for (const w of history)
    for (const [id, n] of Object.entries(w.templates)) totals.set(id, (totals.get(id) ?? 0) + n);
  const top = [...totals]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxTemplates)
    .map(([id]) => id);
  const chosen = new Set(top);
  const numeric = new Set<string>();
  for (const w of history)
    for (const key of Object.keys(w.numbers))
      if (chosen.has(key.slice(0, key.lastIndexOf("#")))) numeric.add(key);
  return [
    "records",
    "errors",
    "other_templates",
    ...top.map((id) => `t:${id}`),
    ...[...numeric].sort().map((k) => `n:${k}`),
  ];
}

export function vectorOf(w: WindowCounts, features: readonly string[]): number[] {
  const known = new Set<string>();
  for (const f of features) if (f.startsWith("t:")) known.add(f.slice(2));
  let other = 0;
  for (const [id, n] of Object.entries(w.templates)) if (!known.has(id)) other += n;
  return features.map((f) => {
    if (f === "records") return w.records;
    if (f === "errors") return w.errors;
    if (f === "other_templates") return other;
    if (f.startsWith("t:")) return w.templates[f.slice(2)] ?? 0;
    const acc = w.numbers[f.slice(2)];
    // No value in the window: 0 (the template's count column already says it was absent).
    return acc ? acc[0] / acc[1] : 0;
  });
}

/** Human name of a feature, e.g. `template "Receiving block <*>" count`. */
export function featureLabel(feature: string, templateOf: (id: string) => string): string {
  if (feature === "records") return "records";
  if (feature === "errors") return "error-level records";
  if (feature === "other_templates") return "records of other (rare or new) templates";
  const clip = (t: string) => (t.length > 60 ? `${t.slice(0, 57)}…` : t);
  if (feature.startsWith("t:")) return `template "${clip(templateOf(feature.slice(2)))}" count`;
  const key = feature.slice(2);
  const hash = key.lastIndexOf("#");
  return `mean of parameter ${Number(key.slice(hash + 1)) + 1} of "${clip(templateOf(key.slice(0, hash)))}"`;
}
