import { terminalSafe } from "../core/terminal-safe.js";

/** A one-line progress bar on a TTY (stderr), redrawn at most ten times a second; silent elsewhere. */
export class ProgressBar {
  #last = 0;
  readonly #enabled: boolean;
  /** The label as drawn: a file name may hold control characters (`batch` draws each file it finds). */
  readonly label: string;

  constructor(
    readonly total: number,
    label: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.#enabled = Boolean(stream.isTTY) && total > 0;
    this.label = terminalSafe(label);
    this.stream = stream;
  }
  readonly stream: NodeJS.WriteStream;

  update(done: number, extra = ""): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#last < 100 && done < this.total) return;
    this.#last = now;
    const ratio = Math.min(1, done / this.total);
    const width = 30;
    const filled = Math.round(ratio * width);
    this.stream.write(
      `\r${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.round(ratio * 100)}% ${extra}`,
    );
  }

  finish(): void {
    if (this.#enabled) this.stream.write("\n");
  }
}
