/**
 * Streams the elements of a JSON document's log array without holding the document: the top-level
 * array (`[{…}, {…}]`), or the `logs` array of a top-level object (`{"logs": [{…}]}`). Feed text
 * chunks to `push`, which returns the complete element texts (each still to be `JSON.parse`d); call
 * `end` at the end. Memory is bounded by the largest element (`maxElementChars`), not the document.
 *
 * It tracks only what it must (strings, escapes, nesting depth, the key at depth 1), so it accepts some
 * malformed documents that a full parser would refuse; each element is still parsed on its own, so a
 * bad element is reported, never silently used.
 */
export class JsonElementScanner {
  readonly #maxChars: number;
  #depth = 0;
  #inString = false;
  #escape = false;
  #mode: "array" | "object" | null = null;
  /** Depth inside the log array, once found (1 for a top-level array, 2 for `{"logs": [...]}`). */
  #targetDepth = -1;
  #element: string[] = [];
  #elementChars = 0;
  #capturing = false;
  /** At depth 1 of an object: the last string seen, and the key whose value comes next. */
  #string = "";
  #collectString = false;
  #key: string | null = null;
  /** A top-level object without `logs` is one record: kept (up to the bound) until the end. */
  #whole: string[] = [];
  #wholeChars = 0;
  #foundLogs = false;
  #ended = false;

  constructor(options: { maxElementChars?: number } = {}) {
    this.#maxChars = options.maxElementChars ?? 1024 * 1024;
  }

  push(chunk: string): string[] {
    const out: string[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === 0x5c) this.#escape = true;
        else if (c === 0x22) {
          this.#inString = false;
          if (this.#collectString) this.#collectString = false;
        } else if (this.#collectString && this.#string.length < 64) this.#string += chunk[i];
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
      if (this.#mode === null) {
        if (c === 0x5b) {
          this.#mode = "array";
          this.#targetDepth = 1;
        } else if (c === 0x7b) this.#mode = "object";
        else throw new Error("expected a JSON array or object");
        this.#depth = 1;
        from = i + 1;
        continue;
      }
      if (this.#depth === 0) throw new Error("unexpected content after the end of the JSON document");
      const atTarget = this.#depth === this.#targetDepth;
      if (atTarget && !this.#capturing) {
        if (c === 0x2c) continue;
        if (c === 0x5d) {
          this.#depth--;
          this.#targetDepth = -1;
          continue;
        }
        this.#capturing = true;
        from = i;
      }
      if (c === 0x22) {
        this.#inString = true;
        if (this.#mode === "object" && this.#depth === 1) {
          this.#string = "";
          this.#collectString = true;
        }
      } else if (c === 0x3a && this.#mode === "object" && this.#depth === 1) {
        this.#key = this.#string;
      } else if (c === 0x7b || c === 0x5b) {
        if (
          this.#mode === "object" &&
          this.#depth === 1 &&
          c === 0x5b &&
          this.#key === "logs" &&
          !this.#foundLogs
        ) {
          this.#foundLogs = true;
          this.#targetDepth = 2;
          this.#whole = [];
        }
        this.#depth++;
      } else if (c === 0x7d || c === 0x5d || (c === 0x2c && atTarget)) {
        if (atTarget && this.#capturing) {
          this.#element.push(chunk.slice(from, i));
          out.push(this.#takeElement());
          if (c === 0x2c) continue;
          // `]` closing the log array: it is also a depth change.
          this.#targetDepth = -1;
        }
        if (c !== 0x2c) this.#depth--;
        if (this.#mode === "object" && this.#depth === 1 && c !== 0x2c) this.#key = null;
      } else if (c === 0x2c && this.#mode === "object" && this.#depth === 1) {
        this.#key = null;
      }
    }
    if (this.#capturing) {
      this.#element.push(chunk.slice(from));
      this.#elementChars += chunk.length - from;
      if (this.#elementChars > this.#maxChars)
        throw new Error(`a log element is larger than ${this.#maxChars} characters`);
    }
    if (this.#mode === "object" && !this.#foundLogs) this.#keepWhole(chunk);
    return out;
  }

  /** Checks the document was complete; returns the one record of a top-level object without `logs`. */
  end(): string[] {
    if (this.#ended) return [];
    this.#ended = true;
    if (this.#mode === null) return [];
    if (this.#depth !== 0 || this.#inString) throw new Error("the JSON document ends early");
    if (this.#mode === "object" && !this.#foundLogs) {
      if (this.#wholeChars > this.#maxChars)
        throw new Error(`a log element is larger than ${this.#maxChars} characters`);
      return [this.#whole.join("")];
    }
    return [];
  }

  #takeElement(): string {
    const text = this.#element.join("").trimEnd();
    this.#element = [];
    this.#elementChars = 0;
    this.#capturing = false;
    return text;
  }

  #keepWhole(chunk: string): void {
    if (this.#wholeChars > this.#maxChars) return;
    this.#whole.push(chunk);
    this.#wholeChars += chunk.length;
  }
}
