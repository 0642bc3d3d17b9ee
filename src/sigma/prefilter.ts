/**
 * The candidate rules of an event, found without running them: each rule's necessary literals
 * (necessary-literals.ts) go into one Aho-Corasick automaton per field, and one pass over each field's
 * lowered value finds every literal it contains, so thousands of `endsWith`/`includes` tests become a
 * walk over the value's characters. Rules whose literal was found, and rules without a need, are then
 * evaluated in full, in their order. Built once per route (the rule list of one log source).
 */
import type { FieldAccess, FieldTable } from "./event-fields.js";
import { scalarText } from "./event-fields.js";
import type { Need } from "./necessary-literals.js";

interface AcNode {
  next: Map<number, AcNode>;
  /**
   * The ASCII children again, by character code, for a node with many children (the root above all):
   * the scan steps through one of these for most characters of an event, and an array index is several
   * times cheaper than a Map lookup there. Null for the other nodes (a dense table each would be too big).
   */
  ascii: (AcNode | undefined)[] | null;
  fail: AcNode | null;
  /** Clauses one of whose literals ends here. */
  rules: number[];
  /** The nearest node along fail links that has rules (so outputs are found without visiting empty ones). */
  output: AcNode | null;
}

function node(): AcNode {
  return { next: new Map(), ascii: null, fail: null, rules: [], output: null };
}

/** Children from which a node gets an ASCII table. */
const DENSE_CHILDREN = 4;

/** The child of `n` for character `c`. */
function step(n: AcNode, c: number): AcNode | undefined {
  const ascii = n.ascii;
  return ascii !== null && c < 128 ? ascii[c] : n.next.get(c);
}

class Automaton {
  readonly root = node();

  add(text: string, rule: number): void {
    let n = this.root;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let child = n.next.get(c);
      if (!child) {
        child = node();
        n.next.set(c, child);
      }
      n = child;
    }
    if (n.rules.at(-1) !== rule) n.rules.push(rule);
  }

  /** Fail and output links, breadth first. */
  finish(): void {
    const queue: AcNode[] = [];
    for (const child of this.root.next.values()) {
      child.fail = this.root;
      queue.push(child);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const n = queue[qi]!;
      for (const [c, child] of n.next) {
        let f = n.fail;
        while (f && !f.next.has(c)) f = f.fail;
        child.fail = f ? f.next.get(c)! : this.root;
        child.output = child.fail.rules.length > 0 ? child.fail : child.fail.output;
        queue.push(child);
      }
    }
    for (const n of [this.root, ...queue]) {
      if (n.next.size < DENSE_CHILDREN) continue;
      const ascii = new Array<AcNode | undefined>(128).fill(undefined);
      for (const [c, child] of n.next) if (c < 128) ascii[c] = child;
      n.ascii = ascii;
    }
  }

  /** Marks every rule one of whose literals occurs in `text`. */
  scan(text: string, marks: Int32Array, stamp: number): void {
    const root = this.root;
    let n = root;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let next = step(n, c);
      while (next === undefined && n !== root) {
        n = n.fail!;
        next = step(n, c);
      }
      n = next ?? root;
      for (let o: AcNode | null = n.rules.length > 0 ? n : n.output; o !== null; o = o.output)
        for (const r of o.rules) marks[r] = stamp;
    }
  }
}

export class Prefilter {
  /** Per field slot read (-1: the keyword texts), its automaton. */
  readonly #automata: { slot: number; automaton: Automaton }[] = [];
  /** Per rule, its clauses' numbers; empty: evaluated whatever the event holds (no need known). */
  readonly #clauses: number[][];
  /** Per clause, the stamp of the last event that held one of its literals. */
  readonly #marks: Int32Array;
  #stamp = 0;

  constructor(needs: readonly Need[], fields: FieldTable) {
    this.#clauses = needs.map(() => []);
    const bySlot = new Map<number, Automaton>();
    let clauseCount = 0;
    needs.forEach((need, rule) => {
      for (const clause of need ?? []) {
        const id = clauseCount++;
        this.#clauses[rule]!.push(id);
        for (const literal of clause) {
          const slot = literal.field === null ? -1 : fields.slotOf(literal.field);
          let a = bySlot.get(slot);
          if (!a) {
            a = new Automaton();
            bySlot.set(slot, a);
          }
          a.add(literal.text, id);
        }
      }
    });
    this.#marks = new Int32Array(clauseCount);
    for (const [slot, automaton] of bySlot) {
      automaton.finish();
      this.#automata.push({ slot, automaton });
    }
  }

  /** Scans the event; then `isCandidate(i)` says whether rule i may match. */
  scan(ev: FieldAccess): void {
    const stamp = ++this.#stamp;
    const marks = this.#marks;
    for (const { slot, automaton } of this.#automata) {
      if (slot === -1) {
        for (const k of ev.keywords(true)) automaton.scan(k, marks, stamp);
        continue;
      }
      const s = ev.lowered(slot);
      if (s !== undefined) automaton.scan(s, marks, stamp);
      else {
        const raw = ev.raw(slot);
        if (Array.isArray(raw))
          for (const item of raw) {
            const t = scalarText(item);
            if (t !== undefined) automaton.scan(t.toLowerCase(), marks, stamp);
          }
      }
    }
  }

  isCandidate(rule: number): boolean {
    const clauses = this.#clauses[rule]!;
    for (let i = 0; i < clauses.length; i++) if (this.#marks[clauses[i]!] !== this.#stamp) return false;
    return true;
  }
}
