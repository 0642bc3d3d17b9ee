/** RFC 4180 output for `LineId,EventId,EventTemplate` predictions (the LogHub evaluators' format). */

export const PREDICTION_HEADER = "LineId,EventId,EventTemplate";

/** Quotes a field when it holds a comma, a quote, CR or LF; doubles inner quotes. */
export function csvField(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

export function predictionRow(lineId: number, eventId: string, template: string): string {
  return `${lineId},${csvField(eventId)},${csvField(template)}`;
}
