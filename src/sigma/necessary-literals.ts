/**
 * What must be in an event for a rule to match, as clauses of literals: every clause must hold, and a
 * clause holds when the event's (lowered) field contains one of its literals. Every string test implies its
 * longest literal part is a substring of the value (equality, startswith, endswith and contains alike), so
 * `Image|endswith: [a.exe, b.exe]` gives the clause {Image ∋ a.exe, Image ∋ b.exe}, and a regex the longest
 * run of plain characters all its matches hold (regex-literal.ts). Composed up the condition: `and` keeps
 * the clauses of its operands (the most selective few), `or` and `1 of` one clause, the union of each
 * operand's most selective clause (each operand implies it), `not` and anything without literals (cidr,
 * numbers, null, exists, fieldref) nothing. A rule with clauses is evaluated only when
 * the prefilter (prefilter.ts) found a literal of each; a rule without any always. Clauses never drop a rule
 * that would match: they only skip rules that cannot.
 */
import type { Pattern } from "./wildcard.js";

/** A literal (lowered, ASCII) that must occur in the field's lowered value; field null = keyword texts. */
export interface Literal {
  field: string | null;
  text: string;
}

/** One of these holds. */
export type Clause = readonly Literal[];

/** Every clause holds; null: nothing known to be necessary. */
export type Need = readonly Clause[] | null;

/** Clauses kept for an `and`: past three, more cost more than they save. */
const MAX_CLAUSES = 3;

/** ASCII: lowering it is context-free, so a cased literal lowered is a substring of the value lowered. */
const ASCII = /^[\x20-\x7e]+$/;

/**
 * The pattern's longest literal part, lowered, or null when it has none usable. A case-insensitive test
 * compares the lowered value with each part lowered on its own (wildcard.ts), so any part lowered is a
 * substring of the lowered value whenever the test holds; a cased test compares the value as it is, and
 * only an ASCII part is sure to stay a substring once both are lowered.
 */
export function literalOf(field: string | null, pattern: Pattern, cased: boolean): Literal | null {
  let best = "";
  for (const part of pattern)
    if (part.kind === "text" && part.text.length > best.length && (!cased || ASCII.test(part.text)))
      best = part.text;
  return best === "" ? null : { field, text: best.toLowerCase() };
}

/** The need of one test's literal (a one-literal clause), or none. */
export function needOf(literal: Literal | null): Need {
  return literal ? [[literal]] : null;
}

/** Any of the needs (an `or`): one clause, the union of each one's most selective clause. */
export function anyOf(needs: readonly Need[]): Need {
  const out: Literal[] = [];
  for (const n of needs) {
    if (n === null || n.length === 0) return null;
    out.push(...best(n));
  }
  return out.length === 0 ? null : [out];
}

/** All of the needs (an `and`): their clauses together, the most selective few. */
export function allOf(needs: readonly Need[]): Need {
  const clauses = needs.flatMap((n) => n ?? []);
  if (clauses.length === 0) return null;
  return [...clauses].sort((a, b) => selectivity(b) - selectivity(a)).slice(0, MAX_CLAUSES);
}

function best(need: readonly Clause[]): Clause {
  let top = need[0]!;
  for (const c of need) if (selectivity(c) > selectivity(top)) top = c;
  return top;
}

/** Shorter literals and more of them match more events: the shortest literal of the clause, then fewer. */
function selectivity(clause: Clause): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const l of clause) shortest = Math.min(shortest, l.text.length);
  return Math.min(shortest, 12) * 1000 - clause.length;
}
