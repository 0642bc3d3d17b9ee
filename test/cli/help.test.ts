import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

/** The names under "Commands:" in a help text (without `help` itself). */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((m) => m[1] ?? "")
    .filter((name) => name !== "help");
}

/** The long option names listed under "Options:". */
function optionsIn(help: string): string[] {
  const section = (help.split(/^Options:\n/m)[1] ?? "").split(/^\S/m)[0] ?? "";
  return [...section.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] ?? "");
}

async function help(path: string[]): Promise<string> {
  const { code, stdout } = await runCli([...path, "--help"]);
  expect(code).toBe(0);
  return stdout;
}

/** Every command and subcommand the CLI lists, with its help text. */
async function allCommandHelps(): Promise<Map<string, string>> {
  const helps = new Map<string, string>();
  const top = await help([]);
  await Promise.all(
    commandsIn(top).map(async (name) => {
      const text = await help([name]);
      const subs = commandsIn(text);
      if (subs.length === 0) helps.set(name, text);
      await Promise.all(subs.map(async (sub) => helps.set(`${name} ${sub}`, await help([name, sub]))));
    }),
  );
  return helps;
}

describe("CLI --help", () => {
  it("lists, for each command, only the options that command reads", async () => {
    const helps = await allCommandHelps();
    expect([...helps.keys()]).toEqual(
      expect.arrayContaining(["serve", "analyze", "import", "token create", "anomalies incidents"]),
    );
    for (const [name, text] of helps) {
      const options = optionsIn(text);
      expect(options, name).toContain("--help");
      // Only serve listens; only the long-running commands log.
      if (name !== "serve") expect(options, name).not.toContain("--port");
      if (name !== "serve") expect(options, name).not.toContain("--host");
      if (!["serve", "mcp", "worker triage"].includes(name))
        expect(options, name).not.toContain("--log-level");
    }
    expect(optionsIn(helps.get("serve") ?? "")).toEqual(
      expect.arrayContaining(["--config", "--port", "--host", "--data-dir", "--database-url", "--log-level"]),
    );
  }, 120_000);

  it("documents the columns import reads", async () => {
    const text = await help(["import"]);
    for (const column of [
      "asset_id",
      "hostname",
      "ip",
      "owner",
      "criticality",
      "environment",
      "user_id",
      "email",
      "department",
      "privileged",
      "ioc",
      "type",
      "threat_level",
      "confidence",
      "description",
      "STIX 2.1",
    ])
      expect(text, column).toContain(column);
  }, 30_000);
});
