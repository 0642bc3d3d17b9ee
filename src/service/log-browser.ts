import { SHOWN_LINE_BYTES, shownText } from "../core/line-limit.js";
import { type LogQuery, mostFirst, type RecordRef, type StoredRecord } from "../core/log-store.js";
import { currentTemplateTexts, templateIdsWithLineage } from "../store/repos/templates.js";
import type { Runtime } from "./runtime.js";

/**
 * The dashboard's log browser (`/api/v1/logs`, `/histogram`, `/facets`, `/{id}/context`): records come from
 * the log store (`Runtime.logs`), template texts from the templates table, so another `LogStore` serves the
 * same answers. The list, the histogram and the facets take one filter, so the chart counts what the list
 * pages through.
 */
export type LogBrowserDeps = Pick<Runtime, "store" | "logs">;

/** What the browser filters on. */
export interface LogBrowseFilter {
  /** Full text (`LogQuery.text`): every word, the last as a prefix. */
  q?: string | undefined;
  service?: string | undefined;
  /**
   * Template ids: lines of any of them, and of the templates that generalised into them (one hop, as the
   * list and the facets show lines), so a template's link lists every line counted under it.
   */
  templateIds?: readonly string[] | undefined;
  /** ISO UTC, inclusive. */
  since?: string | undefined;
  /** ISO UTC, exclusive. */
  until?: string | undefined;
}

/** Position of the last line of a page, newest first: `[timestamp, id]`. */
export interface LogCursor {
  timestamp: string;
  id: number;
}

/** A line as the dashboard shows it. */
export interface BrowsedLog {
  id: number;
  timestamp: string;
  service: string;
  level: string | null;
  host: string | null;
  message: string;
  template_id: string | null;
  /** One hop of lineage: a line mined before its template generalised shows the general one. */
  template: string | null;
  /** Present when `message` is only the start of the stored line (`shownText`): the list's cap. */
  truncated?: true;
  /** The stored message's length in UTF-8 bytes, when `truncated`. */
  message_bytes?: number;
  /** Present when `template` is only the start of the template's text. */
  template_truncated?: true;
}

export interface LogFacet {
  name: string;
  count: number;
}

/** A template among the busiest: its text, and the ids its lines carry (for `templateIds`). */
export interface TemplateFacet extends LogFacet {
  template_ids: string[];
}

export interface LogHistogram {
  /** Start of the first bucket; null when nothing matches. */
  since: string | null;
  until: string | null;
  interval_ms: number;
  total: number;
  buckets: { start: string; count: number }[];
}

function toQuery(f: LogBrowseFilter): LogQuery {
  return { text: f.q, service: f.service, since: f.since, until: f.until };
}

/**
 * The filter with its template ids widened by one hop of lineage. Asked-for ids that match no template
 * still filter (to nothing), so an unknown id lists no line rather than every line.
 */
async function widened(deps: LogBrowserDeps, f: LogBrowseFilter): Promise<LogQuery> {
  const ids = f.templateIds?.filter((id) => id !== "") ?? [];
  if (ids.length === 0) return toQuery(f);
  return { ...toQuery(f), templateId: await templateIdsWithLineage(deps.store.db, ids) };
}

/**
 * The records with their template texts, in one look-up of the templates they use; each message and
 * template shown within `shownBytes` (`shownText`), saying so when it is cut.
 */
async function withTemplates(
  deps: LogBrowserDeps,
  records: readonly StoredRecord[],
  shownBytes: (index: number) => number = () => SHOWN_LINE_BYTES,
): Promise<BrowsedLog[]> {
  const ids = [...new Set(records.flatMap((r) => (r.templateId ? [r.templateId] : [])))];
  const texts = await currentTemplateTexts(deps.store.db, ids);
  return records.map((r, i) => {
    const max = shownBytes(i);
    const template = r.templateId ? (texts.get(r.templateId) ?? null) : null;
    const message = shownText(r.message, max);
    // A template is shown within the list's cap even for a single line: its text is the line's, again.
    const shownTemplate = template === null ? null : shownText(template, SHOWN_LINE_BYTES);
    const line: BrowsedLog = {
      id: r.ref,
      timestamp: r.timestamp,
      service: r.service,
      level: r.level,
      host: r.host,
      message: message ? message.text : r.message,
      template_id: r.templateId,
      template: shownTemplate ? shownTemplate.text : template,
    };
    if (message) {
      line.truncated = true;
      line.message_bytes = message.bytes;
    }
    if (shownTemplate) line.template_truncated = true;
    return line;
  });
}

/** One page of lines, newest first by record time (ties: higher id first), after `page.after`. */
export async function browseLogs(
  deps: LogBrowserDeps,
  filter: LogBrowseFilter,
  page: { limit: number; after?: LogCursor | undefined },
): Promise<BrowsedLog[]> {
  const found = await deps.logs.search(await widened(deps, filter), {
    limit: page.limit,
    after: page.after && { timestamp: page.after.timestamp, ref: page.after.id },
  });
  return withTemplates(deps, found);
}

/**
 * A line with its service's lines just before and after it, oldest first; null when it is not stored.
 * The line itself is shown up to `lineBytes` (`MAX_LINE_BYTES`: the single-line fetch), the lines around
 * it within the list's cap.
 */
export async function logContext(
  deps: LogBrowserDeps,
  ref: RecordRef,
  around: { before: number; after: number },
  lineBytes: number = SHOWN_LINE_BYTES,
): Promise<{ line: BrowsedLog; before: BrowsedLog[]; after: BrowsedLog[] } | null> {
  const found = await deps.logs.context(ref, around);
  if (!found) return null;
  const at = found.before.length;
  const lines = await withTemplates(deps, [...found.before, found.record, ...found.after], (i) =>
    i === at ? lineBytes : SHOWN_LINE_BYTES,
  );
  return { line: lines[at]!, before: lines.slice(0, at), after: lines.slice(at + 1) };
}

/**
 * The busiest services and templates among the matching lines, `limit` of each. Templates are counted by
 * text, one hop of lineage as the list shows them (a line mined before its template generalised counts
 * under the general one; the same text in two streams is one entry), so every template's count is needed
 * before the busiest are known; lines whose template has no row are left out.
 */
export async function logFacets(
  deps: LogBrowserDeps,
  filter: LogBrowseFilter,
  limit: number,
): Promise<{ services: LogFacet[]; templates: TemplateFacet[] }> {
  const query = await widened(deps, filter);
  const [services, byTemplate] = await Promise.all([
    deps.logs.countBy(query, "service", limit),
    deps.logs.countBy(query, "templateId"),
  ]);
  const texts = await currentTemplateTexts(
    deps.store.db,
    byTemplate.map((c) => c.value),
  );
  const byText = new Map<string, number>();
  const idsOf = new Map<string, string[]>();
  for (const { value, count } of byTemplate) {
    const text = texts.get(value);
    if (text === undefined) continue;
    byText.set(text, (byText.get(text) ?? 0) + count);
    idsOf.set(text, [...(idsOf.get(text) ?? []), value]);
  }
  return {
    services: services.map((s) => ({ name: s.value, count: s.count })),
    // Most first, ties by text, as the store orders services.
    templates: [...byText]
      .map(([value, count]) => ({ value, count }))
      .sort(mostFirst)
      .slice(0, limit)
      // A template as long as its line is named by its start, as the list shows it.
      .map((t) => ({
        name: shownText(t.value)?.text ?? t.value,
        count: t.count,
        template_ids: (idsOf.get(t.value) ?? []).sort(),
      })),
  };
}

/**
 * Matching lines per time bucket, `buckets` of them at most, over the filter's range; a missing end is the
 * matching lines' own first or last time, so imported history shows without knowing its dates. The caller
 * refuses a range whose end is not after its start.
 */
export async function logHistogram(
  deps: LogBrowserDeps,
  filter: LogBrowseFilter,
  buckets: number,
): Promise<LogHistogram> {
  const query = await widened(deps, filter);
  const range = await histogramRange(deps, filter, query);
  if (range === null) return { since: null, until: null, interval_ms: 0, total: 0, buckets: [] };
  // Whole seconds, at least one, so bucket starts stay readable and the count fits `buckets`.
  const intervalMs = Math.max(1000, Math.ceil((range.untilMs - range.sinceMs) / buckets / 1000) * 1000);
  const since = new Date(range.sinceMs).toISOString();
  const until = new Date(range.untilMs).toISOString();
  const counts = await deps.logs.histogram({ ...query, since, until }, intervalMs);
  return {
    since,
    until,
    interval_ms: intervalMs,
    total: counts.reduce((n, b) => n + b.count, 0),
    buckets: counts,
  };
}

/** The range asked for, completed by the matching lines' own first and last time; null when none match. */
async function histogramRange(
  deps: LogBrowserDeps,
  filter: LogBrowseFilter,
  query: LogQuery,
): Promise<{ sinceMs: number; untilMs: number } | null> {
  let since = filter.since;
  let until = filter.until;
  if (!since || !until) {
    const extent = await deps.logs.extent(query);
    if (!extent) return null;
    since ??= extent.first;
    // Exclusive end: one millisecond past the newest line keeps it in the last bucket.
    until ??= new Date(Date.parse(extent.last) + 1).toISOString();
  }
  return { sinceMs: Date.parse(since), untilMs: Date.parse(until) };
}
