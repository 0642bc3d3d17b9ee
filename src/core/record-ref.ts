/**
 * A reference to one stored record, issued by the `LogStore` that stored it (`log-store.ts`): a positive
 * safe integer whose meaning only that store knows. Today's `logs` table issues its row id; a columnar store
 * may pack a segment and a position, assigned when it seals. Anomaly evidence and `ParsedRecord.id` hold
 * references, and readers resolve them through `LogStore.get`, never as row ids. One writer issues them in
 * append order (search breaks ties of equal record time by them, newest first). Where nothing is stored
 * (`analyze`), records are referred to by their 1-based input line number instead.
 *
 * A number rather than a branded type: detectors keep the references they saw in their own saved state as
 * plain numbers, and the wire shapes (evidence ids, `/api/v1/logs/{id}/context`, MCP `search_logs`) are
 * integers.
 */
export type RecordRef = number;
