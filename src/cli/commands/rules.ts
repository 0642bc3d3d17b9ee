import type { Command } from "commander";
import type { TestOptions } from "./rules-test.js";

const HELP = `
EVENTS is a file (or - for standard input) of JSON events (one per line, an array, or objects one after
the other) or of log lines (syslog, auth.log …). Each is decoded as ingest decodes it, then read through the
field mappings (config/sigma, and --mappings first). Every event gets a line with the rules it matched and
the correlations it completed; every rule that could not be loaded gets a line saying why.
The exit status is 0 whatever matched; 1 only when the rules or the events cannot be read.
`;

/** `logwarden rules test --rules DIR EVENTS`: which Sigma rules match which events, and which rules did not load. */
export function registerRulesCommand(program: Command): void {
  const rules = program.command("rules").description("Sigma detection and correlation rules");
  rules
    .command("test")
    .description("run Sigma rules over a file of events and print what matched")
    .requiredOption("--rules <dir>", "folder of Sigma rules (.yml, read recursively)")
    .option("--mappings <dir>", "folder of extra field mappings, tried before the shipped ones")
    .option("--placeholders <file>", "YAML of values for expand placeholders (name: [values])")
    .option("--format <format>", "text | json", "text")
    .argument("<events>", "file of JSON events or log lines, or - for standard input")
    .addHelpText("after", HELP)
    .action(async (events: string, opts: TestOptions) => {
      const { runRulesTest } = await import("./rules-test.js");
      runRulesTest(events, opts);
    });
}
