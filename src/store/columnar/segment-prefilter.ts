import type { LogQuery } from "../../core/log-store.js";
import { messageHasWords } from "./record-matcher.js";
import { readSegmentIndex, readSegmentMeta } from "./segment-decoder.js";
import type { SegmentIndex, SegmentMeta } from "./segment-meta.js";
import { templatePieces } from "./template-pieces.js";
import { foldedWords, queryWords } from "./word-fold.js";
import { type Part, partsMayContain, slotPart, textPart } from "./word-reach.js";

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

  /** The folded words of each verbatim message. */
  verbatimMessageWords(): string[][] {
    this.verbatimWords ??= this.index.verbatim.map((v) => foldedWords(v.message));
    return this.verbatimWords;
  }
}

/** Reads the two blocks search needs (metadata and index) from a segment. */
export function readSearchIndex(segment: Uint8Array): SearchIndex {
  const meta = readSegmentMeta(segment);
  return new SearchIndex(meta, readSegmentIndex(segment, meta));
}

/**
 * Whether the segment can hold a record matching `query`. Never false when a record matches (the
 * segment must then be decoded and its records tested with `recordMatcher`); false for most segments
 * that hold none. Service, host, severity and time are judged from the metadata; a template id and the
 * text per template entry: an entry can match only if every word of the text can occur in one of its
 * messages (`partsMayContain`) or one of its verbatim messages has them all.
 */
export function segmentMayMatch(ix: SearchIndex, query: LogQuery): boolean {
  const m = ix.meta;
  if (query.service && !m.services.includes(query.service)) return false;
  if (query.host && !m.hosts.includes(query.host)) return false;
  if (query.minSeverityNumber !== undefined && !(m.maxSeverity >= query.minSeverityNumber)) return false;
  if (query.since && m.maxTimestamp < query.since) return false;
  if (query.until && !(m.minTimestamp < query.until)) return false;

  const words = query.text && query.text.trim() !== "" ? queryWords(query.text) : null;
  if (words !== null && words.length === 0) return false;
  const candidates: number[] = [];
  m.templates.forEach((t, e) => {
    if (!query.templateId || t.templateId === query.templateId) candidates.push(e);
  });
  if (candidates.length === 0) return false;
  if (words === null) return true;

  const whole = words.slice(0, -1);
  const last = words[words.length - 1]!;
  const parts = ix.templateParts();
  const candidateSet = new Set(candidates);
  for (const e of candidates) {
    const p = parts[e];
    if (p && words.every((w, k) => partsMayContain(p, w, k === words.length - 1))) return true;
  }
  const verbatimWords = ix.verbatimMessageWords();
  return ix.index.verbatim.some(
    (v, k) => candidateSet.has(v.entry) && messageHasWords(verbatimWords[k]!, whole, last),
  );
}
