/**
 * The candidate rules of an event, found without running them: each rule's necessary literals
 * (necessary-literals.ts) go into one Aho-Corasick automaton per field (literal-automaton.ts), and one pass
 * over each field's value finds every literal it contains, so thousands of `endsWith`/`includes` tests
 * become a walk over the value's characters. A rule becomes a candidate when each of its clauses had a
 * literal found; rules without a need always are. Built once per route (the rule list of one log source).
 */
import type { FieldAccess, FieldTable } from "./event-fields.js";
import { scalarText } from "./event-fields.js";
import { LiteralAutomaton, MemoBudget } from "./literal-automaton.js";
import type { Need } from "./necessary-literals.js";

export class Prefilter {
  /** Per field slot read (-1: the keyword texts), its automaton. */
  readonly #automata: { slot: number; automaton: LiteralAutomaton }[] = [];
  /** Per clause, the rule it belongs to. */
  readonly #ruleOfClause: Int32Array;
  /** Per rule, how many clauses it has (0: evaluated whatever the event holds). */
  readonly #clauseCount: Int32Array;
  /** Rules without a need, in order. */
  readonly #always: readonly number[];
  /** Per clause, the stamp of the last event that held one of its literals. */
  readonly #marks: Int32Array;
  /** Per rule, the stamp of the event its `#held` count is for, and how many of its clauses that event held. */
  readonly #heldStamp: Int32Array;
  readonly #held: Int32Array;
  /** This event's candidates (reused from event to event; `#candidateCount` of them are current). */
  #candidates: Int32Array;
  #candidateCount = 0;
  #stamp = 0;

  constructor(needs: readonly Need[], fields: FieldTable, budget: MemoBudget = new MemoBudget()) {
    const bySlot = new Map<number, LiteralAutomaton>();
    const ruleOfClause: number[] = [];
    const always: number[] = [];
    this.#clauseCount = new Int32Array(needs.length);
    needs.forEach((need, rule) => {
      if (need === null || need.length === 0) always.push(rule);
      for (const clause of need ?? []) {
        const id = ruleOfClause.length;
        ruleOfClause.push(rule);
        this.#clauseCount[rule]!++;
        for (const literal of clause) {
          const slot = literal.field === null ? -1 : fields.slotOf(literal.field);
          let a = bySlot.get(slot);
          if (!a) {
            a = new LiteralAutomaton(budget);
            bySlot.set(slot, a);
          }
          a.add(literal.text, id);
        }
      }
    });
    this.#ruleOfClause = Int32Array.from(ruleOfClause);
    this.#always = always;
    this.#marks = new Int32Array(ruleOfClause.length);
    this.#heldStamp = new Int32Array(needs.length);
    this.#held = new Int32Array(needs.length);
    this.#candidates = new Int32Array(Math.max(16, always.length));
    for (const [slot, automaton] of bySlot) {
      automaton.finish();
      this.#automata.push({ slot, automaton });
    }
  }

  /**
   * Scans the event and returns its candidate rules' indices in ascending order (the rules' own order). The
   * array is reused by the next scan; read it before then.
   */
  candidates(ev: FieldAccess): Int32Array {
    const stamp = ++this.#stamp;
    this.#candidateCount = 0;
    for (const rule of this.#always) this.#addCandidate(rule);
    const found = this.#found;
    for (const { slot, automaton } of this.#automata) {
      if (slot === -1) {
        for (const k of ev.keywords(false)) automaton.scan(k, stamp, found);
        continue;
      }
      const s = ev.text(slot);
      if (s !== undefined) automaton.scan(s, stamp, found);
      else {
        const raw = ev.raw(slot);
        if (Array.isArray(raw))
          for (const item of raw) {
            const t = scalarText(item);
            if (t !== undefined) automaton.scan(t, stamp, found);
          }
      }
    }
    const out = this.#candidates.subarray(0, this.#candidateCount);
    // Rules become candidates in the order their last clause was found; evaluation keeps the rules' order.
    if (this.#candidateCount > this.#always.length) out.sort();
    return out;
  }

  /** Called by an automaton for each clause a literal of which it found; counts a clause once per event. */
  readonly #found = (clause: number, stamp: number): void => {
    if (this.#marks[clause] === stamp) return;
    this.#marks[clause] = stamp;
    const rule = this.#ruleOfClause[clause]!;
    const held = this.#heldStamp[rule] === stamp ? this.#held[rule]! + 1 : 1;
    this.#heldStamp[rule] = stamp;
    this.#held[rule] = held;
    if (held === this.#clauseCount[rule]) this.#addCandidate(rule);
  };

  #addCandidate(rule: number): void {
    if (this.#candidateCount === this.#candidates.length) {
      const grown = new Int32Array(this.#candidates.length * 2);
      grown.set(this.#candidates);
      this.#candidates = grown;
    }
    this.#candidates[this.#candidateCount++] = rule;
  }
}
