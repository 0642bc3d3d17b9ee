#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerAnalyzeCommand } from "./commands/analyze.js";
import { registerAnomaliesCommand } from "./commands/anomalies.js";
import { registerBatchCommand } from "./commands/batch.js";
import { registerDbCommand } from "./commands/db.js";
import { registerImportCommand } from "./commands/import.js";
import { registerLogsCommand } from "./commands/logs.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerParseCommand } from "./commands/parse.js";
import { registerRulesCommand } from "./commands/rules.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerSuppressionsCommand } from "./commands/suppressions.js";
import { registerTokenCommand } from "./commands/token.js";
import { registerTrainCommand } from "./commands/train.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { exitAfterFlush, exitQuietlyOnClosedPipe } from "./exit.js";

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
registerRulesCommand(program);
registerTrainCommand(program);
registerDbCommand(program);
registerTokenCommand(program);
registerSuppressionsCommand(program);
registerAnomaliesCommand(program);
registerLogsCommand(program);
registerImportCommand(program);
registerMcpCommand(program);
registerWorkerCommand(program);

// Commands that keep running after their action returns (a listening server, an MCP session).
const LONG_RUNNING = new Set(["serve", "mcp", "worker"]);

// A short-lived command ends the process itself once its action is done. Waiting for the event loop to
// drain would also tear the V8 heap down, and on Node 24 better-sqlite3's statement destructors then
// abort the process (they run after node's environment is gone); an explicit exit skips that teardown.
// The exit waits until stdout and stderr are flushed: on a pipe whose reader lags, output past the pipe's
// 64 KiB buffer is still queued in the stream when the action returns.
program.hook("postAction", async (_program, action) => {
  const command = action.parent && action.parent !== program ? action.parent.name() : action.name();
  if (!LONG_RUNNING.has(command)) await exitAfterFlush(Number(process.exitCode ?? 0));
});

exitQuietlyOnClosedPipe();

await program.parseAsync();
