/**
 * Finds which trained template a record still matches when its own template id is new to the model.
 *
 * The miner widens a template when a line shows that a word is a parameter (a fourth server name):
 * from then on every line of the old template gets the widened template's new id. Judged by id alone,
 * every later session would hold an "unseen template" although its lines read exactly as in training.
 * So a record whose id the model never saw is judged under the trained template its text matches, and
 * only a record that matches none (the line that widened the template, a truly new event) stays unseen.
 */
const WILDCARD = "<*>";

type TokenTest = (token: string) => boolean;

interface Known {
  id: string;
  tests: TokenTest[];
  wildcards: number;
}

/**
 * A test for one template token: itself, anything (`<*>`), or a shape such as `blk_<*>` or
 * `(<*>)(<*>)` whose wildcards each stand for any text, even none. The shape's literal pieces are found
 * in order, each at its first place after the previous one (a token fits if and only if those places
 * do), instead of with a regular expression `^\(.*?\)\(.*?\)$` built from the template, which
 * backtracks on a token that almost fits: five wildcards against a 900-character token took 24 s, with
 * ingestion held up meanwhile.
 */
function tokenTest(token: string): TokenTest {
  if (token === WILDCARD) return () => true;
  if (!token.includes(WILDCARD)) return (t) => t === token;
  const parts = token.split(WILDCARD);
  const head = parts[0]!;
  const tail = parts.at(-1)!;
  const middle = parts.slice(1, -1);
  return (t) => {
    if (t.length < head.length + tail.length || !t.startsWith(head) || !t.endsWith(tail)) return false;
    const end = t.length - tail.length;
    let from = head.length;
    for (const part of middle) {
      const at = t.indexOf(part, from);
      if (at < 0 || at + part.length > end) return false;
      from = at + part.length;
    }
    return true;
  };
}

const tokensOf = (text: string) => text.trim().split(/\s+/);

export class BaselineMatcher {
  /** Trained templates by token count, most specific (fewest wildcards) first. */
  readonly #byLength = new Map<number, Known[]>();

  /** `templates`: trained template id → its text. */
  constructor(templates: Iterable<readonly [string, string]>) {
    for (const [id, text] of templates) {
      const tokens = tokensOf(text);
      const known: Known = {
        id,
        tests: tokens.map(tokenTest),
        wildcards: tokens.filter((t) => t.includes(WILDCARD)).length,
      };
      const list = this.#byLength.get(tokens.length);
      if (list) list.push(known);
      else this.#byLength.set(tokens.length, [known]);
    }
    for (const list of this.#byLength.values()) list.sort((a, b) => a.wildcards - b.wildcards);
  }

  /** The trained template id whose text `body` matches token by token, or null. */
  match(body: string): string | null {
    const tokens = tokensOf(body);
    const candidates = this.#byLength.get(tokens.length);
    if (!candidates) return null;
    for (const known of candidates) if (known.tests.every((test, i) => test(tokens[i]!))) return known.id;
    return null;
  }
}
