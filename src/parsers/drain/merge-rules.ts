import type { Cluster } from "./cluster.js";
import { generalise } from "./generalise.js";
import { WILDCARD } from "./mask.js";
import type { StreamIndex } from "./stream-index.js";

/**
 * The miner's merge rules (`DrainMiner`, miner.ts): when clusters are one template (siblings, covarying
 * positions, a variant of a known message) and what the merged template says. Pure functions of clusters
 * and tokens, used only when a line creates or reshapes a template, never on the memo's path.
 */

/** The pattern covering every member's display token at `q`. */
export function generaliseAll(members: readonly Cluster[], q: number): string {
  let t = members[0]!.tpl[q]!;
  for (let i = 1; i < members.length && t !== WILDCARD; i++) t = generalise(t, members[i]!.tpl[q]!);
  return t;
}

/**
 * Whether `specific` belongs under `general`: equal or covered by `<*>` everywhere, except that it may
 * have `<*>` where `general` has a masked shape (`rhost=<*>`), a position that is variable in both.
 */
export function covers(general: readonly string[], specific: readonly string[]): boolean {
  for (let i = 0; i < general.length; i++) {
    const g = general[i]!;
    const s = specific[i]!;
    if (g === WILDCARD || g === s) continue;
    if (s === WILDCARD && g.indexOf(WILDCARD) >= 0) continue;
    return false;
  }
  return true;
}

/**
 * A live cluster of `c`'s stream and length that `c` differs from in 1 to `MAX_COVARYING` positions, never
 * the first, each holding a value-like token in `c` (see `valueLike`): then `c` is a known message with new
 * values (`Accepted publickey for zoe.ito92 … SHA256:<key>` beside another user's), not a new message.
 * Runs only when a cluster is created.
 */
export function knownVariantOf(st: StreamIndex, c: Cluster): string | undefined {
  const n = c.key.length;
  for (const m of st.byLength.get(n) ?? []) {
    if (m === c || m.dead || m.key[0] !== c.key[0]) continue;
    let differing = 0;
    for (let p = 1; p < n && differing <= MAX_COVARYING; p++) {
      if (m.key[p] === c.key[p]) continue;
      differing++;
      if (!valueLike(c.tpl[p]!)) differing = MAX_COVARYING + 1;
    }
    if (differing >= 1 && differing <= MAX_COVARYING) return m.id;
  }
  return undefined;
}

/**
 * A token that carries a value rather than a word of the message: it has a digit, or joins words with `.`,
 * `@`, `_` or `-` (`zoe.ito92`, `priya.rossi`, `db-01`, `svc_backup`, `a@b.c`), or is an opaque key.
 */
function valueLike(token: string): boolean {
  if (token.indexOf(WILDCARD) >= 0) return true;
  if (isOpaqueKey(token)) return true;
  for (let i = 0; i < token.length; i++) {
    const ch = token.charCodeAt(i);
    if (ch >= 48 && ch <= 57) return true;
    // Inside the token only: a trailing `.` or `-` is punctuation.
    if ((ch === 46 || ch === 64 || ch === 95 || ch === 45) && i > 0 && i < token.length - 1) return true;
  }
  return false;
}

/** Whether a cluster's first token (of two or more characters) reappears inside another of its tokens. */
export function repeatsFirstToken(c: Cluster): boolean {
  const head = c.tpl[0]!;
  if (head.length < 2 || head.indexOf(WILDCARD) >= 0) return false;
  for (let q = 1; q < c.tpl.length; q++) if (c.tpl[q]!.includes(head)) return true;
  return false;
}

/** Most positions a group of clusters may differ in and still be one entity's values (see `mergeCovarying`). */
export const MAX_COVARYING = 3;

/**
 * Whether a group differing at `positions` carries one entity's values there: each cluster holds a value
 * of its own at every position (a small vocabulary such as `from NEW to RUNNING` repeats values), and
 * the positions either repeat one value (`alice` and `PWD=/home/alice`: the same text once the group's
 * common prefix and suffix are cut) or are opaque keys (`SHA256:…`, a base64 or hex digest). At most one
 * other position may vary on its own, and never the first (it names the event), as for siblings.
 */
export function covaryingMerge(group: readonly Cluster[], positions: readonly number[]): boolean {
  const k = group[0]!.key;
  let literalsLeft = 0;
  for (let q = 0; q < k.length; q++) if (!positions.includes(q) && k[q] !== WILDCARD) literalsLeft++;
  if (literalsLeft === 0) return false;
  const valued: number[] = [];
  for (const p of positions) {
    const values = new Set<string>();
    let opaque = true;
    for (const m of group) {
      const v = m.key[p]!;
      if (v === WILDCARD || values.has(v)) return false;
      values.add(v);
      if (!isOpaqueKey(m.tpl[p]!)) opaque = false;
    }
    if (!opaque) valued.push(p);
  }
  if (valued.length === 0) return true;
  if (valued.length === 1) return valued[0] !== 0;
  const cuts = valued.map((p) => commonAffixes(group.map((m) => m.tpl[p]!)));
  return group.every((m) => {
    const residue = (i: number) => {
      const t = m.tpl[valued[i]!]!;
      const [pre, suf] = cuts[i]!;
      return t.slice(pre, t.length - suf);
    };
    const first = residue(0);
    if (first.length < 2) return false;
    for (let i = 1; i < valued.length; i++) if (residue(i) !== first) return false;
    return true;
  });
}

/** Lengths of the prefix and the suffix that all `texts` share (not overlapping in the shortest). */
function commonAffixes(texts: readonly string[]): [number, number] {
  const shortest = Math.min(...texts.map((t) => t.length));
  const a = texts[0]!;
  let pre = 0;
  while (pre < shortest && texts.every((t) => t.charCodeAt(pre) === a.charCodeAt(pre))) pre++;
  let suf = 0;
  while (
    suf < shortest - pre &&
    texts.every((t) => t.charCodeAt(t.length - 1 - suf) === a.charCodeAt(a.length - 1 - suf))
  )
    suf++;
  return [pre, suf];
}

/**
 * A digest or key fingerprint (`SHA256:t561I7W4mPeQ2WEsf0U4rwdaXVHSzRzfRNiJ1tqZIP+`): after an optional
 * `word:` label, 16 or more base64 characters mixing letters and digits. Words never look like this.
 */
function isOpaqueKey(token: string): boolean {
  const body = token.slice(token.indexOf(":") + 1);
  if (body.length < 16) return false;
  let digits = 0;
  let letters = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c !== 43 && c !== 47 && c !== 61 && c !== 45 && c !== 95) return false; // + / = - _
  }
  return digits >= 2 && letters >= 2;
}

export function sameExcept(a: readonly string[], b: readonly string[], p: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (i !== p && a[i] !== b[i]) return false;
  return true;
}
