/**
 * Aho-Corasick over lowered literals, flattened into typed arrays once built: the scan of an event's field
 * is the prefilter's hot loop (every character of every field a rule names), and array indexing keeps it
 * monomorphic and free of Map lookups. Values are lowered while scanned (ASCII letters), so an event's
 * fields need no lowered copy; a value with a character past ASCII is lowered whole (String#toLowerCase,
 * which can change its length) and scanned again.
 */

/** A node with this many children or more (and the root) gets an ASCII row: one index per character. */
const DENSE_CHILDREN = 4;
const ASCII = 128;
/** Characters of scanned values remembered per automaton (about 2 MB of UTF-16 and the map's entries). */
const MEMO_CHARS = 1 << 20;
/** Scans over which the memo's hits are judged, and windows a stopped memo waits before trying again. */
const MEMO_WINDOW = 4096;
const MEMO_RETRY_WINDOWS = 16;

interface BuildNode {
  next: Map<number, BuildNode>;
  clauses: number[];
  id: number;
}

/** Called once per clause a literal of which occurs in the value. */
export type OnFound = (clause: number, stamp: number) => void;

/**
 * Characters the memos of one engine's automata may hold together: a Windows fleet's routes have dozens of
 * field automata each, and a million characters apiece would add up to gigabytes.
 */
export class MemoBudget {
  used = 0;
  constructor(readonly limit = 1 << 22) {}
  fits(chars: number): boolean {
    return this.used + chars <= this.limit;
  }
}

export class LiteralAutomaton {
  constructor(
    /** Shared by the automata of one engine (`LogSourceRouter`); a fresh one for an automaton alone. */
    readonly budget: MemoBudget = new MemoBudget(),
  ) {}

  #root: BuildNode = { next: new Map(), clauses: [], id: 0 };
  // Flattened, by node id (breadth-first; the root is 0).
  #fail = new Int32Array(0);
  /** Row of a dense node in `#rows` (-1: none); the root's row already follows fail links (missing: root). */
  #denseRow = new Int32Array(0);
  #rows = new Int32Array(0);
  /** A node's children (every one, past ASCII included): `#edgeChar`/`#edgeTo` from `#edgeStart[n]` on. */
  #edgeStart = new Int32Array(0);
  #edgeChar = new Int32Array(0);
  #edgeTo = new Int32Array(0);
  /** The clauses found on reaching a node: its own and those of its fail chain, from `#outStart[n]` on. */
  #outStart = new Int32Array(0);
  #outClause = new Int32Array(0);
  /**
   * Values already scanned, with the clauses found in them: a field's values repeat from event to event (the
   * same images, command lines, users and hosts), and a map lookup costs a fraction of a walk. Cleared when
   * it holds `MEMO_CHARS` characters or the engine's budget (shared by every automaton of every route) is
   * spent, so a stream of distinct values costs one walk and one insert each, and memory stays bounded.
   */
  readonly #memo = new Map<string, readonly number[]>();
  #memoChars = 0;
  /** Whether values are remembered now, and this window's scans and memo hits (`#judgeMemo`). */
  #remembering = true;
  #scans = 0;
  #hits = 0;
  #windowsOff = 0;
  readonly #scratch: number[] = [];
  /** The shortest literal's length: a shorter value holds none (event ids, flags, short numbers). */
  #shortest = Number.POSITIVE_INFINITY;

  add(text: string, clause: number): void {
    if (text.length < this.#shortest) this.#shortest = text.length;
    let n = this.#root;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let child = n.next.get(c);
      if (!child) {
        child = { next: new Map(), clauses: [], id: -1 };
        n.next.set(c, child);
      }
      n = child;
    }
    if (n.clauses.at(-1) !== clause) n.clauses.push(clause);
  }

  /** Numbers the nodes breadth first, links fail and output, and flattens it all. */
  finish(): void {
    const order: BuildNode[] = [this.#root];
    for (let i = 0; i < order.length; i++) for (const child of order[i]!.next.values()) order.push(child);
    order.forEach((n, i) => {
      n.id = i;
    });
    const count = order.length;
    const fail = new Int32Array(count);
    const byId = order;
    const outputs: number[][] = new Array(count);
    outputs[0] = this.#root.clauses;
    for (const n of order) {
      for (const [c, child] of n.next) {
        let f = n.id === 0 ? -1 : fail[n.id]!;
        while (f !== -1 && !byId[f]!.next.has(c)) f = f === 0 ? -1 : fail[f]!;
        const target = f === -1 ? 0 : byId[f]!.next.get(c)!.id;
        fail[child.id] = target;
        // Breadth-first order: the fail target is shallower, its outputs already complete.
        outputs[child.id] = [...child.clauses, ...outputs[target]!];
      }
    }
    this.#fail = fail;

    const edgeStart = new Int32Array(count + 1);
    const edgeChar: number[] = [];
    const edgeTo: number[] = [];
    const denseRow = new Int32Array(count).fill(-1);
    const dense = order.filter((n) => n.id === 0 || n.next.size >= DENSE_CHILDREN);
    const rows = new Int32Array(dense.length * ASCII).fill(-1);
    dense.forEach((n, row) => {
      denseRow[n.id] = row;
      if (n.id === 0) rows.fill(0, 0, ASCII);
      for (const [c, child] of n.next) if (c < ASCII) rows[row * ASCII + c] = child.id;
    });
    for (const n of order) {
      edgeStart[n.id] = edgeChar.length;
      for (const [c, child] of n.next) {
        edgeChar.push(c);
        edgeTo.push(child.id);
      }
    }
    edgeStart[count] = edgeChar.length;
    this.#denseRow = denseRow;
    this.#rows = rows;
    this.#edgeStart = edgeStart;
    this.#edgeChar = Int32Array.from(edgeChar);
    this.#edgeTo = Int32Array.from(edgeTo);

    const outStart = new Int32Array(count + 1);
    let total = 0;
    for (let i = 0; i < count; i++) {
      outStart[i] = total;
      total += outputs[i]!.length;
    }
    outStart[count] = total;
    const outClause = new Int32Array(total);
    for (let i = 0; i < count; i++) outClause.set(outputs[i]!, outStart[i]!);
    this.#outStart = outStart;
    this.#outClause = outClause;
    // A dense row's missing characters resolved through fail links now (breadth first: shallower rows
    // first), so a step from a dense node is one index whatever the character.
    for (const n of dense) {
      if (n.id === 0) continue;
      const base = denseRow[n.id]! * ASCII;
      for (let c = 0; c < ASCII; c++) if (rows[base + c] === -1) rows[base + c] = this.#next(fail[n.id]!, c);
    }
    // The build tree (a Map per node, tens of thousands for a command-line field) is not kept: every major
    // garbage collection would walk it.
    this.#root.next = new Map();
  }

  /** Reports every clause one of whose literals occurs in `text` lowered (each clause once). */
  scan(text: string, stamp: number, found: OnFound): void {
    // Lowering keeps an ASCII value's length; one past ASCII is walked lowered, whatever its length.
    if (text.length < this.#shortest && isAscii(text)) return;
    const clauses = this.#remembering ? this.#remembered(text) : this.#walk(text);
    for (let i = 0; i < clauses.length; i++) found(clauses[i]!, stamp);
    if (++this.#scans === MEMO_WINDOW) this.#judgeMemo();
  }

  /** The clauses of `text` from the memo, or walked and remembered (within this memo's and the budget's room). */
  #remembered(text: string): readonly number[] {
    let clauses = this.#memo.get(text);
    if (clauses !== undefined) {
      this.#hits++;
      return clauses;
    }
    clauses = this.#walk(text).slice();
    if (this.#memoChars + text.length > MEMO_CHARS || !this.budget.fits(text.length)) this.#forget();
    if (this.budget.fits(text.length)) {
      this.#memo.set(text, clauses);
      this.#memoChars += text.length;
      this.budget.used += text.length;
    }
    return clauses;
  }

  /**
   * At the end of each window of scans: a memo that found fewer than a quarter of the values stops (a
   * syslog message is rarely seen twice, and remembering each costs a map insert and its memory); a stopped
   * one tries again after `MEMO_RETRY_WINDOWS` windows, since a stream can change.
   */
  #judgeMemo(): void {
    if (this.#remembering) {
      if (this.#hits * 4 < this.#scans) {
        this.#remembering = false;
        this.#forget();
        this.#windowsOff = 0;
      }
    } else if (++this.#windowsOff >= MEMO_RETRY_WINDOWS) this.#remembering = true;
    this.#scans = 0;
    this.#hits = 0;
  }

  /** Empties the memo, giving its characters back to the budget. */
  #forget(): void {
    this.#memo.clear();
    this.budget.used -= this.#memoChars;
    this.#memoChars = 0;
  }

  /**
   * Walks the automaton over `text` lowered; returns the distinct clauses found, in `#scratch` (valid until
   * the next walk).
   */
  #walk(text: string): readonly number[] {
    this.#scratch.length = 0;
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      else if (c >= ASCII) return this.#walkLowered(text.toLowerCase());
      n = this.#next(n, c);
      this.#collect(n);
    }
    return this.#scratch;
  }

  /** The same for an already lowered value that may hold characters past ASCII. */
  #walkLowered(text: string): readonly number[] {
    this.#scratch.length = 0;
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      n = this.#next(n, text.charCodeAt(i));
      this.#collect(n);
    }
    return this.#scratch;
  }

  /** Adds the clauses found on reaching node `n` to the scratch list, once each. */
  #collect(n: number): void {
    const out = this.#scratch;
    for (let o = this.#outStart[n]!, end = this.#outStart[n + 1]!; o < end; o++) {
      const clause = this.#outClause[o]!;
      if (!out.includes(clause)) out.push(clause);
    }
  }

  /** The goto function: the child for `c`, else along fail links, else the root. */
  #next(from: number, c: number): number {
    let n = from;
    for (;;) {
      const child = this.#child(n, c);
      if (child !== -1) return child;
      if (n === 0) return 0;
      n = this.#fail[n]!;
    }
  }

  #child(n: number, c: number): number {
    const row = this.#denseRow[n]!;
    if (row !== -1 && c < ASCII) return this.#rows[row * ASCII + c]!;
    for (let e = this.#edgeStart[n]!, end = this.#edgeStart[n + 1]!; e < end; e++)
      if (this.#edgeChar[e] === c) return this.#edgeTo[e]!;
    return -1;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= ASCII) return false;
  return true;
}
