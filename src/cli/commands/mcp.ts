import type { Command } from "commander";
import { addConfigOptions, addLoggingOptions, configFromFlags, fail } from "../config-flags.js";
import { stopOnce } from "../shutdown.js";

/**
 * `logwarden mcp`: the MCP server over stdio (contracts §3.6), for clients such as Claude Desktop
 * that launch it as a process. It opens the runtime (store, pipeline, models) without the HTTP
 * server. stdout carries only the protocol; logs go to stderr.
 */
export function registerMcpCommand(program: Command): void {
  addLoggingOptions(addConfigOptions(program.command("mcp")))
    .description("serve the MCP server (tools for AI assistants) over stdio")
    .action(async (flags) => {
      const config = await configFromFlags(flags).catch(fail);
      const [
        { StdioServerTransport },
        { createRuntime },
        { createLogger },
        { createMcpServer },
        { STDIO_CALLER },
        { PACKAGE_VERSION },
        { prepareReadableFolder },
      ] = await Promise.all([
        import("@modelcontextprotocol/sdk/server/stdio.js"),
        import("../../runtime/create-runtime.js"),
        import("../../telemetry/logger.js"),
        import("../../mcp/server.js"),
        import("../../mcp/context.js"),
        import("../../mcp/version.js"),
        import("../../mcp/file-access.js"),
      ]);
      // fd 2: a log line on stdout would corrupt the protocol.
      const log = createLogger(config.logLevel, 2, config.logFormat);
      // Beside a running `serve` on the same store, this process only reads (createRuntime's `RuntimeRole`).
      const rt = await createRuntime(config, log, undefined, { yieldToServer: true }).catch(fail);
      const running = rt.besideServer;
      if (running)
        log.info(
          { server_pid: running.pid, server_host: running.host, server_port: running.port },
          "MCP: a Logwarden server is running on this store, so this process only reads it: no pipeline, " +
            "no sealing, no triage consumers; analyses run in memory and persist: true is refused",
        );
      // Out of the box, analyze_log_file reads ./logs: made here when it is the default and missing.
      const created = await prepareReadableFolder(config.mcp, (error, dir) =>
        log.warn(
          { err: error, dir },
          "MCP: cannot create the folder analyze_log_file reads; set MCP_ALLOWED_DIRS to one that exists",
        ),
      );
      if (created)
        log.info({ dir: created }, "MCP: analyze_log_file reads the log files put in this folder (created)");
      const server = createMcpServer(rt, STDIO_CALLER, PACKAGE_VERSION);
      const transport = new StdioServerTransport();
      const stop = stopOnce(
        log,
        (why) => log.info({ why }, "MCP server stopping"),
        async () => {
          await server.close();
          await rt.close();
        },
      );
      // The client closing stdin is how an MCP stdio session ends.
      transport.onclose = () => void stop("stdin closed");
      process.stdin.once("end", () => void stop("stdin closed"));
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
      await server.connect(transport);
      log.info({ store: rt.store.location, model_dir: config.modelDir }, "MCP server ready on stdio");
    });
}
