import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import type { ParsedRecord } from "../../../src/core/log-record.js";
import { isoUtc } from "../../../src/core/time.js";
import { SequenceDetector } from "../../../src/detectors/sequence/detector.js";
import { DrainMiner } from "../../../src/parsers/drain/index.js";

/**
 * The real miner widens `connected to alpha|beta|gamma` into `connected to <*>` when a fourth server
 * shows up while sessions are judged; the widened template has a new id the model never saw.
 */
describe("SequenceDetector with templates widened after training", () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const miner = new DrainMiner();
  let nextId = 1;
  const record = (body: string): ParsedRecord => {
    const at = isoUtc(clock.now());
    clock.advance(1_000);
    const m = miner.add("api", body, at);
    return {
      timestamp: at,
      observedTimestamp: at,
      severityText: null,
      severityNumber: 9,
      body,
      attributes: {},
      resource: { "service.name": "api" },
      id: nextId++,
      stream: "api",
      origin: "api",
      templateId: m.templateId,
      template: m.template,
      params: m.params,
      templateChange: m.change,
    };
  };
  const session = (req: number, server: string) => [
    record(`open req=${req}`),
    record(`connected to ${server} req=${req}`),
    record(`close req=${req}`),
  ];

  it("judges a line under the trained template its text still matches; only a new text is unseen", () => {
    const d = new SequenceDetector(
      {
        sessionKey: "req=(\\w+)",
        idleTimeoutSecs: 60,
        maxOpenSessions: 1_000,
        warmupSessions: 1_000,
        historyLength: 2,
        topG: 3,
        endHistoryLength: 1,
        lengthMargin: 0,
        countMargin: 0,
      },
      clock,
    );
    d.beginTraining();
    const servers = ["alpha", "beta", "gamma"];
    for (let i = 0; i < 9; i++) d.observe(session(1000 + i, servers[i % 3]!));
    expect(d.endTraining()?.vocabulary).toHaveLength(5);

    const widened = session(2000, "delta"); // a fourth server: the miner widens the template
    expect(widened[1]!.templateChange).toBe("updated");
    const later = [...session(2001, "alpha"), ...session(2002, "beta"), ...session(2003, "gamma")];
    expect(later[1]!.templateId).toBe(widened[1]!.templateId); // the old lines now carry the new id
    const found = [...d.observe([...widened, ...later]), ...d.flush()];
    expect(found.map((a) => [a.key, a.type])).toEqual([["2000", "session_unseen_template"]]);
  });
});
