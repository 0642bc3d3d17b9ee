import { type Anomaly, type Explanation, MAX_EVIDENCE } from "../../core/anomaly.js";
import type { JsonObject } from "../../core/json.js";
import { severityFromScore } from "../../core/severity.js";
import { END, type SessionReason, type SessionVerdict } from "./model/verdict.js";

/** What the detector kept of one record of a session. */
export interface Step {
  id: number;
  templateId: string;
  timestamp: string;
  stream: string;
  /** The body, cut to a sample's length. */
  body: string;
}

export interface JudgedSession {
  id: string;
  steps: readonly Step[];
  verdict: SessionVerdict;
  lengthRange: { min: number; max: number } | null;
}

const MAX_SAMPLES = 5;

const TYPE_OF: Record<SessionReason["kind"], string> = {
  unseen_key: "session_unseen_template",
  unexpected_key: "session_unexpected_template",
  unexpected_end: "session_unexpected_end",
  too_short: "session_length",
  too_long: "session_length",
  key_count: "session_template_count",
};

/** The reason that names the anomaly: what is most specific to act on comes first. */
const PRIORITY: SessionReason["kind"][] = [
  "unseen_key",
  "unexpected_key",
  "unexpected_end",
  "key_count",
  "too_short",
  "too_long",
];

const quote = (text: string) => `"${text.length > 80 ? `${text.slice(0, 77)}…` : text}"`;

/**
 * Turns a verdict into an anomaly whose explanation a person can act on: which template came where
 * which others were expected (with their training probabilities), or which count or length is out
 * of the trained range. `templateOf` gives a template id's text (the id itself when unknown).
 */
export function sessionAnomaly(
  detector: string,
  s: JudgedSession,
  templateOf: (id: string) => string,
): Anomaly {
  const { verdict, steps } = s;
  const first = [...verdict.reasons].sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind))[0]!;
  const v = verdict.firstViolation;
  const at = v ? Math.min(v.position, steps.length - 1) : steps.length - 1;
  const last = steps.at(-1)!;
  const label = (key: string) => (key === END ? "<end of session>" : templateOf(key));
  const expectedNext = (v?.expected ?? []).map((e) => ({
    template_id: e.key,
    template: label(e.key),
    probability: Math.round(e.probability * 1e4) / 1e4,
  }));
  const top = expectedNext
    .slice(0, 3)
    .map((e) => `${quote(e.template)} ${e.probability.toFixed(2)}`)
    .join(", ");

  const summary = summarize(s, first, label, top);
  const observed: JsonObject = {
    session_id: s.id,
    length: steps.length,
    violations: verdict.violations,
    reasons: verdict.reasons.map((r) => ({ ...r })),
  };
  if (v) {
    observed.position = v.position;
    observed.next_template =
      v.observed === END ? END : { template_id: v.observed, template: label(v.observed) };
    observed.history = v.history.map((k) => (k.startsWith("<") ? k : label(k)));
  }
  const expected: JsonObject = { next_templates: expectedNext };
  if (s.lengthRange) expected.length_range = { ...s.lengthRange };
  const explanation: Explanation = {
    summary,
    observed,
    expected,
    contributions: verdict.reasons.slice(0, 10).map((r) => ({
      name: r.kind,
      value: "key" in r ? label(r.key) : "length" in r ? r.length : r.position,
      weight: 1 / Math.min(10, verdict.reasons.length),
    })),
    samples: steps.slice(Math.max(0, at - MAX_SAMPLES + 2), at + 2).map((x) => x.body),
  };
  // Keep the violating record in the evidence even when the session is long.
  const ids = steps.map((x) => x.id);
  const evidence = ids.length <= MAX_EVIDENCE ? ids : [...ids.slice(0, MAX_EVIDENCE - 1), ids[at]!];
  return {
    detector,
    type: TYPE_OF[first.kind],
    timestamp: last.timestamp,
    service: steps[0]!.stream,
    key: s.id,
    score: verdict.score,
    severity: severityFromScore(verdict.score),
    description: summary,
    features: {
      session_id: s.id,
      length: steps.length,
      violations: verdict.violations,
      score: verdict.score,
    },
    explanation,
    evidence,
    templateId: v && v.observed !== END ? v.observed : null,
  };
}

function summarize(
  s: JudgedSession,
  first: SessionReason,
  label: (key: string) => string,
  top: string,
): string {
  const head = `session ${s.id} (${s.steps.length} records)`;
  switch (first.kind) {
    case "unseen_key":
      return `${head}: template ${quote(label(first.key))} never seen in training sessions`;
    case "unexpected_key":
      return `${head}: ${quote(label(first.key))} at position ${first.position + 1} is not among the expected next templates (${top})`;
    case "unexpected_end":
      return `${head} ended where training sessions never ended; expected next: ${top}`;
    case "too_short":
      return `${head} is shorter than any training session (at least ${first.minLength})`;
    case "too_long":
      return `${head} is longer than any training session (at most ${first.maxLength})`;
    case "key_count":
      return `${head}: template ${quote(label(first.key))} occurs ${first.count}× (training sessions: ${first.min}–${first.max})`;
  }
}
