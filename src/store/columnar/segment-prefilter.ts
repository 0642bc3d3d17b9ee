import { type LogQuery, queryTemplateIds } from "../../core/log-store.js";
import { LeanIndex } from "./lean-index.js";
import { NumberValues, type NumberWordTest } from "./number-match.js";
import { messageHasWords } from "./record-matcher.js";
import { readSegmentIndex, readSegmentMeta } from "./segment-decoder.js";
import type { SegmentIndex, SegmentMeta } from "./segment-meta.js";
import { staticTextHoldsWords } from "./static-words.js";
import { templatePieces } from "./template-pieces.js";
import { foldedWords, queryWords } from "./word-fold.js";
import { type Part, slotPart, textPart, WordReach } from "./word-reach.js";

/**
 * A segment's metadata and index prepared for search: template parts and verbatim messages are folded
 * once, on first use, so a reader that keeps it (per sealed segment) prefilters many queries cheaply.
 */
export class SearchIndex {
  private parts: (Part[] | null)[] | null = null;
  private verbatimWords: string[][] | null = null;

  constructor(
    readonly meta: SegmentMeta,
    readonly index: SegmentIndex,
  ) {}

  /** Each template entry's parts (null for an entry without a template text). */
  templateParts(): (Part[] | null)[] {
    this.parts ??= this.meta.templates.map((t, e) => {
      if (t.template === null) return null;
      const slots = this.index.templates[e]!.slots;
      const parts: Part[] = [];
      templatePieces(t.template).forEach((piece, k) => {
        if (k > 0) parts.push(slotPart(slots[k - 1]!));
        parts.push(textPart(piece));
      });
      return parts;
    });
    return this.parts;
  }

  /** The verbatim messages' entries, as `LeanIndex.verbatim` gives them. */
  get verbatim(): readonly { entry: number }[] {
    return this.index.verbatim;
  }

  /** Verbatim message k, as `LeanIndex.verbatimMessage`. */
  verbatimMessage(k: number): string {
    return this.index.verbatim[k]!.message;
  }

  /** The folded words of each verbatim message. */
  verbatimMessageWords(): string[][] {
    this.verbatimWords ??= this.index.verbatim.map((v) => foldedWords(v.message));
    return this.verbatimWords;
  }

  /**
   * Roughly the heap this index takes once searched (its folded parts built): what a cache of indexes
   * must count. Per dictionary value or verbatim message about 100 bytes, per character about 7 (the
   * text is held folded, joined and in sets besides as read): measured on 16,384-line segments of the
   * non-repeating LogHub corpus, 3.5 MB each, 36 times their stored metadata and index.
   */
  heapEstimate(): number {
    let entries = this.meta.templates.length + this.index.verbatim.length;
    let chars = 0;
    for (const t of this.meta.templates) chars += t.template?.length ?? 0;
    for (const v of this.index.verbatim) chars += v.message.length;
    for (const t of this.index.templates)
      for (const slot of t.slots) {
        if (slot.kind !== "dictionary") continue;
        entries += slot.values.length;
        for (const value of slot.values) chars += value.length;
      }
    return 100 * entries + 7 * chars;
  }
}

/** Reads the two blocks search needs (metadata and index) from a segment. */
export function readSearchIndex(segment: Uint8Array): SearchIndex {
  const meta = readSegmentMeta(segment);
  return new SearchIndex(meta, readSegmentIndex(segment, meta));
}

/**
 * Which template entries of a segment may hold a record matching `query`, or null when none can (the
 * segment is skipped). `encoded[e]`: entry e's messages encoded against its template may match;
 * `verbatim[e]`: its verbatim messages may (they are then tested exactly). Never leaves out an entry
 * holding a match; leaves out most that hold none. Service, host, severity and time are judged from
 * the metadata; a template id and the text per entry: its encoded messages can match only if every word
 * of the text can occur in one of them (`partsMayContain`).
 *
 * `numberTests[e]`, when not null: entry e's encoded messages can hold some word of the text only where
 * a number column supplies part of it, so a row can match only if, for each test, one of its numbers is
 * a value the test accepts (`SegmentReader.numbersMayMatch`): a search for a number tests the decoded
 * integers and rebuilds only the rows that pass.
 */
export interface SegmentPlan {
  readonly encoded: readonly boolean[];
  readonly verbatim: readonly boolean[];
  readonly numberTests?: readonly (readonly NumberWordTest[] | null)[];
  /**
   * `sure[e]`: every encoded message of entry e holds the text's words in its static text
   * (`staticTextHoldsWords`), so its encoded rows match the text unread. Absent when no entry is.
   */
  readonly sure?: readonly boolean[];
}

/**
 * Plans of queries without text, per index and template id (`""`: any): they depend on nothing else
 * once the metadata's conditions pass, and a newest page or an hour planned the same piece on every
 * search, building two arrays as long as its template entries each time.
 */
const textlessPlans = new WeakMap<SearchIndex | LeanIndex, Map<string, SegmentPlan | null>>();

function textlessPlan(
  ix: SearchIndex | LeanIndex,
  templateIds: readonly string[] | null,
): SegmentPlan | null {
  let plans = textlessPlans.get(ix);
  if (plans === undefined) {
    plans = new Map();
    textlessPlans.set(ix, plans);
  }
  const key = templateIds ? templateIds.join("\u0000") : "";
  let plan = plans.get(key);
  if (plan === undefined) {
    const allowed = ix.meta.templates.map((t) => allowsTemplate(templateIds, t.templateId));
    plan = allowed.some(Boolean) ? { encoded: allowed, verbatim: allowed } : null;
    plans.set(key, plan);
  }
  return plan;
}

/** Whether a template entry passes the query's template filter (null: any). */
function allowsTemplate(templateIds: readonly string[] | null, id: string | null): boolean {
  return templateIds === null || (id !== null && templateIds.includes(id));
}

export function planSegment(ix: SearchIndex | LeanIndex, query: LogQuery): SegmentPlan | null {
  const m = ix.meta;
  if (query.service) {
    const k = m.services.indexOf(query.service);
    if (k < 0) return null;
    // The service's own severities: a service of info lines is skipped for an error search.
    if (query.minSeverityNumber !== undefined && !(m.serviceMaxSeverity[k]! >= query.minSeverityNumber))
      return null;
  }
  if (query.host && !m.hosts.includes(query.host)) return null;
  if (query.minSeverityNumber !== undefined && !(m.maxSeverity >= query.minSeverityNumber)) return null;
  if (query.since && m.maxTimestamp < query.since) return null;
  if (query.until && !(m.minTimestamp < query.until)) return null;

  const words = query.text && query.text.trim() !== "" ? queryWords(query.text) : null;
  const templateIds = queryTemplateIds(query);
  if (words === null) return textlessPlan(ix, templateIds);
  if (words.length === 0) return null;
  const allowed = m.templates.map((t) => allowsTemplate(templateIds, t.templateId));

  const parts = ix.templateParts();
  const reach = words.map((w, k) => new WordReach(w, k === words.length - 1));
  let numberTests: (NumberWordTest[] | null)[] | undefined;
  const encoded = allowed.map((ok, e) => {
    const p = parts[e];
    if (!ok || p == null || !reach.every((r) => r.mayContain(p))) return false;
    if (!p.some((part) => part.kind === "number")) return true;
    // Words this entry holds only through its number columns: rows are then tested on their numbers,
    // each column against the texts it may hold on a way through the template that spells the word.
    const tests: NumberWordTest[] = [];
    for (const r of reach) {
      if (r.mayContain(p, false)) continue;
      const texts = r.numberCandidates(p);
      // A template's parts are its pieces with a wildcard between each two: wildcard k is part 2k + 1.
      tests.push(
        Array.from({ length: (p.length - 1) / 2 }, (_, k) => {
          const t = texts.get(2 * k + 1);
          return t && (t.exact.size > 0 || t.starts.size > 0) ? new NumberValues(t.exact, t.starts) : null;
        }),
      );
    }
    if (tests.length > 0) {
      numberTests ??= m.templates.map(() => null);
      numberTests[e] = tests;
    }
    return true;
  });
  const whole = words.slice(0, -1);
  const last = words[words.length - 1]!;
  const verbatim = m.templates.map(() => false);
  if (ix instanceof LeanIndex) {
    ix.verbatim.forEach((v, k) => {
      if (allowed[v.entry] && !verbatim[v.entry] && ix.verbatimMayHold(k, words)) verbatim[v.entry] = true;
    });
  } else {
    const verbatimWords = ix.verbatimMessageWords();
    ix.index.verbatim.forEach((v, k) => {
      if (allowed[v.entry] && !verbatim[v.entry] && messageHasWords(verbatimWords[k]!, whole, last)) {
        verbatim[v.entry] = true;
      }
    });
  }
  if (!encoded.some(Boolean) && !verbatim.some(Boolean)) return null;
  const sure = encoded.map((ok, e) => ok && staticTextHoldsWords(m.templates[e]!.template!, whole, last));
  const plan: SegmentPlan = numberTests ? { encoded, verbatim, numberTests } : { encoded, verbatim };
  return sure.some(Boolean) ? { ...plan, sure } : plan;
}

/**
 * Whether the segment can hold a record matching `query` (`planSegment` is not null). Never false when
 * a record matches; false for most segments that hold none.
 */
export function segmentMayMatch(ix: SearchIndex | LeanIndex, query: LogQuery): boolean {
  return planSegment(ix, query) !== null;
}
