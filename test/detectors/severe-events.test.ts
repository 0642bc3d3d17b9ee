import { describe, expect, it } from "vitest";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { callerCause, isReadoutLine } from "../../src/detectors/readout-line.js";
import { SevereEventsDetector } from "../../src/detectors/severe-events.js";

const T0 = Date.parse("2026-03-02T00:00:00Z");
let nextId = 1;

function line(
  at: number,
  body: string,
  opts: { host?: string; level?: string; number?: number; templateId?: string; stream?: string } = {},
): ParsedRecord {
  const ts = isoUtc(at);
  const stream = opts.stream ?? "bgl";
  return {
    id: nextId++,
    timestamp: ts,
    observedTimestamp: ts,
    severityText: opts.level ?? "FATAL",
    severityNumber: opts.number ?? 21,
    body,
    attributes: {},
    resource: { "service.name": stream, ...(opts.host ? { "host.name": opts.host } : {}) },
    stream,
    origin: stream,
    templateId: opts.templateId ?? body,
    template: body,
    params: [],
    templateChange: "none",
  };
}

const detector = () => new SevereEventsDetector({ gapSecs: 1800 });

describe("severe_events", () => {
  it("raises a first FATAL line at once, says its message is new, and ignores lines below CRITICAL", () => {
    const d = detector();
    const info = Array.from({ length: 5 }, (_, i) =>
      line(T0 + i * 1000, "cache parity corrected", { level: "INFO", number: 9 }),
    );
    const errors = [line(T0 + 6000, "retrying send", { level: "ERROR", number: 17 })];
    expect(d.observe([...info, ...errors])).toEqual([]);
    const fatal = line(T0 + 7000, "data TLB error interrupt", { host: "R30-M0-N9" });
    const [finding, ...more] = d.observe([fatal]);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ detector: "severe_events", evidence: [fatal.id], service: "bgl" });
    expect(finding!.severity).toBe("high");
    expect(finding!.description).toContain("never seen before");
    expect(finding!.features.host).toBe("R30-M0-N9");
    expect(finding!.features.first_seen_templates).toBe(1);
  });

  it("makes a burst on one machine one finding naming it, whatever messages it logs, and merges its growth", () => {
    const d = detector();
    const host = "R02-M1-N0-C:J12-U11";
    const first = [
      line(T0, "rts panic! - stopping execution", { host }),
      line(T0 + 2000, "rts: kernel terminated for reason 1001", { host }),
      line(T0 + 4000, "data TLB error interrupt", { host }),
    ];
    const [a] = d.observe(first);
    expect(a!.features.host).toBe(host);
    expect(a!.features.lines).toBe(3);
    expect(a!.evidence).toEqual(first.map((r) => r.id));
    expect(a!.description).toContain(`on ${host}`);
    const later = [
      line(T0 + 60_000, "data TLB error interrupt", { host }),
      line(T0 + 61_000, "rts panic! - stopping execution", { host }),
    ];
    const [b] = d.observe(later);
    // The same episode: the same key, so the store merges it into the open finding.
    expect(b!.key).toBe(a!.key);
    expect(b!.features.lines).toBe(5);
    expect(b!.evidence).toEqual([...first, ...later].map((r) => r.id));
    // Known messages only in the second report's additions: still the same episode, not "new".
    expect(d.observe([])).toEqual([]);
  });

  it("groups one message on many machines into one finding listing them, and keeps unrelated failures apart", () => {
    const d = detector();
    const storm = Array.from({ length: 6 }, (_, i) =>
      line(T0 + i * 5000, "data storage interrupt", { host: `node-${i}` }),
    );
    const other = line(T0 + 3000, "Lustre mount FAILED : bglio11", { host: "io-7" });
    const findings = d.observe([...storm, other]);
    expect(findings).toHaveLength(2);
    const byLines = findings.sort((x, y) => Number(y.features.lines) - Number(x.features.lines));
    expect(byLines[0]!.features.machine_count).toBe(6);
    expect(byLines[0]!.description).toContain("on 6 machines");
    expect(byLines[1]!.evidence).toEqual([other.id]);
  });

  it("starts a new episode after a quiet gap and leaves register readouts out", () => {
    const d = detector();
    const [a] = d.observe([line(T0, "data TLB error interrupt", { host: "n1" })]);
    const readouts = [
      line(T0 + 1000, "machine state register: 0x00002000", { host: "n2" }),
      line(T0 + 2000, "floating pt ex mode 0 enable......0", { host: "n3" }),
      line(T0 + 3000, "lr:00004ed8 cr:28000002 xer:20000002 ctr:00000000", { host: "n4" }),
    ];
    expect(d.observe(readouts)).toEqual([]);
    const [b] = d.observe([line(T0 + 3 * 3_600_000, "data TLB error interrupt", { host: "n1" })]);
    expect(b!.key).not.toBe(a!.key);
    expect(b!.description).not.toContain("never seen before");
    expect(d.status().detail).toContain("3 readout line(s)");
  });

  it("reports a FATAL line that blames its caller (a missing file, a permission) low, and the system's own failure high", () => {
    const d = detector();
    const [caller] = d.observe([
      line(
        T0,
        "ciod: Error loading /home/x/a.rts: invalid or missing program image, No such file or directory",
        {
          host: "io-1",
          templateId: "load",
        },
      ),
    ]);
    expect(caller!.severity).toBe("low");
    expect(caller!.features.caller_error).toBe(true);
    expect(caller!.description).toContain("the caller's error: No such file or directory");
    const [system] = d.observe([
      line(T0 + 1000, "ciod: LOGIN chdir(/p/gb1) failed: Input/output error", {
        host: "io-2",
        templateId: "chdir",
      }),
    ]);
    expect(system!.severity).toBe("high");
    expect(system!.features.caller_error).toBe(false);
  });

  it("reports a caller's error the first time its message is logged, not its repeats, unless a system failure joins them", () => {
    const d = detector();
    const chdir = (at: number, path: string, host: string) =>
      line(at, `ciod: LOGIN chdir(${path}) failed: No such file or directory`, { host, templateId: "chdir" });
    const hour = 3_600_000;
    expect(d.observe([chdir(T0, "/home/a", "io-1")])).toHaveLength(1);
    // Hours later, other users make the same mistake on other nodes: routine, as a web server's 404s are.
    expect(
      d.observe([chdir(T0 + 2 * hour, "/home/b", "io-2"), chdir(T0 + 2 * hour + 5000, "/p/c", "io-3")]),
    ).toEqual([]);
    expect(d.status().detail).toContain("2 repeat(s) of caller's errors");
    // Another caller's error, never logged before, is reported once as well.
    const [other] = d.observe([
      line(
        T0 + 3 * hour,
        "ciod: Error loading /x/a.out: invalid or missing program image, Permission denied",
        {
          host: "io-4",
          templateId: "load",
        },
      ),
    ]);
    expect(other!.description).toContain("never seen before");
    // A known caller's error on a node that then fails on its own: the episode is a finding, both lines cited.
    const repeat = chdir(T0 + 5 * hour, "/home/d", "io-5");
    expect(d.observe([repeat])).toEqual([]);
    const failure = line(T0 + 5 * hour + 1000, "ciod: LOGIN chdir(/p/gb1) failed: Input/output error", {
      host: "io-5",
      templateId: "chdir-io",
    });
    const [joined] = d.observe([failure]);
    expect(joined!.evidence).toEqual([repeat.id, failure.id]);
    expect(joined!.severity).not.toBe("low");
    // Counted across a restart.
    const restored = detector();
    restored.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(restored.status().detail).toContain("3 repeat(s) of caller's errors");
  });

  it("names the unit of work its lines are about (a pod, a block), as incidents group them", () => {
    const crash = { ...line(T0, "back-off restarting failed container", { host: "node-3" }) };
    crash.params = [{ value: "checkout-7d9c8b6f5-x2k4q", type: null }];
    const [finding] = detector().observe([crash]);
    expect(finding!.features.pod).toBe("checkout-7d9c8b6f5-x2k4q");
    expect(finding!.features.work).toEqual([{ kind: "pod", id: "checkout-7d9c8b6f5-x2k4q", lines: 1 }]);
  });

  it("judges CRITICAL lines too, below FATAL", () => {
    const [finding] = detector().observe([
      line(T0, "disk controller offline", { level: "CRITICAL", number: 18, host: "db1" }),
    ]);
    expect(finding!.severity).toBe("high");
    expect(finding!.description).toContain("1 CRITICAL line");
  });

  it("continues an episode across a restart (exported and imported state)", () => {
    const d = detector();
    const [a] = d.observe([line(T0, "data TLB error interrupt", { host: "n1" })]);
    const restored = detector();
    restored.importState(JSON.parse(JSON.stringify(d.exportState())));
    const [b] = restored.observe([line(T0 + 10_000, "data TLB error interrupt", { host: "n1" })]);
    expect(b!.key).toBe(a!.key);
    expect(b!.features.lines).toBe(2);
    // Partitioned: the stream's value alone carries the episode to another instance.
    const handedOver = detector();
    handedOver.importStream("bgl", d.exportStreams(new Set(["bgl"])).get("bgl")!);
    const [c] = handedOver.observe([line(T0 + 20_000, "data TLB error interrupt", { host: "n1" })]);
    expect(c!.key).toBe(a!.key);
  });

  it("takes back a batch whose store transaction failed", () => {
    const d = detector();
    d.observe([line(T0, "data TLB error interrupt", { host: "n1" })]);
    const before = JSON.stringify(d.exportState());
    d.undo.begin();
    d.observe([line(T0 + 1000, "rts panic! - stopping execution", { host: "n1" })]);
    d.undo.rollback();
    expect(JSON.stringify(d.exportState())).toBe(before);
  });
});

describe("callerCause", () => {
  it("reads the caller's errno at the end of a line only", () => {
    expect(callerCause("open /etc/x: Permission denied")).toBe("Permission denied");
    expect(callerCause("chdir(/a) failed: No such file or directory ")).toBe("No such file or directory");
    expect(callerCause("write failed: Input/output error")).toBeNull();
    expect(callerCause("No such file or directory, then the disk died")).toBeNull();
  });
});

describe("isReadoutLine", () => {
  it("knows names-and-values dumps from events", () => {
    for (const readout of [
      "instruction address: 0x00004ed8",
      "special purpose registers:",
      "store operation.............................1",
      "size of scratchpad portion of L3.........0 (0M)",
      "r24=0x00000000 r25=0x1eef0000 r26=0x00000004",
      "RAX: 0000000000000000 RBX: ffff888003a1c000 RCX: 0000000000000001",
    ])
      expect(isReadoutLine(readout), readout).toBe(true);
    for (const event of [
      "data TLB error interrupt",
      "rts: kernel terminated for reason 1001",
      "connection refused: 10",
      "Lustre mount FAILED : bglio11 : point /p/gb1",
      "ciod: Error reading message prefix on CioStream socket to 172.16.96.116:33569, Link has been severed",
      "",
    ])
      expect(isReadoutLine(event), event).toBe(false);
  });

  it("answers hostile lines at once (one way to split names and values)", () => {
    for (const hostile of [
      "a=1".repeat(66),
      `${".".repeat(150)}x`,
      `a${"a1".repeat(90)}:`,
      `${"x ".repeat(80)}......`,
    ])
      expect(isReadoutLine(hostile)).toBe(false);
  });
});
