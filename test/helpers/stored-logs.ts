import type { LogPosition, LogStore, StoredRecord } from "../../src/core/log-store.js";

/**
 * Every record a log store holds, oldest reference first, read through `LogStore.search` (the same on
 * both stores): what tests of a door check was stored, whichever store the server runs (segments, the
 * default for a new data dir since issue 50, or the `logs` table).
 */
export async function allStoredRecords(logs: Pick<LogStore<unknown>, "search">): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let after: LogPosition | undefined;
  for (;;) {
    const page = await logs.search({}, { limit: 5_000, after });
    out.push(...page);
    if (page.length < 5_000) break;
    const last = page[page.length - 1]!;
    after = { timestamp: last.timestamp, ref: last.ref };
  }
  return out.sort((a, b) => a.ref - b.ref);
}

/** The stored records whose message contains `marker`, oldest reference first. */
export async function storedWith(
  logs: Pick<LogStore<unknown>, "search">,
  marker: string,
): Promise<StoredRecord[]> {
  return (await allStoredRecords(logs)).filter((r) => r.message.includes(marker));
}

/** A stored record under the `logs` table's column names (`metadata` as JSON text), for tests written against them. */
export function asTableRow(r: StoredRecord) {
  return {
    id: r.ref,
    timestamp: r.timestamp,
    service: r.service,
    host: r.host,
    level: r.level,
    severity_number: r.severityNumber,
    message: r.message,
    metadata: JSON.stringify(r.attributes),
    stream: r.stream,
    template_id: r.templateId,
  };
}

/** How many records a log store holds (every record has a service, `unknown` at least). */
export async function storedCount(logs: Pick<LogStore<unknown>, "countBy">): Promise<number> {
  return (await logs.countBy({}, "service")).reduce((n, c) => n + c.count, 0);
}
