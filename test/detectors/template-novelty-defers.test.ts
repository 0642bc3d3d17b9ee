import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";

const T0 = Date.parse("2026-03-02T08:00:00Z");
const MONTHS = ["Jan", "Feb", "Mar"];

function syslog(at: number, host: string, program: string, text: string): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${stamp} ${host} ${program}: ${text}`;
}

/** An hour of routine in three streams past their warm-up: app requests, admins' usual sudo, WiFi joins. */
function routine(): string[] {
  const lines: string[] = [];
  const admins = ["alice", "bob", "carol"];
  for (let i = 0; i < 1_500; i++) {
    const at = T0 + i * 2_400;
    const who = admins[i % 3]!;
    lines.push(syslog(at, "web-1", "app[10]", `request ${i} served in ${i % 90} ms`));
    lines.push(
      syslog(
        at + 1,
        "web-1",
        "sudo",
        `${who} : TTY=pts/0 ; PWD=/home/${who} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`,
      ),
    );
    const station = `02:00:00:00:${String(i % 60).padStart(2, "0")}:${String(i % 90).padStart(2, "0")}`;
    lines.push(syslog(at + 2, "ap-1", "hostapd", `wlan0: STA ${station} IEEE 802.11: associated (aid 3)`));
  }
  return lines;
}

describe("new_template leaves the lines security rules read to them", () => {
  it("reports a new application message, not a first sudo command or a first WiFi kick", async () => {
    const end = T0 + 1_500 * 2_400;
    const lines = [
      ...routine(),
      syslog(
        end + 1_000,
        "web-1",
        "sudo",
        "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/tail -n 50 /var/log/syslog",
      ),
      syslog(
        end + 2_000,
        "ap-1",
        "hostapd",
        "wlan0: STA 02:00:00:00:00:07 IEEE 802.11: deauthenticated due to local deauth request",
      ),
      syslog(end + 3_000, "web-1", "app[10]", "database connection pool exhausted after 30 s"),
    ];
    const report = await analyzeLines(lines, createProcessor(configSchema.parse({})), {
      defaultService: "syslog",
    });
    const novel = report.anomalies
      .filter((a) => a.detector === "new_template")
      .map((a) => a.explanation.summary);
    expect(novel).toHaveLength(1);
    expect(novel[0]).toMatch(/database connection pool exhausted/);
  });
});
