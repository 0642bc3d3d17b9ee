import type { LogRecord } from "../../src/core/log-record.js";

/**
 * `n` records of `service`, one a second from 2026-03-01T00:00:00Z + `from` s, each `<shape> <i> took
 * <i % 13> ms`: one template per shape, a new value every line.
 */
export function timedLines(service: string, from: number, n: number, shape: string): LogRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: new Date(Date.parse("2026-03-01T00:00:00Z") + (from + i) * 1000).toISOString(),
    observedTimestamp: "2026-03-01T00:00:00.000Z",
    severityText: "INFO",
    severityNumber: 9,
    body: `${shape} ${from + i} took ${(from + i) % 13} ms`,
    attributes: {},
    resource: { "service.name": service },
  }));
}
