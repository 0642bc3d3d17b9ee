import { describe, expect, it, vi } from "vitest";
import type { LineHeader } from "../../../src/parsers/header.js";

// splitHeader belongs to the template-mining work; these tests pin only how its result is mapped.
const header = vi.hoisted(() => ({ next: null as LineHeader | null }));
vi.mock("../../../src/parsers/header.js", () => ({
  splitHeader: (line: string): LineHeader =>
    header.next ?? { timestamp: null, level: null, host: null, pid: null, component: null, body: line },
}));

const { decodePlain } = await import("../../../src/parsers/decoders/plain.js");
const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };

describe("decodePlain", () => {
  it("maps every header field", () => {
    header.next = {
      timestamp: "2026-01-05T09:30:00.000Z",
      level: "WARN",
      host: "web-1",
      pid: 42,
      component: "dfs.DataNode",
      body: "disk almost full",
    };
    expect(decodePlain("raw", ctx)).toEqual({
      timestamp: "2026-01-05T09:30:00.000Z",
      observedTimestamp: ctx.observedAt,
      severityText: "WARN",
      severityNumber: 13,
      body: "disk almost full",
      attributes: { "process.pid": 42, "log.component": "dfs.DataNode" },
      resource: { "service.name": "dfs.DataNode", "host.name": "web-1" },
    });
  });

  it("defaultService wins over the component", () => {
    header.next = { timestamp: null, level: "E", host: null, pid: null, component: "Foo", body: "x" };
    const r = decodePlain("raw", { ...ctx, defaultService: "svc" });
    expect(r.resource).toEqual({ "service.name": "svc" });
    expect(r.attributes).toEqual({ "log.component": "Foo" });
    expect([r.severityText, r.severityNumber]).toEqual(["E", 17]);
  });

  it("no header: the line is the body, stamped with the observed time", () => {
    header.next = null;
    expect(decodePlain("just text", ctx)).toEqual({
      timestamp: ctx.observedAt,
      observedTimestamp: ctx.observedAt,
      severityText: null,
      severityNumber: 0,
      body: "just text",
      attributes: {},
      resource: {},
    });
  });
});
