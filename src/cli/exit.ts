/**
 * Ending a short-lived command without losing output.
 *
 * On a pipe, Node writes synchronously only while the pipe has room: once the reader lags (64 KiB on
 * Linux), the rest waits in the stream's buffer, and `process.exit` would drop it. So a command exits only
 * after stdout and stderr have handed everything to the OS. A reader that goes away early (`| head`) is
 * not an error worth a stack trace: the command ends quietly, as Unix tools do.
 */

/** Resolves once the stream has no bytes waiting in its buffer (or can take no more). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("error", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("error", done);
    stream.on("close", done);
  });
}

/** Exits with `code` after everything written to stdout and stderr has been flushed. */
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/** A closed reader (EPIPE) ends the command quietly with its exit code so far; other errors are thrown. */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(Number(process.exitCode ?? 0));
      throw error;
    });
  }
}
