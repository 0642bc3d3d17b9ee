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

/**
 * The last boundary. Every source, decoder and background task catches what its input can make fail (a
 * line is attacker input), so an error that still reaches the process is a broken invariant: a bug, and
 * no state can be trusted after it. It is said as such on the structured log, with where it came from
 * (`origin`: a throw, or a promise nobody awaited), and the process exits 70 (EX_SOFTWARE) rather than
 * printing Node's bare stack; the supervisor restarts it and the store's recovery takes over.
 */
export function exitOnBrokenInvariant(log: Logger): void {
  process.on("uncaughtException", (error, origin) => {
    log.fatal(
      { err: error, origin },
      "broken invariant: an error reached the process, which is a bug; exiting",
    );
    log.flush();
    process.exit(70);
  });
}
