import type { Logger } from "pino";

/**
 * The stop of a long-running command (serve, mcp, worker): runs once whatever asks first (a signal, stdin
 * closing), says why through `announce`, runs `work`, flushes the log and exits 0, or 1 when `work` threw.
 */
export function stopOnce(
  log: Logger,
  announce: (why: string) => void,
  work: () => Promise<void>,
): (why: string) => Promise<void> {
  let stopping = false;
  return async (why) => {
    if (stopping) return;
    stopping = true;
    announce(why);
    try {
      await work();
      log.flush();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "shutdown failed");
      log.flush();
      process.exit(1);
    }
  };
}
