import type { JsonValue } from "./json.js";
import type { UndoLog } from "./undo.js";

/** What the miner tells downstream stages about one message (Drain3's change vocabulary). */
export type TemplateChange = "created" | "updated" | "none";

export interface TemplateParam {
  value: string;
  /** Mask type where known (`num`, `ip`, `hex`, `uuid`, `path`, …), otherwise `null`. */
  type: string | null;
}

export interface TemplateMatch {
  /** Stable, content-derived id: the same template text in the same stream always has the same id. */
  templateId: string;
  /** Template text with `<*>` for parameters. */
  template: string;
  params: TemplateParam[];
  change: TemplateChange;
  /** When `change` is `updated`, the id the template had before it generalised. */
  previousId?: string;
  /**
   * When `change` is `created`: a known template of the stream this one differs from only in value-like
   * tokens (a user name, a key, a host with digits), i.e. a new value in a known message rather than a new
   * message. The miner merges such variants once enough of them are seen.
   */
  variantOf?: string;
}

export interface TemplateInfo {
  stream: string;
  templateId: string;
  template: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** One lineage link: an old template id that generalised into a new one. */
export interface TemplateLineage {
  stream: string;
  fromId: string;
  toId: string;
}

/**
 * The miner's capacity by default, for every implementation and for the config (`MINER_MAX_*`): one
 * definition, so the config's defaults and a miner built without options agree.
 */
export const MINER_DEFAULTS = { maxTemplatesPerStream: 10_000, maxTokensPerLine: 256 } as const;

/** The template miner: learns templates online, one independent tree per stream. */
export interface TemplateMiner {
  /** Journals each batch's changes, so a batch whose store transaction failed can be taken back. */
  readonly undo: UndoLog;
  /** Learns from one message body and returns its template. `at` is the record time (ISO). */
  add(stream: string, message: string, at?: string): TemplateMatch;
  /** Read-only lookup: the template a message would match, or null. */
  match(stream: string, message: string): TemplateMatch | null;
  /** Every live template. */
  templates(): TemplateInfo[];
  /** Resolves an old id through its lineage to the current id (itself when current). */
  resolve(stream: string, templateId: string): string;
  /** Versioned, JSON-serialisable state for persistence. */
  exportState(): unknown;
  importState(state: unknown): void;
  /**
   * The same state split by stream, so one stream (a partition) can be saved, loaded and handed over
   * alone: streams are independent trees, and only the counters (`exportShared`) belong to none.
   */
  streamNames(): string[];
  /** One stream's templates and lineage, or undefined for a stream it does not know. */
  exportStream(stream: string): JsonValue | undefined;
  exportShared(): JsonValue;
  /**
   * Puts back the given streams (each replaces that stream; streams not given stay as they are) and,
   * when given, the shared part.
   */
  importStreams(shared: JsonValue | undefined, streams: readonly JsonValue[]): void;
  /** Counters for metrics (templates evicted by the LRU cap, lines truncated by the token cap, …). */
  stats(): { templates: number; evictions: number; truncatedLines: number };
}
