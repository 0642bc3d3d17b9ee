import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.js";
import { FakeClock } from "../../../src/core/clock.js";
import { BruteForceDetector } from "../../../src/detectors/auth/brute-force.js";
import { PasswordSprayingDetector } from "../../../src/detectors/auth/password-spraying.js";
import { createProcessor } from "../../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../../src/service/analyze.js";
import { loghubFile } from "../../helpers/loghub.js";
import { lineAt } from "../records.js";

// Old Red Hat style, as in LogHub's Linux log: only PAM writes the failure.
const pamOnly = (pid: number, ip: string, user = "root") =>
  `Jun 14 15:16:01 combo sshd(pam_unix)[${pid}]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=${ip}  user=${user}`;
// A current sshd: PAM's line, then sshd's own line for the same attempt, from the same process.
const pamModern = (pid: number, ip: string, user = "root") =>
  `Mar  1 03:14:07 bastion sshd[${pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`;
const own = (pid: number, ip: string, user = "root") =>
  `Mar  1 03:14:07 bastion sshd[${pid}]: Failed password for ${user} from ${ip} port 4000 ssh2`;

const make = () => new BruteForceDetector({ windowSecs: 300, threshold: 10, maxKeys: 100 });

function failuresCounted(d: BruteForceDetector): number {
  return Number((d.exportState() as { failures: number }).failures);
}

describe("sshd failures counted once, whichever forms a host writes", () => {
  it("counts PAM-only failures (a host that never writes sshd's own line)", () => {
    const clock = new FakeClock();
    const d = make();
    const out = [];
    for (let i = 0; i < 10; i++) {
      out.push(...d.observe([lineAt(clock, pamOnly(1000 + i, "218.188.2.4"))]));
      clock.advance(1000);
    }
    expect(failuresCounted(d)).toBe(10);
    expect(out.map((a) => a.key).sort()).toEqual(["ip:218.188.2.4", "user:root"]);
  });

  it("counts an attempt once when a host writes both PAM's line and sshd's own", () => {
    const clock = new FakeClock();
    const d = make();
    const out = [];
    for (let i = 0; i < 9; i++) {
      out.push(
        ...d.observe([
          lineAt(clock, pamModern(2000 + i, "203.0.113.9")),
          lineAt(clock, own(2000 + i, "203.0.113.9")),
        ]),
      );
      clock.advance(1000);
    }
    // Nine attempts written twice each: nine failures, below the threshold of ten.
    expect(failuresCounted(d)).toBe(9);
    expect(out).toEqual([]);
  });

  it("remembers across a restart that a host writes both forms", () => {
    const clock = new FakeClock();
    const d = make();
    d.observe([lineAt(clock, pamModern(1, "203.0.113.9")), lineAt(clock, own(1, "203.0.113.9"))]);
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    clock.advance(1000);
    copy.observe([lineAt(clock, pamModern(2, "203.0.113.9")), lineAt(clock, own(2, "203.0.113.9"))]);
    expect(failuresCounted(copy)).toBe(2);
  });

  it("counts PAM-only failures for password spraying too", () => {
    const clock = new FakeClock();
    const d = new PasswordSprayingDetector({ windowSecs: 600, minUsers: 5, maxKeys: 100 });
    const out = [];
    for (let i = 0; i < 6; i++) {
      out.push(...d.observe([lineAt(clock, pamOnly(3000 + i, "198.51.100.7", `user${i}`))]));
      clock.advance(1000);
    }
    expect(out.map((a) => a.detector)).toContain("password_spraying");
  });

  it("finds the brute force in LogHub's Linux log (PAM lines only)", async () => {
    const text = readFileSync(loghubFile("Linux"), "utf8");
    const lines = text.split("\n").filter(Boolean);
    const result = await analyzeLines(lines, createProcessor(configSchema.parse({})));
    const brute = result.anomalies.filter((a) => a.detector === "brute_force");
    expect(brute.length).toBeGreaterThan(0);
    expect(brute.map((a) => a.key)).toContain("ip:218.188.2.4");
  });
});
