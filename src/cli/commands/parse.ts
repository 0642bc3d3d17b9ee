import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import type { TemplateMatch } from "../../core/template.js";
import { terminalSafe, terminalSafeJson } from "../../core/terminal-safe.js";
import { mineAll, mineEach } from "../../parsers/drain/batch.js";
import { PREDICTION_HEADER, predictionRow } from "../../parsers/drain/csv-output.js";
import { DrainMiner } from "../../parsers/drain/index.js";
import { RawLineMiner, textLines } from "../../parsers/raw-line-miner.js";

interface ParseOptions {
  contentOnly?: boolean;
  format: string;
  stream: string;
}

const CSV_HELP = `
CSV output is RFC 4180 (a field with a comma, quote or line break is quoted). It is made safe to read:
  - a template's control characters are shown escaped (ESC as \\x1b), so none reaches the terminal;
  - a template starting with = + - @, tab or carriage return gets a leading ' so a spreadsheet
    shows it as text instead of running it as a formula (OWASP's rule against CSV injection).
--format json gives every template exactly as mined.
`;

/**
 * `logwarden parse <file>`: mines templates from a log file (or `-` for stdin) and prints one row per
 * input line with the final template of its cluster, in the LogHub evaluators' format.
 */
export function registerParseCommand(program: Command): void {
  program
    .command("parse")
    .description("mine log templates and print LineId,EventId,EventTemplate for every line")
    .argument("<file>", "log file, or - for standard input")
    .option("--content-only", "lines are message bodies already: do not strip headers")
    .option("--format <format>", "csv | json (json keeps each template exactly; csv: see below)", "csv")
    .option("--stream <name>", "stream name the template ids are derived from", "default")
    .addHelpText("after", CSV_HELP)
    .action(async (file: string, opts: ParseOptions) => {
      if (opts.format !== "csv" && opts.format !== "json") {
        return failLine(`--format must be csv or json, not '${opts.format}'`);
      }
      let input: Readable;
      if (file === "-") input = process.stdin;
      else {
        try {
          // Open first so that a missing or unreadable file is one clear error, not a stream crash.
          const handle = await open(file, "r");
          const stat = await handle.stat();
          if (!stat.isFile()) {
            await handle.close();
            return failLine(`cannot read ${file}: not a regular file`);
          }
          // The handle's own stream closes the handle at the end; a stream on its bare fd would leave the
          // FileHandle to the garbage collector, an uncaught error on Node 26.
          input = handle.createReadStream({ autoClose: true });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          return failLine(`cannot read ${file}: ${code}`);
        }
      }
      const text = await readText(input);
      const miner = new DrainMiner();
      let mined: ReturnType<typeof mineAll>;
      if (opts.contentOnly) mined = mineAll(miner, opts.stream, textLines(text));
      else {
        // Raw lines lose their headers first (the header's time is not converted: bodies are mined), a
        // window of lines at a time (`addText`).
        const rawLines = new RawLineMiner(miner, false);
        const matches: TemplateMatch[] = [];
        rawLines.addText(opts.stream, text, (m) => matches.push(m.match));
        mined = mineEach(miner, opts.stream, matches, (m) => m);
      }
      const out: string[] = [];
      if (opts.format === "csv") {
        out.push(PREDICTION_HEADER);
        mined.forEach((m, i) => {
          out.push(predictionRow(i + 1, m.templateId, m.template));
        });
        process.stdout.write(`${out.join("\n")}\n`);
      } else {
        const rows = mined.map((m, i) => ({ lineId: i + 1, eventId: m.templateId, template: m.template }));
        process.stdout.write(`${terminalSafeJson(JSON.stringify(rows, null, 2))}\n`);
      }
    });
}

/**
 * The whole input as text, its lines ending at `\n` (a `\r` before it dropped, as `addText` reads them)
 * or at a lone `\r`, as the line reader this replaced split them.
 */
async function readText(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return /\r(?!\n)/.test(text) ? text.replace(/\r(?!\n)/g, "\n") : text;
}

function failLine(message: string): void {
  process.stderr.write(`logwarden parse: ${terminalSafe(message)}\n`);
  process.exitCode = 1;
}
