/** Markdown for the organisation benchmark: recall per attack kind, unmatched findings per day, why. */
import { machineLine, table } from "../../lib/report.js";
import { ATTACK_KINDS } from "./attacks.js";
import { SLACK_MS, type UnmatchedGroup, type WeekScore } from "./score.js";
import type { BenchRun } from "./shapes.js";

export interface RunResult {
  run: BenchRun;
  lines: number;
  users: number;
  analysisSecs: number;
  /** Incidents `analyze` grouped the findings into, and how many of them match no attack. */
  incidents: { total: number; unmatched: number };
  score: WeekScore;
}

const perDay = (n: number, days: number) => (n / days).toFixed(1);

export function renderSet(title: string, results: readonly RunResult[], topGroups: number): string {
  const days = results.reduce((s, r) => s + r.score.days, 0);
  const runs = results.map((r) => `${r.run.shape} seed ${r.run.seed}`).join(", ");
  const recallRows = ATTACK_KINDS.map((kind) => {
    const injected = results.reduce((s, r) => s + r.score.recall[kind].injected, 0);
    const caught = results.reduce((s, r) => s + r.score.recall[kind].caught, 0);
    return [`\`${kind}\``, injected, caught, injected ? `${Math.round((100 * caught) / injected)} %` : "—"];
  });
  const byDetector = new Map<string, number>();
  const duringAttack = new Map<string, number>();
  const groups = new Map<string, UnmatchedGroup>();
  for (const r of results) {
    for (const [d, n] of r.score.unmatchedByDetector) byDetector.set(d, (byDetector.get(d) ?? 0) + n);
    for (const [d, n] of r.score.unmatchedDuringAttack) duringAttack.set(d, (duringAttack.get(d) ?? 0) + n);
    for (const g of r.score.groups) {
      const id = `${g.detector}\u0000${g.reason}\u0000${g.about}`;
      const known = groups.get(id);
      if (known) known.count += g.count;
      else groups.set(id, { ...g });
    }
  }
  const unmatched = results.reduce((s, r) => s + r.score.unmatched, 0);
  const findings = results.reduce((s, r) => s + r.score.findings, 0);
  const incidents = results.reduce((s, r) => s + r.incidents.total, 0);
  const unmatchedIncidents = results.reduce((s, r) => s + r.incidents.unmatched, 0);
  const detectorRows = [...byDetector.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([d, n]) => [`\`${d}\``, n, perDay(n, days), duringAttack.get(d) ?? 0]);
  const groupRows = [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, topGroups)
    .map((g) => [
      `\`${g.detector}\``,
      g.about,
      `\`${g.reason.replaceAll("|", "\\|")}\``,
      perDay(g.count, days),
      g.example.replaceAll("|", "\\|"),
    ]);
  return [
    `## Organisation security benchmark — ${title.toLowerCase()} (\`bench/detect/org/\`)`,
    "",
    machineLine(),
    "",
    `${runs}: ${results.length} simulated weeks of ${results[0]?.users ?? 0} people, ` +
      `${results.map((r) => r.lines).join(" + ")} RFC 3164 lines (sshd, PAM, sudo, su, passwd/chpasswd, useradd/usermod, ` +
      "CRON, systemd-logind, hostapd; stamped in UTC, people's hours in their own zones), through `analyzeLines` " +
      `(what \`logwarden analyze\` runs) with default options in ${results.map((r) => r.analysisSecs.toFixed(1)).join(" + ")} s. ` +
      `A finding matches an attack when it names one of the attack's entities (user, address, host, access point, station) ` +
      `between a minute before the attack and ${SLACK_MS / 60_000} min after it, whichever detector raised it ` +
      "(a finding that names no user or address, such as a volume spike, names the host most of its records came from, " +
      "as `analyze` groups incidents).",
    "",
    table(["attack kind", "injected", "caught", "recall"], recallRows),
    "",
    `**${perDay(unmatched, days)} unmatched findings per day** (${unmatched} of ${findings} findings over ${days} days match no attack); ` +
      `**${perDay(unmatchedIncidents, days)} unmatched incidents per day** (findings about one user, address or host ` +
      `within 30 min, as \`analyze\` groups them: ${perDay(incidents, days)} incidents a day in all). Per week: ${results.map((r) => `seed ${r.run.seed} ${perDay(r.score.unmatched, r.score.days)}/day`).join(", ")}.`,
    "",
    table(["detector", "unmatched", "per day", "of which during an attack"], detectorRows),
    "",
    "*Of which during an attack*: unmatched findings inside some attack's window that name none of its " +
      "entities, such as a volume spike keyed on a service or template while a brute force ran. Entity " +
      "scoring counts them as noise: nobody could tell from them which account or address to look at.",
    "",
    `Top unmatched findings, grouped by detector and masked reason (*about* is whose habit or which kind of address it is):`,
    "",
    table(
      ["detector", "about", "reason", "per day", "example (summary and what the detector expected)"],
      groupRows,
    ),
  ].join("\n");
}
