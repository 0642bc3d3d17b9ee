import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { registerRulesCommand } from "../../src/cli/commands/rules.js";
import { splitJsonValues } from "../../src/sigma/json-events.js";
import { runCli } from "../helpers/cli.js";
import { needSharedDatasets, sharedDatasetPath } from "../helpers/shared-datasets.js";
import { regressionCases, ruleFilesWithIds } from "./regression-data.js";

const dir = mkdtempSync(join(tmpdir(), "logwarden-rules-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  rules: {
    loaded: number;
    correlations: number;
    refused: { source: string; kind: string; reason: string }[];
  };
  events: { event: number; matched: string[]; correlations: string[] }[];
}

/** The command run in this process (a CLI process costs seconds of imports): its output and exit status. */
async function runInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command("logwarden").exitOverride();
  registerRulesCommand(program);
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const previous = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    await program.parseAsync(["rules", "test", ...args], { from: "user" });
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = previous;
  return { code, stdout, stderr };
}

describe("logwarden rules test", () => {
  it("prints per line the rules matched and per refused rule why; exit 0 whatever matched", async () => {
    const rules = join(dir, "small");
    mkdirSync(join(rules, "linux"), { recursive: true });
    writeFileSync(
      join(rules, "linux", "ssh.yml"),
      "title: libcrypto\nid: ssh-1\nlogsource: {product: linux, service: sshd}\ndetection:\n  kw:\n    - 'error in libcrypto'\n  condition: kw\n",
    );
    writeFileSync(
      join(rules, "root.yml"),
      "title: root login\nid: root-1\nlogsource: {product: linux, service: auth}\ndetection:\n  sel:\n    user: root\n    auth_outcome: failure\n  condition: sel\n",
    );
    writeFileSync(
      join(rules, "bad.yml"),
      "title: bad\nid: bad-1\nlogsource: {product: linux}\ndetection:\n  sel:\n    x|nosuchmod: 1\n  condition: sel\n",
    );
    const events = join(dir, "auth.log");
    writeFileSync(
      events,
      [
        "<38>Nov 28 08:00:01 web1 sshd[123]: fatal: error in libcrypto",
        "<38>Nov 28 08:00:02 web1 sshd[124]: Failed password for root from 203.0.113.9 port 22 ssh2",
        "<38>Nov 28 08:00:03 web1 sshd[125]: Accepted password for root from 203.0.113.9 port 22 ssh2",
      ].join("\n"),
    );
    const json = await runInProcess(["--rules", rules, "--format", "json", events]);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.rules.loaded).toBe(2);
    expect(report.rules.refused).toMatchObject([
      { source: "bad.yml", kind: "modifier", reason: expect.stringMatching(/nosuchmod/) },
    ]);
    expect(report.events.map((e) => e.matched)).toEqual([["ssh-1"], ["root-1"], []]);

    const text = await runInProcess(["--rules", rules, events]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("refused bad.yml (bad-1): modifier: unknown modifier 'nosuchmod'");
    expect(text.stdout).toMatch(/^event 1: ssh-1$/m);
    expect(text.stdout).toMatch(/^event 3: -$/m);

    // expand: refused without placeholder values, evaluated with them.
    writeFileSync(
      join(rules, "admins.yml"),
      "title: admin login\nid: admin-1\nlogsource: {product: linux, service: auth}\ndetection:\n  sel:\n    user|expand: '%Admins%'\n  condition: sel\n",
    );
    const without = JSON.parse(
      (await runInProcess(["--rules", rules, "--format", "json", events])).stdout,
    ) as Report;
    expect(without.rules.refused.map((r) => r.reason)).toContainEqual(
      expect.stringMatching(/%Admins% has no values/),
    );
    const placeholders = join(dir, "placeholders.yml");
    writeFileSync(placeholders, "Admins: [root, toor]\n");
    const withValues = JSON.parse(
      (await runInProcess(["--rules", rules, "--placeholders", placeholders, "--format", "json", events]))
        .stdout,
    ) as Report;
    expect(withValues.rules.refused.map((r) => r.source)).toEqual(["bad.yml"]);
    expect(withValues.events.map((e) => e.matched.includes("admin-1"))).toEqual([false, true, true]);

    const missing = await runInProcess(["--rules", join(dir, "nope"), events]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot load rules|not a folder/);
  });

  const need = needSharedDatasets(
    "logwarden rules test on SigmaHQ's regression cases",
    "sigma/regression_data",
    "sigma/rules",
  );
  it.skipIf(need.skip)("matches every regression case's events with its rule", async () => {
    need.assertPresent();
    const cases = regressionCases(sharedDatasetPath("sigma/regression_data/rules"));
    const rules = join(dir, "regression");
    mkdirSync(rules, { recursive: true });
    for (const [i, r] of ruleFilesWithIds(
      sharedDatasetPath("sigma/rules"),
      new Set(cases.map((c) => c.ruleId)),
    ).entries())
      writeFileSync(join(rules, `r${i}.yml`), r.text);
    // Every case's events in one file, one JSON event per line, remembering which lines are whose.
    const lines: string[] = [];
    const owner: string[] = [];
    for (const c of cases)
      for (const t of c.tests)
        for (const event of splitJsonValues(readFileSync(t.file, "utf8"))) {
          lines.push(JSON.stringify(event));
          owner.push(c.ruleId);
        }
    const events = join(dir, "regression.ndjson");
    writeFileSync(events, lines.join("\n"));
    const run = await runCli(["rules", "test", "--rules", rules, "--format", "json", events]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.rules.refused).toEqual([]);
    const matchedOwn = new Set<string>();
    report.events.forEach((e, i) => {
      if (e.matched.includes(owner[i]!)) matchedOwn.add(owner[i]!);
    });
    expect(cases.filter((c) => !matchedOwn.has(c.ruleId)).map((c) => c.dir)).toEqual([]);
  });
});
