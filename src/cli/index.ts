#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerAnalyzeCommand } from "./commands/analyze.js";
import { registerBatchCommand } from "./commands/batch.js";
import { registerDbCommand } from "./commands/db.js";
import { registerParseCommand } from "./commands/parse.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerTokenCommand } from "./commands/token.js";
import { registerTrainCommand } from "./commands/train.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command("logwarden")
  .description("Logwarden finds what is abnormal in logs and helps people act on it.")
  .version(pkg.version)
  .showHelpAfterError();

registerServeCommand(program);
registerAnalyzeCommand(program);
registerBatchCommand(program);
registerParseCommand(program);
registerTrainCommand(program);
registerDbCommand(program);
registerTokenCommand(program);

await program.parseAsync();
