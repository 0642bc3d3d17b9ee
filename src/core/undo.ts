/**
 * The way back from a batch whose store transaction failed. While a batch is processed, each piece of
 * state is remembered the first time the batch is about to change it (a per-key copy, a counter); a
 * rollback puts those back in reverse order, a commit forgets them. Copying the few keys a batch touches
 * costs a fraction of exporting the whole state, which a snapshot per batch would (the cost is in
 * docs/architecture.md, "Following one line", step 6).
 */
export class UndoLog {
  readonly #undo: (() => void)[] = [];
  #recording = false;
  /** Changes at every `begin`, so a map can tell whether it already remembered a key in this batch. */
  #epoch = 0;

  get recording(): boolean {
    return this.#recording;
  }

  get epoch(): number {
    return this.#epoch;
  }

  readonly #atBegin: (() => () => void)[] = [];

  begin(): void {
    this.#undo.length = 0;
    this.#recording = true;
    this.#epoch++;
    for (const take of this.#atBegin) this.#undo.push(take());
  }

  /**
   * For state that is not per key (counters, a model's scalars): `take` runs at the start of every
   * recorded batch and returns what puts the state back as it was then.
   */
  atEachBegin(take: () => () => void): void {
    this.#atBegin.push(take);
  }

  /** One value (a counter, a first-seen time) put back as it was when the batch began. */
  keep<T>(read: () => T, write: (value: T) => void): void {
    this.atEachBegin(() => {
      const value = read();
      return () => write(value);
    });
  }

  /** Registers how to undo one change; ignored when no batch is being recorded (analyze, import). */
  push(undo: () => void): void {
    if (this.#recording) this.#undo.push(undo);
  }

  commit(): void {
    this.#undo.length = 0;
    this.#recording = false;
  }

  rollback(): void {
    this.#recording = false;
    for (let i = this.#undo.length - 1; i >= 0; i--) this.#undo[i]!();
    this.#undo.length = 0;
  }
}
