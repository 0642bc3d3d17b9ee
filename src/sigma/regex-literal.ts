/**
 * The longest run of plain characters every match of a regular expression contains, so the prefilter
 * (prefilter.ts) can skip a `|re` test whose value lacks it: `\$PSHome\[\s*\d{1,3}` needs `$pshome[`.
 * SigmaHQ's obfuscation rules are regexes only; without this each of them ran on every command line.
 *
 * Conservative by construction: only characters outside any group, class or alternative, each required
 * exactly where it stands, join a run; anything else (a class, a group, `.`, an anchor, an escape such as
 * `\d`, an optional character) ends it. A top-level `|` means no character is required. Only ASCII runs
 * are kept: the prefilter compares lowered texts, and lowering is context-free only there (JavaScript's
 * `i` flag without `u` never folds a character past ASCII into ASCII).
 */

/** Lowered, or null when nothing usable is required. */
export function requiredRegexLiteral(source: string): string | null {
  const runs = requiredRuns(source);
  if (runs === null) return null;
  let best = "";
  for (const run of runs)
    for (const part of run.split(/[^\x20-\x7e]+/)) if (part.length > best.length) best = part;
  return best === "" ? null : best.toLowerCase();
}

/** A quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, then an optional lazy `?`): its minimum and length. */
function quantifierAt(source: string, i: number): { min: number; length: number } | null {
  const c = source[i];
  let min: number;
  let length: number;
  if (c === "*" || c === "?") [min, length] = [0, 1];
  else if (c === "+") [min, length] = [1, 1];
  else if (c === "{") {
    // Without the `u` flag a brace that is not a quantifier is a plain character.
    const m = /^\{(\d+)(?:,(\d*))?\}/.exec(source.slice(i));
    if (!m) return null;
    [min, length] = [Number(m[1]), m[0].length];
  } else return null;
  if (source[i + length] === "?") length++;
  return { min, length };
}

/** Index past the group opening at `i` (nested groups, classes and escapes inside skipped). */
function pastGroup(source: string, i: number): number {
  let depth = 0;
  for (let j = i; j < source.length; j++) {
    const c = source[j];
    if (c === "\\") j++;
    else if (c === "[") j = pastClass(source, j) - 1;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j + 1;
  }
  return source.length;
}

/** Index past the class opening at `i` (`]` right after `[` or `[^` is a member). */
function pastClass(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === "^") j++;
  if (source[j] === "]") j++;
  for (; j < source.length; j++) {
    if (source[j] === "\\") j++;
    else if (source[j] === "]") return j + 1;
  }
  return source.length;
}

function hasTopLevelAlternation(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") i = pastClass(source, i) - 1;
    else if (c === "(") i = pastGroup(source, i) - 1;
    else if (c === "|") return true;
  }
  return false;
}

/** The runs of required plain characters, in order; null when the source has a top-level alternative. */
function requiredRuns(source: string): string[] | null {
  if (hasTopLevelAlternation(source)) return null;
  const runs: string[] = [];
  let run = "";
  const end = () => {
    if (run !== "") runs.push(run);
    run = "";
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    let char: string | null = null;
    let next: number;
    if (c === "\\") {
      const e = source[i + 1];
      // An escaped punctuation character is itself; a letter or digit escape is a class, an anchor, a
      // back-reference or a code (\d, \b, \1, \x41): not followed.
      if (e !== undefined && !/[A-Za-z0-9]/.test(e)) char = e;
      next = i + 2;
    } else if (c === "[") next = pastClass(source, i);
    else if (c === "(") next = pastGroup(source, i);
    else if (c === "." || c === "^" || c === "$") next = i + 1;
    else if ((c === "*" || c === "+" || c === "?") && i === 0) return null;
    else {
      // A brace that starts no quantifier is itself; one that does was consumed below.
      char = c;
      next = i + 1;
    }
    const q = quantifierAt(source, next);
    if (char === null) {
      end();
    } else if (q === null) {
      run += char;
    } else if (q.min === 0) {
      end();
    } else {
      // Required once; what follows may repeat it, so the run ends after it.
      run += char;
      end();
    }
    i = q === null ? next : next + q.length;
  }
  end();
  return runs;
}
