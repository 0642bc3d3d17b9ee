import type { Command } from "commander";
import { addConfigOptions, addLoggingOptions, configFromFlags, fail } from "../config-flags.js";
import { stopOnce } from "../shutdown.js";

export function registerWorkerCommand(program: Command): void {
  const worker = program
    .command("worker")
    .description("run one kind of background work without the HTTP service");
  addLoggingOptions(addConfigOptions(worker.command("triage")))
    .description(
      "consume the triage stages' RabbitMQ queues (TRIAGE_TRANSPORT=rabbitmq) on the configured store; run any number beside `serve` nodes",
    )
    .action(async (flags) => {
      const config = await configFromFlags(flags).catch(fail);
      const [{ createLogger }, { startTriageWorker }] = await Promise.all([
        import("../../telemetry/logger.js"),
        import("../../runtime/triage-worker.js"),
      ]);
      const log = createLogger(config.logLevel, 2, config.logFormat);
      const running = await startTriageWorker(config, log).catch(fail);
      const stop = stopOnce(
        log,
        (signal) => log.info({ signal }, "shutting down: no new messages, finishing the batches in hand"),
        async () => {
          await running.close();
          log.info("shutdown complete");
        },
      );
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}
