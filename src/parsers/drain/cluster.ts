import { WILDCARD } from "./mask.js";

/** One learned template inside one stream. Mutable: the miner generalises it in place. */
export class Cluster {
  /** Display tokens: literal text, a shape such as `blk_<*>`, or `<*>`. */
  tpl: string[];
  /** Matching keys, one per position: the shape a token must have, or `<*>` for "anything". */
  key: string[];
  template: string;
  /** `key` joined with spaces: the exact-match index key. */
  keyString: string;
  id: string;
  /** Number of non-wildcard key positions: the most specific matching cluster wins. */
  specificity: number;
  count: number;
  /** ISO string when the caller gave a record time, otherwise epoch ms (formatted only when asked). */
  firstSeen: string | number;
  lastSeen: string | number;
  /** LRU list links (head = least recently matched). */
  prev: Cluster | null = null;
  next: Cluster | null = null;
  /** Set when the cluster left the index: merged into another one, or evicted (`mergedInto` null). */
  dead = false;
  mergedInto: Cluster | null = null;
  /** Sibling-index keys this cluster is registered under, so it can be unregistered. */
  siblingKeys: string[] = [];
  /**
   * Positions whose display token may still widen (a literal weak token such as `eth0`, or a pattern
   * such as `user=<*>`): the only ones a matching line has to look at.
   */
  watch: number[] = [];
  /** Positions whose display token holds `<*>`: where parameters come from. */
  paramPositions: number[] = [];
  /**
   * For each parameter position, the literal pieces of a shaped token split at `<*>` (`blk_<*>` →
   * `["blk_", ""]`), or null for a bare `<*>`: computed when the template changes, not per line.
   */
  paramPieces: (string[] | null)[] = [];
  /** The undo log's batch in which this cluster's count was last remembered (see `MinerUndo.touch`). */
  undoEpoch = -1;

  constructor(
    tpl: string[],
    key: string[],
    id: string,
    count: number,
    firstSeen: string | number,
    lastSeen: string | number,
  ) {
    this.tpl = tpl;
    this.key = key;
    this.template = "";
    this.keyString = key.join(" ");
    this.refresh();
    this.id = id;
    this.count = count;
    this.firstSeen = firstSeen;
    this.lastSeen = lastSeen;
    let s = 0;
    for (const k of key) if (k !== WILDCARD) s++;
    this.specificity = s;
  }

  /** Recomputes what derives from the display tokens; call after changing `tpl`. */
  refresh(): void {
    const tpl = this.tpl;
    const key = this.key;
    this.template = tpl.join(" ");
    const watch: number[] = [];
    const params: number[] = [];
    const pieces: (string[] | null)[] = [];
    for (let p = 0; p < tpl.length; p++) {
      const t = tpl[p]!;
      if (t !== WILDCARD && t !== key[p]) watch.push(p);
      if (t.indexOf(WILDCARD) >= 0) {
        params.push(p);
        pieces.push(t === WILDCARD ? null : t.split(WILDCARD));
      }
    }
    this.watch = watch;
    this.paramPositions = params;
    this.paramPieces = pieces;
  }

  /** The cluster this one now lives on as (itself when live), or null when it was evicted. */
  live(): Cluster | null {
    let c: Cluster = this;
    while (c.dead) {
      if (!c.mergedInto) return null;
      c = c.mergedInto;
    }
    return c;
  }
}

/** Formats a seen-time for `TemplateInfo`. */
export function seenIso(t: string | number): string {
  return typeof t === "string" ? t : new Date(t).toISOString();
}

/** The earlier / later of two seen-times (ISO strings and epoch ms compare via Date). */
export function seenMs(t: string | number): number {
  return typeof t === "number" ? t : Date.parse(t);
}
