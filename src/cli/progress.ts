/** A one-line progress bar on a TTY (stderr), redrawn at most ten times a second; silent elsewhere. */
export class ProgressBar {
  #last = 0;
  readonly #enabled: boolean;

  constructor(
    readonly total: number,
    readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.#enabled = Boolean(stream.isTTY) && total > 0;
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
