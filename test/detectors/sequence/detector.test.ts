import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import type { ParsedRecord } from "../../../src/core/log-record.js";
import { isoUtc } from "../../../src/core/time.js";
import { SequenceDetector, type SequenceDetectorOptions } from "../../../src/detectors/sequence/detector.js";
import { parseSessionKey } from "../../../src/detectors/sequence/session-key.js";

const OPTIONS: SequenceDetectorOptions = {
  sessionKey: "req=(\\w+)",
  idleTimeoutSecs: 10,
  maxOpenSessions: 1_000,
  warmupSessions: 6,
  historyLength: 2,
  topG: 1,
  endHistoryLength: 1,
  lengthMargin: 0,
  countMargin: 0,
};

const TEMPLATES: Record<string, string> = {
  open: "open req=<*>",
  read: "read req=<*> bytes=<*>",
  close: "close req=<*>",
  crash: "panic req=<*> in worker",
};

let nextId = 1;

/** One record of session `session` with template `step`, at the clock's time (then 1 s later). */
function rec(clock: FakeClock, session: string, step: string): ParsedRecord {
  const at = isoUtc(clock.now());
  clock.advance(1_000);
  return {
    timestamp: at,
    observedTimestamp: at,
    severityText: null,
    severityNumber: 9,
    body: TEMPLATES[step]!.replace("<*>", session).replace("<*>", "10"),
    attributes: {},
    resource: { "service.name": "api" },
    id: nextId++,
    stream: "api",
    origin: "api",
    templateId: `T-${step}`,
    template: TEMPLATES[step]!,
    params: [],
    templateChange: "none",
  };
}

/** Sessions written one after another, each as its steps. */
function sessions(clock: FakeClock, list: [string, string[]][]): ParsedRecord[] {
  return list.flatMap(([id, steps]) => steps.map((s) => rec(clock, id, s)));
}

function trained(clock: FakeClock): SequenceDetector {
  const d = new SequenceDetector(OPTIONS, clock);
  const warm: [string, string[]][] = Array.from({ length: 6 }, (_, i) => [
    `w${i}`,
    ["open", "read", "close"],
  ]);
  expect(d.observe(sessions(clock, warm))).toEqual([]);
  expect(d.status().phase).toBe("learning");
  // Input is quiet for the idle timeout: the sessions close, and the sixth completes the warm-up.
  clock.advance(60_000);
  expect(d.tick(clock.now())).toEqual([]);
  expect(d.status()).toMatchObject({ phase: "active" });
  expect(d.status().detail).toMatch(/trained on 6 sessions/);
  return d;
}

describe("SequenceDetector", () => {
  it("does not flag sessions like the training ones", () => {
    const clock = new FakeClock();
    const d = trained(clock);
    d.observe(sessions(clock, [["ok1", ["open", "read", "close"]]]));
    // Record time passes the idle timeout of ok1: the next record closes and judges it.
    clock.advance(60_000);
    expect(d.observe([rec(clock, "ok2", "open")])).toEqual([]);
    expect(d.status().detail).toMatch(/1 judged, 0 anomalous, 1 open/);
    d.observe(sessions(clock, [["ok2", ["read", "close"]]]));
    expect(d.flush()).toEqual([]);
    expect(d.status().detail).toMatch(/2 judged, 0 anomalous/);
  });

  it("flags an out-of-order template and explains what was expected", () => {
    const clock = new FakeClock();
    const d = trained(clock);
    d.observe(sessions(clock, [["bad", ["open", "close", "read"]]]));
    clock.advance(60_000);
    const [a, ...rest] = d.observe([rec(clock, "x", "open")]);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({
      detector: "sequence",
      type: "session_unexpected_template",
      key: "bad",
      service: "api",
    });
    expect(a!.score).toBeGreaterThanOrEqual(0.5);
    expect(a!.explanation.observed).toMatchObject({
      session_id: "bad",
      position: 1,
      next_template: { template_id: "T-close", template: TEMPLATES.close },
    });
    expect(a!.explanation.expected.next_templates).toEqual([
      { template_id: "T-read", template: TEMPLATES.read, probability: 1 },
    ]);
    expect(a!.description).toContain('"read req=<*> bytes=<*>" 1.00');
    expect(a!.evidence).toHaveLength(3);
  });

  it("flags templates never seen in training, early ends and implausible lengths", () => {
    const clock = new FakeClock();
    const d = trained(clock);
    d.observe(
      sessions(clock, [
        ["crashy", ["open", "crash", "read", "close"]],
        ["short", ["open", "read"]],
        ["long", ["open", "read", "read", "read", "close"]],
      ]),
    );
    const found = new Map(d.flush().map((a) => [a.key, a]));
    expect(found.get("crashy")?.type).toBe("session_unseen_template");
    expect(found.get("crashy")?.description).toContain("never seen in training");
    // Ending after "read" is what names it; the length is out of range too.
    expect(found.get("short")?.type).toBe("session_unexpected_end");
    expect(found.get("short")?.explanation.observed.reasons).toContainEqual({
      kind: "too_short",
      length: 2,
      minLength: 3,
    });
    expect(found.get("long")?.explanation.observed.reasons).toContainEqual({
      kind: "key_count",
      key: "T-read",
      count: 3,
      min: 1,
      max: 1,
    });
  });

  it("groups interleaved records by a regex on the message and closes sessions on tick", () => {
    const clock = new FakeClock();
    const d = trained(clock);
    const a = [rec(clock, "a1", "open"), rec(clock, "b1", "open"), rec(clock, "a1", "read")];
    const b = [rec(clock, "b1", "close"), rec(clock, "a1", "close")];
    expect(d.observe([...a, ...b])).toEqual([]);
    // Nothing arrives: after the idle timeout on the (fake) wall clock the open sessions are judged.
    expect(d.tick(clock.now())).toEqual([]);
    clock.advance(11_000);
    const flagged = d.tick(clock.now());
    expect(flagged.map((x) => x.key)).toEqual(["b1"]);
    expect(d.status().detail).toMatch(/0 open/);
  });

  it("keeps its model across export and import, and versions it through retrain", () => {
    const clock = new FakeClock();
    const d = trained(clock);
    const copy = new SequenceDetector(OPTIONS, clock);
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.status().phase).toBe("active");
    copy.observe(sessions(clock, [["bad", ["open", "close", "read"]]]));
    expect(copy.flush().map((a) => a.key)).toEqual(["bad"]);
    const model = d.retrain(clock.now());
    expect(model).toMatchObject({ kind: "sequence", key: "regex:req=(\\w+)", trainingSize: 6 });
    expect(model.features).toEqual(["T-open", "T-read", "T-close"]);
    // State for another session key is ignored: that model describes other sessions.
    const other = new SequenceDetector({ ...OPTIONS, sessionKey: "field:trace_id" }, clock);
    other.importState(d.exportState());
    expect(other.status().phase).toBe("learning");
  });

  it("keeps its open sessions across export and import: a session saved half-way is judged whole", () => {
    const clock = new FakeClock();
    const d = trained(clock);
    const copy = new SequenceDetector(OPTIONS, clock);
    // `h1` and `h2` are open at the save: their first halves must come back with the state.
    d.observe([rec(clock, "h1", "open"), rec(clock, "h2", "open"), rec(clock, "h1", "read")]);
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.status().detail).toMatch(/2 open/);
    const rest = [rec(clock, "h1", "close"), rec(clock, "h2", "close")];
    expect(copy.observe(rest)).toEqual(d.observe(rest));
    clock.advance(11_000);
    const fromCopy = copy.tick(clock.now());
    // h2 skipped `read`; h1 is whole (without its saved half it would look like a session without an open).
    expect(fromCopy.map((a) => a.key)).toEqual(["h2"]);
    expect(fromCopy).toEqual(d.tick(clock.now()));
    expect(copy.exportState()).toEqual(d.exportState());
  });

  it("trains on a baseline when told to, then judges", () => {
    const clock = new FakeClock();
    const d = new SequenceDetector({ ...OPTIONS, warmupSessions: 1_000 }, clock);
    d.beginTraining();
    d.observe(
      sessions(clock, [
        ["t1", ["open", "read", "close"]],
        ["t2", ["open", "read", "close"]],
      ]),
    );
    expect(d.endTraining()?.sessionsTrained).toBe(2);
    d.observe(
      sessions(clock, [
        ["u1", ["open", "read", "close"]],
        ["u2", ["read", "close"]],
      ]),
    );
    expect(d.flush().map((a) => a.key)).toEqual(["u2"]);
  });

  it("keeps baseline sessions whole across long pauses and waits that long when judging", () => {
    // Each session pauses 60 s between read and close (rec steps 1 s), six times the configured idle timeout (10 s):
    // cut there, the baseline would teach that `open read` alone is a whole session.
    const clock = new FakeClock();
    const paused = (id: string) => {
      const start = sessions(clock, [[id, ["open", "read"]]]);
      clock.advance(59_000);
      return [...start, ...sessions(clock, [[id, ["close"]]])];
    };
    const d = new SequenceDetector({ ...OPTIONS, warmupSessions: 1_000 }, clock);
    d.beginTraining();
    d.observe([...paused("t1"), ...paused("t2"), ...paused("t3")]);
    expect(d.endTraining()?.sessionsTrained).toBe(3);
    expect(d.idleTimeoutSecs).toBe(90); // 1.5 × the 60 s pause
    const found = d.observe([...paused("u1"), ...sessions(clock, [["u2", ["open", "read"]]])]);
    expect([...found, ...d.flush()].map((a) => a.key)).toEqual(["u2"]);
    // The learned timeout survives a restart.
    const other = new SequenceDetector(OPTIONS, clock);
    other.importState(d.exportState());
    expect(other.idleTimeoutSecs).toBe(90);
  });
});

describe("parseSessionKey", () => {
  it("tells fields from regexes", () => {
    expect(parseSessionKey("trace_id")).toEqual({ field: "trace_id" });
    expect(parseSessionKey("field:blk_1")).toEqual({ field: "blk_1" });
    expect(parseSessionKey("blk_-?[0-9]+")).toEqual({ regex: /blk_-?[0-9]+/ });
    expect(parseSessionKey("regex:user")).toEqual({ regex: /user/ });
    expect(() => parseSessionKey("(")).toThrow(/not a valid regex/);
    expect(() => parseSessionKey(" ")).toThrow(/empty/);
  });
});
