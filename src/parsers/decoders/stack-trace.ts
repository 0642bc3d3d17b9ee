/**
 * Decides whether a physical line continues the previous logical record (a multi-line stack trace) or
 * starts a new one. Stateful because Python tracebacks end with an unindented `ValueError: …` line that
 * only counts as a continuation right after the traceback's frames.
 */

const Tb = {
  None: 0,
  /** Inside `Traceback (most recent call last):`, expecting frames or the exception line. */
  Frames: 1,
  /** After the exception line: only a chaining sentence ("During handling …") continues. */
  Ended: 2,
} as const;
type TbState = (typeof Tb)[keyof typeof Tb];

const SPACE = 0x20;
const TAB = 0x09;

function startsWithWs(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === SPACE || c === TAB;
}

function firstNonWs(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB)) i++;
  return i;
}

/** A tab, or at least four spaces. */
function deeplyIndented(line: string): boolean {
  return line.charCodeAt(0) === TAB || line.startsWith("    ");
}

/** `... 12 more` / `... 12 common frames omitted` (Java, logback). */
function isElidedFrames(line: string, i: number): boolean {
  return line.startsWith("... ", i) && /^\.\.\. \d+ (?:more|common frames omitted)/.test(line.slice(i));
}

/** `java.lang.IllegalStateException: boom`: a qualified Throwable class name opening a Java trace. */
const JAVA_EXCEPTION = /^[a-z][\w$]*(?:\.[\w$]+)+(?:Exception|Error|Throwable)(?::|$)/;

/** `ValueError: bad`, `KeyboardInterrupt`, `mod.CustomError: x`: Python's final traceback line. */
const PYTHON_EXCEPTION = /^[A-Za-z_][\w.]*(?::|$)/;

export class StackTraceGrouper {
  #tb: TbState = Tb.None;
  #prevIndented = false;
  #startIndented = false;

  /** Call for the first line of each new record. */
  start(line: string): void {
    this.#startIndented = startsWithWs(line);
    this.#prevIndented = this.#startIndented;
    this.#tb = line.startsWith("Traceback (most recent call last):") ? Tb.Frames : Tb.None;
  }

  /** True when `line` belongs to the current (plain-text) record; updates the state when it does. */
  continues(line: string): boolean {
    const c = line.charCodeAt(0);
    if (c === SPACE || c === TAB) {
      const i = firstNonWs(line);
      if (line.charCodeAt(i) === 0x7b) return false; // an indented JSON line is its own record
      const ok =
        line.startsWith("at ", i) ||
        line.startsWith('File "', i) ||
        isElidedFrames(line, i) ||
        this.#tb !== Tb.None ||
        (!this.#startIndented && deeplyIndented(line));
      if (ok) this.#prevIndented = true;
      return ok;
    }
    let ok = false;
    if (line.startsWith("Caused by:")) ok = true;
    else if (line.startsWith("Traceback (most recent call last):")) {
      this.#tb = Tb.Frames;
      ok = true;
    } else if (c === 0x2e) ok = isElidedFrames(line, 0);
    else if (this.#tb === Tb.Frames && this.#prevIndented && PYTHON_EXCEPTION.test(line)) {
      this.#tb = Tb.Ended;
      ok = true;
    } else if (
      this.#tb === Tb.Ended &&
      (line.startsWith("During handling of the above exception") ||
        line.startsWith("The above exception was the direct cause"))
    ) {
      this.#tb = Tb.Frames;
      ok = true;
    } else if (c >= 0x61 && c <= 0x7a) ok = JAVA_EXCEPTION.test(line);
    if (ok) this.#prevIndented = false;
    return ok;
  }
}
