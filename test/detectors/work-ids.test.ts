import { describe, expect, it } from "vitest";
import type { TemplateParam } from "../../src/core/template.js";
import { findingEntities, groupIncidents } from "../../src/correlate/incidents.js";
import { workIdsOf, workKindOf } from "../../src/detectors/work-ids.js";

const params = (...values: string[]): { params: TemplateParam[] } => ({
  params: values.map((value) => ({ value, type: null })),
});

describe("work ids", () => {
  it("knows blocks, YARN applications, containers, jobs, attempts and Deployment pods", () => {
    expect(workKindOf("blk_-1608999687919862906")).toBe("block");
    expect(workKindOf("/blk_904791815409399662.meta")).toBe("block");
    expect(workKindOf("application_1445087491445_0005")).toBe("application");
    expect(workKindOf("container_1445087491445_0005_01_000001")).toBe("container");
    expect(workKindOf("container_e17_1445087491445_0005_01_000001")).toBe("container");
    expect(workKindOf("job_1445087491445_0005")).toBe("job");
    expect(workKindOf("attempt_1445087491445_0005_m_000003_0")).toBe("attempt");
    expect(workKindOf("checkout-7d9c8b6f5-x2k4q")).toBe("pod");
    expect(workKindOf("pod/checkout-7d9c8b6f5-x2k4q")).toBe("pod");
    for (const other of [
      "blk_12",
      "10.251.73.220",
      "R02-M1-N0-C:J12-U11",
      "my-service-name",
      "1445087491445",
    ])
      expect(workKindOf(other), other).toBeNull();
  });

  it("reads them from the miner's parameters, each once", () => {
    expect(
      workIdsOf(params("blk_-16089996879", "/10.0.0.1:50010", "blk_-16089996879", "job_1445087491445_0005")),
    ).toEqual([
      { kind: "block", id: "blk_-16089996879" },
      { kind: "job", id: "job_1445087491445_0005" },
    ]);
  });

  it("groups findings on different machines about one block into one incident", () => {
    const finding = (host: string, minute: number) => ({
      detector: "severe_events",
      timestamp: `2026-03-02T10:${String(minute).padStart(2, "0")}:00.000Z`,
      key: `hdfs:t1:${host}:${minute}`,
      score: 0.9,
      features: { host, block: "blk_-16089996879" },
      explanation: { summary: `write failed on ${host}` },
    });
    const a = finding("dn-1", 0);
    expect(findingEntities(a)).toEqual(["host:dn-1", "block:blk_-16089996879"]);
    const incidents = groupIncidents([a, finding("dn-2", 5), finding("dn-3", 9)], { windowSecs: 1800 });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.entities).toContain("block:blk_-16089996879");
  });
});
