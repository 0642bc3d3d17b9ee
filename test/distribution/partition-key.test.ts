import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/core/log-record.js";
import { decodeHandoff, encodeHandoff } from "../../src/distribution/handoff-codec.js";
import { fnv1a, partitionOf } from "../../src/distribution/partition-key.js";

const record = (service: string, host: string): LogRecord => ({
  timestamp: "2026-11-25T10:00:00.000Z",
  observedTimestamp: "2026-11-25T10:00:01.000Z",
  severityText: "WARN",
  severityNumber: 13,
  body: "Failed password for root from 203.0.113.7 port 40000 ssh2",
  attributes: { pid: 42 },
  resource: { "service.name": service, "host.name": host },
});

describe("partition key", () => {
  it("is FNV-1a 32 of the stream, stable across versions (a change would move every stream's state)", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("puts one stream on one partition whatever host sent it", () => {
    const p = partitionOf(record("sshd", "bastion-1"), 16);
    expect(partitionOf(record("sshd", "bastion-2"), 16)).toBe(p);
    const spread = new Set(Array.from({ length: 64 }, (_, i) => partitionOf(record(`svc-${i}`, "h"), 16)));
    expect(spread.size).toBeGreaterThan(10);
  });
});

describe("hand-off messages", () => {
  it("carry records unchanged", () => {
    const records = [record("sshd", "h1"), { ...record("web", "h2"), severityText: null, body: "ünïcode ✓" }];
    expect(decodeHandoff(encodeHandoff(records))).toEqual(records);
  });

  it("refuse what is not an array of records", () => {
    expect(decodeHandoff(Buffer.from("not json"))).toBeNull();
    expect(decodeHandoff(Buffer.from('{"a":1}'))).toBeNull();
    expect(decodeHandoff(Buffer.from('[{"body":"x"}]'))).toBeNull();
  });
});
