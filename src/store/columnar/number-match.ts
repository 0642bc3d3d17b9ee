/**
 * Which values of a number column (`slot-column.ts`) a query word can take in a message, tested on the
 * decoded integers and leading-zero counts, so a search for a number rebuilds only the rows whose numbers
 * can be it instead of every row of every template with a number column (CLP, Rodrigues et al., OSDI
 * 2021, searches encoded variables the same way).
 *
 * A number's digits are word characters and its sign is not, so in a message the number's digits all lie
 * in one word, which starts at or before the first digit. For a query word `w` found in that message word
 * and overlapping the number, the number's digit text (leading zeros included, sign not) is either a run
 * `w[j, j + k)` of `w`'s digits (the word goes on past the number, or ends with it), or, for the query's
 * last word, which may end inside a longer word, starts with `w[j..]` when that tail is all digits; the
 * template's other parts say which j and k can be (`WordReach.numberCandidates`). The test accepts
 * exactly those values; it says nothing of the rest of the message, which the caller then matches
 * exactly.
 */

/** Values a number column holds have at most this many digits, leading zeros included (`slot-column.ts`). */
const MAX_DIGITS = 15;

/** 10^0 … 10^16, exact in doubles. */
const POW10 = Array.from({ length: MAX_DIGITS + 2 }, (_, k) => 10 ** k);

/** Digits of a positive integer below 10^16 (0 has one). */
function digitCount(abs: number): number {
  let n = 1;
  while (n <= MAX_DIGITS && abs >= POW10[n]!) n++;
  return n;
}

/**
 * The values one number column may hold in a row whose message holds a query word through it: digit
 * texts it may be, and digit texts it may start with (the query's last word ending inside it). Which
 * texts, `WordReach.numberCandidates` finds from the template; this tests a decoded value against them
 * without building its text.
 */
export class NumberValues {
  /** Whole digit texts a value may be: its magnitude and leading zeros (`0`'s own digit not counted). */
  private readonly exact: { abs: number; pad: number }[] = [];
  /** Digit texts a value may start with: their leading zeros, and the number after them and its digits. */
  private readonly starts: { zeros: number; rest: number; restDigits: number }[] = [];

  /** Texts of ASCII digits; longer ones than a number column holds are left out (no value has them). */
  constructor(exact: Iterable<string>, starts: Iterable<string>) {
    for (const text of exact) if (text.length <= MAX_DIGITS) this.exact.push(exactOf(text));
    for (const text of starts) if (text.length <= MAX_DIGITS) this.starts.push(startOf(text));
  }

  /** Whether a number column's value `x` with `pad` leading zeros is one of the texts, or starts with one. */
  matches(x: number, pad: number): boolean {
    const abs = x < 0 ? -x : x;
    for (const e of this.exact) if (e.abs === abs && e.pad === pad) return true;
    for (const s of this.starts) {
      if (s.restDigits === 0) {
        // All zeros: the text holds `pad` zeros, and one more when the number is 0.
        if (pad + (abs === 0 ? 1 : 0) >= s.zeros) return true;
        continue;
      }
      if (pad !== s.zeros || abs === 0) continue;
      const m = digitCount(abs) - s.restDigits;
      if (m < 0) continue;
      if (abs >= s.rest * POW10[m]! && abs < (s.rest + 1) * POW10[m]!) return true;
    }
    return false;
  }
}

/**
 * One query word's test of a row's numbers: per wildcard of the row's template, the values a number
 * column there may hold (null: none, or not a number column). A row passes when one column does.
 */
export type NumberWordTest = readonly (NumberValues | null)[];

function leadingZeros(text: string): number {
  let z = 0;
  while (z < text.length && text.charCodeAt(z) === 48) z++;
  return z;
}

/** The value whose digit text is `text` (all digits). */
function exactOf(text: string): { abs: number; pad: number } {
  const z = leadingZeros(text);
  // `0`, `00`: the number 0, whose own text is one zero.
  if (z === text.length) return { abs: 0, pad: z - 1 };
  return { abs: Number(text.slice(z)), pad: z };
}

function startOf(text: string): { zeros: number; rest: number; restDigits: number } {
  const z = leadingZeros(text);
  return { zeros: z, rest: z === text.length ? 0 : Number(text.slice(z)), restDigits: text.length - z };
}
