import { describe, expect, it } from "vitest";
import { nanosToIso, recordsFromExportRequest } from "../../src/sources/otlp/to-records.js";

describe("OTLP log records → LogRecord", () => {
  it("converts nanosecond times exactly, treating 0 and junk as unset", () => {
    expect(nanosToIso("1769938200123456789")).toBe("2026-02-01T09:30:00.123Z");
    expect(nanosToIso(1769938200123000000)).toBe("2026-02-01T09:30:00.123Z");
    expect(nanosToIso("0")).toBeNull();
    expect(nanosToIso("soon")).toBeNull();
    expect(nanosToIso(undefined)).toBeNull();
  });

  it("maps severity enum names, falls back to observed time, keeps scope attributes", () => {
    const { records, rejected } = recordsFromExportRequest(
      {
        resourceLogs: [
          {
            resource: { attributes: [{ key: "host.name", value: { stringValue: "h1" } }] },
            scopeLogs: [
              {
                scope: { name: "lib", attributes: [{ key: "team", value: { stringValue: "pay" } }] },
                logRecords: [
                  {
                    observedTimeUnixNano: "1769938200000000000",
                    severityNumber: "SEVERITY_NUMBER_WARN2",
                    body: { kvlistValue: { values: [{ key: "k", value: { intValue: "3" } }] } },
                    attributes: [{ key: "__proto__", value: { stringValue: "x" } }],
                    eventName: "login",
                  },
                ],
              },
            ],
          },
        ],
      },
      "2026-03-01T00:00:00.000Z",
    );
    expect(rejected).toBe(0);
    const [r] = records;
    expect(r).toMatchObject({
      timestamp: "2026-02-01T09:30:00.000Z",
      observedTimestamp: "2026-02-01T09:30:00.000Z",
      severityNumber: 14,
      severityText: "WARN2",
      body: '{"k":3}',
      resource: { "host.name": "h1" },
    });
    expect(r!.attributes["otel.scope.attributes"]).toEqual({ team: "pay" });
    expect(r!.attributes["event.name"]).toBe("login");
    expect(Object.getPrototypeOf(r!.attributes)).toBe(Object.prototype);
  });
});
