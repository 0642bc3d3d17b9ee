import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import { lineAt, series } from "../records.js";
import { successAfterFailures } from "./auth-detectors.js";

const failed = (user: string, ip: string) =>
  `Mar  1 03:14:07 bastion sshd[22]: Failed password for ${user} from ${ip} port 4000 ssh2`;
const accepted = (user: string, ip: string) =>
  `Mar  1 03:14:07 bastion sshd[22]: Accepted password for ${user} from ${ip} port 4000 ssh2`;

const make = () => successAfterFailures();

const MIN = 60_000;
/** Three addresses in turn: a workstation on the office LAN and two rented servers. */
const GUESSERS = ["10.20.11.57", "185.220.101.4", "5.188.62.11"];

describe("success_after_failures: slow guessing", () => {
  it("reports a success after 30 failures spread over 100 minutes from three addresses, none 5 in 15 min", () => {
    const clock = new FakeClock("2026-03-02T09:00:00Z");
    const d = make();
    // One failure every 3 min 20 s: at most 4 in any 15 minutes, under the quick rule's 5.
    const guesses = series(clock, 30, 200_000, (i) => failed("erin", GUESSERS[i % 3]!));
    expect(d.observe(guesses)).toEqual([]);
    clock.advance(4 * MIN);
    const out = d.observe([lineAt(clock, accepted("erin", "10.20.11.57"))]);
    expect(out).toHaveLength(1);
    const f = out[0]!;
    expect(f).toMatchObject({ detector: "success_after_failures", key: "user:erin" });
    expect(["high", "critical"]).toContain(f.severity);
    expect(f.features).toMatchObject({
      failures_before: 30,
      failing_sources: 3,
      slow_guessing: true,
      window_secs: 14_400,
    });
    expect(f.explanation.summary).toMatch(
      /after 30 failed attempts over \d+ min from 3 address\(es\): slow guessing/,
    );
    // Reported once: the failures are forgotten.
    clock.advance(MIN);
    expect(d.observe([lineAt(clock, accepted("erin", "10.20.11.57"))])).toEqual([]);
  });

  it("ignores the same count from many addresses (internet noise at root) and a day's few typos", () => {
    const clock = new FakeClock("2026-03-02T09:00:00Z");
    const d = make();
    const noise = series(clock, 30, 200_000, (i) => failed("root", `198.51.100.${i + 1}`));
    expect(d.observe(noise)).toEqual([]);
    expect(d.observe([lineAt(clock, accepted("root", "10.20.0.5"))])).toEqual([]);
    // Eight typos over four hours from the user's own desk: below the slow rule's 15.
    const typos = series(clock, 8, 30 * MIN, () => failed("frank", "10.20.12.9"));
    expect(d.observe(typos)).toEqual([]);
    expect(d.observe([lineAt(clock, accepted("frank", "10.20.12.9"))])).toEqual([]);
  });

  it("keeps the slow horizon's failures across export and import", () => {
    const clock = new FakeClock("2026-03-02T09:00:00Z");
    const d = make();
    d.observe(series(clock, 20, 300_000, () => failed("gina", "203.0.113.40")));
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    const out = copy.observe([lineAt(clock, accepted("gina", "203.0.113.40"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ failures_before: 20, slow_guessing: true });
  });
});
