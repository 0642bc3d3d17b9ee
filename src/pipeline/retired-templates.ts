import type { ParsedRecord } from "../core/log-record.js";
import type { TemplateInfo, TemplateMiner } from "../core/template.js";

export type RetiredTemplate = TemplateInfo & { replacedBy: string };

/** The lines of one stream and template in a batch, from its first line on: counted as a template is. */
type TemplateLines = TemplateInfo;

type BatchLine = Pick<
  ParsedRecord,
  "stream" | "origin" | "templateId" | "template" | "timestamp" | "templateChange"
>;

/**
 * What a batch's lines say about templates, taken a line at a time so the lines need not be kept until
 * the batch ends: the templates they carry (per stream, in order of first use), the ones mining created
 * or reshaped, and, once the batch is mined, the ones it retired. One entry per template, not per line.
 */
export class BatchTemplates {
  readonly #byStream = new Map<string, Map<string, TemplateLines>>();
  /** Every entry, in order of its first line: `retired` lists them in that order. */
  readonly #inOrder: TemplateLines[] = [];
  /** Templates a line created or reshaped: written in the batch's transaction. */
  readonly changed = new Set<string>();
  /** The streams of those templates. */
  readonly changedStreams = new Set<string>();
  /** The lines' origins (`ParsedRecord.origin`): the streams whose detector state the batch changed. */
  readonly origins = new Set<string>();
  #lastOrigin: string | null = null;

  add(r: BatchLine): void {
    if (r.origin !== this.#lastOrigin) {
      this.origins.add(r.origin);
      this.#lastOrigin = r.origin;
    }
    if (r.templateChange !== "none") {
      this.changed.add(r.templateId);
      this.changedStreams.add(r.stream);
    }
    let ofStream = this.#byStream.get(r.stream);
    if (!ofStream) {
      ofStream = new Map();
      this.#byStream.set(r.stream, ofStream);
    }
    const seen = ofStream.get(r.templateId);
    if (!seen) {
      const lines = {
        stream: r.stream,
        templateId: r.templateId,
        template: r.template,
        count: 1,
        firstSeen: r.timestamp,
        lastSeen: r.timestamp,
      };
      ofStream.set(r.templateId, lines);
      this.#inOrder.push(lines);
      return;
    }
    seen.count++;
    if (r.timestamp < seen.firstSeen) seen.firstSeen = r.timestamp;
    if (r.timestamp > seen.lastSeen) seen.lastSeen = r.timestamp;
  }

  /** Streams the lines belong to. */
  streams(): Iterable<string> {
    return this.#byStream.keys();
  }

  /** Template ids the lines carry. */
  *templateIds(): Iterable<string> {
    for (const lines of this.#inOrder) yield lines.templateId;
  }

  /**
   * The templates the miner no longer keeps live (it resolves them to another) because a later line of
   * the same batch generalised them, merged by id across streams in order of their first retired line.
   * The periodic save only writes live templates and links already-stored ones, so these ids had no
   * `templates` row (13 of them after 40 batches of LogHub OpenSSH/HDFS/Apache lines).
   */
  retired(miner: TemplateMiner): RetiredTemplate[] {
    const retired = new Map<string, RetiredTemplate>();
    for (const lines of this.#inOrder) {
      const replacedBy = miner.resolve(lines.stream, lines.templateId);
      if (replacedBy === lines.templateId) continue;
      const seen = retired.get(lines.templateId);
      if (!seen) {
        retired.set(lines.templateId, { ...lines, replacedBy });
        continue;
      }
      seen.count += lines.count;
      if (lines.firstSeen < seen.firstSeen) seen.firstSeen = lines.firstSeen;
      if (lines.lastSeen > seen.lastSeen) seen.lastSeen = lines.lastSeen;
    }
    return [...retired.values()];
  }
}
