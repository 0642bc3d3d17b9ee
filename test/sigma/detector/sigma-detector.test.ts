import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { FakeClock } from "../../../src/core/clock.js";
import { type ParsedRecord, serviceOf } from "../../../src/core/log-record.js";
import { createDetectors } from "../../../src/detectors/registry.js";
import type { SigmaDetector } from "../../../src/detectors/sigma/detector.js";
import { decodeLine } from "../../../src/parsers/decoders/index.js";

const SHIPPED = fileURLToPath(new URL("../../../rules", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "logwarden-sigma-detector-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let nextId = 1;
function parsed(line: string, observedAt = "2026-03-03T12:00:00Z"): ParsedRecord {
  const decoded = decodeLine(line, { observedAt });
  return {
    ...decoded,
    id: nextId++,
    stream: serviceOf(decoded),
    origin: serviceOf(decoded),
    templateId: "t",
    template: decoded.body,
    params: [],
    templateChange: "none",
  };
}

function sigmaDetector(env: Record<string, string>): SigmaDetector | undefined {
  const clock = new FakeClock("2026-03-03T12:00:00Z");
  return createDetectors(loadConfig({ env }), { clock }).find((d) => d.name === "sigma") as
    | SigmaDetector
    | undefined;
}

const failure = (i: number, user = "root", ip = "203.0.113.9") =>
  `<38>Mar  3 12:00:${String(i).padStart(2, "0")} web1 sshd[${100 + i}]: Failed password for ${user} from ${ip} port 22 ssh2`;

describe("the sigma detector", () => {
  it("is off without SIGMA_RULES_DIR, and with SIGMA_ENABLED=false", () => {
    expect(sigmaDetector({})).toBeUndefined();
    expect(sigmaDetector({ SIGMA_RULES_DIR: SHIPPED, SIGMA_ENABLED: "false" })).toBeUndefined();
    expect(sigmaDetector({ SIGMA_RULES_DIR: SHIPPED })?.status().detail).toMatch(
      /2 rules and 9 correlations loaded, 0 refused/,
    );
  });

  it("a detection rule's match is a finding with title, id, level as severity, tags, matched fields, evidence", () => {
    const rules = join(dir, "win");
    rmSync(rules, { recursive: true, force: true });
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      join(rules, "certutil.yml"),
      `title: Certutil Download
id: 11111111-2222-3333-4444-555555555555
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\certutil.exe'
    CommandLine|windash|contains: ' -urlcache '
  condition: selection
level: high
tags: [attack.command-and-control, attack.t1105]
`,
    );
    const detector = sigmaDetector({ SIGMA_RULES_DIR: rules })!;
    const event = {
      Event: {
        System: { EventID: 1, Channel: "Microsoft-Windows-Sysmon/Operational", Computer: "ws1" },
        EventData: {
          Image: "C:\\Windows\\System32\\certutil.exe",
          CommandLine: "certutil /urlcache -f http://x/a.exe a.exe",
        },
      },
    };
    const benign = {
      Event: {
        ...event.Event,
        EventData: { Image: "C:\\Windows\\System32\\certutil.exe", CommandLine: "certutil -hashfile a" },
      },
    };
    const records = [parsed(JSON.stringify(benign)), parsed(JSON.stringify(event))];
    const found = detector.observe(records);
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f).toMatchObject({
      detector: "sigma",
      type: "sigma",
      severity: "high",
      evidence: [records[1]!.id],
      features: {
        rule_id: "11111111-2222-3333-4444-555555555555",
        rule_title: "Certutil Download",
        level: "high",
        tags: ["attack.command-and-control", "attack.t1105"],
        matched: {
          Image: "C:\\Windows\\System32\\certutil.exe",
          CommandLine: "certutil /urlcache -f http://x/a.exe a.exe",
        },
      },
    });
    // The event's machine (Event.System.Computer) is the record's host (decoders' windows-event.ts).
    expect(f.description).toBe('Sigma rule "Certutil Download" (high) matched on ws1');
    expect(detector.hits().get("11111111-2222-3333-4444-555555555555")?.count).toBe(1);
  });

  it("an informational rule's match is a hit, not a finding (the specification: enrichment, no alerting)", () => {
    const rules = join(dir, "info");
    rmSync(rules, { recursive: true, force: true });
    mkdirSync(rules, { recursive: true });
    for (const level of ["informational", "low"])
      writeFileSync(
        join(rules, `${level}.yml`),
        `title: Logoff (${level})
id: 00000000-0000-0000-0000-00000000000${level === "low" ? 1 : 2}
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4634}
  condition: selection
level: ${level}
`,
      );
    const detector = sigmaDetector({ SIGMA_RULES_DIR: rules })!;
    const logoff = {
      Event: { System: { EventID: 4634, Channel: "Security", Computer: "ws1" }, EventData: {} },
    };
    const found = detector.observe([parsed(JSON.stringify(logoff))]);
    expect(found.map((f) => f.features.level)).toEqual(["low"]);
    expect(detector.hits().get("00000000-0000-0000-0000-000000000002")?.count).toBe(1);
  });

  it("the shipped brute-force correlation: one finding naming the user, citing every failure; the failures alone are none", () => {
    const detector = sigmaDetector({ SIGMA_RULES_DIR: SHIPPED })!;
    const found = detector.observe(Array.from({ length: 10 }, (_, i) => parsed(failure(i))));
    const byRule = found.map((f) => f.features.rule_title);
    expect(byRule).toContain("Brute Force Against One Account");
    expect(byRule).toContain("Brute Force From One Address");
    const user = found.find((f) => f.features.rule_title === "Brute Force Against One Account")!;
    expect(user.features).toMatchObject({
      correlation_type: "event_count",
      group: { user: "root" },
      value: 10,
      user: "root",
      host: "web1",
    });
    expect(user.severity).toBe("high");
    expect(user.evidence).toHaveLength(10);
  });

  it("a restart in the middle of the timespan continues (state saved and restored)", () => {
    const before = sigmaDetector({ SIGMA_RULES_DIR: SHIPPED })!;
    expect(
      before.observe(Array.from({ length: 6 }, (_, i) => parsed(failure(i, "alice", "198.51.100.7")))),
    ).toEqual([]);
    const saved = JSON.parse(JSON.stringify(before.exportState()));
    const after = sigmaDetector({ SIGMA_RULES_DIR: SHIPPED })!;
    after.importState(saved);
    const found = after.observe(
      Array.from({ length: 4 }, (_, i) => parsed(failure(10 + i, "alice", "198.51.100.7"))),
    );
    expect(found.map((f) => f.features.rule_title).sort()).toEqual([
      "Brute Force Against One Account",
      "Brute Force From One Address",
    ]);
    // Five failures then a success of that user: success after failures, critical.
    const success = parsed(
      "<38>Mar  3 12:01:00 web1 sshd[300]: Accepted password for alice from 198.51.100.7 port 22 ssh2",
    );
    const compromised = after.observe([success]);
    expect(compromised.map((f) => [f.features.rule_title, f.severity])).toEqual([
      ["Successful Login After Repeated Failures", "critical"],
    ]);
    expect(compromised[0]!.evidence).toContain(success.id);
  });

  it("the shipped slow-guessing rule: 15 failures over two hours from a few addresses, then a success; not from many", () => {
    // One failure every 8 minutes: never 5 in 15 minutes (the quick rule), 15 within 4 hours.
    const at = (minute: number) =>
      `Mar  3 ${String(8 + Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}:00`;
    const fail = (minute: number, user: string, ip: string) =>
      parsed(
        `<38>${at(minute)} web1 sshd[${400 + minute}]: Failed password for ${user} from ${ip} port 22 ssh2`,
      );
    const accept = (minute: number, user: string, ip: string) =>
      parsed(
        `<38>${at(minute)} web1 sshd[${900 + minute}]: Accepted password for ${user} from ${ip} port 22 ssh2`,
      );
    const guesser = ["198.51.100.20", "198.51.100.21"];
    const detector = sigmaDetector({ SIGMA_RULES_DIR: SHIPPED })!;
    const failures = Array.from({ length: 15 }, (_, k) => fail(k * 8, "carol", guesser[k % 2]!));
    // The same count against dave, one failure from each of 15 addresses: internet noise.
    const noise = Array.from({ length: 15 }, (_, k) => fail(k * 8 + 1, "dave", `203.0.113.${k + 1}`));
    expect(detector.observe([...failures, ...noise])).toEqual([]);
    const found = detector.observe([accept(125, "carol", guesser[0]!), accept(126, "dave", "192.0.2.7")]);
    expect(found.map((f) => [f.features.rule_title, f.features.group, f.severity])).toEqual([
      ["Successful Login After Slow Guessing", { user: "carol" }, "critical"],
    ]);
  });
});
