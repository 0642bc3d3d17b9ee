/**
 * The template miner, `DrainMiner`. One module: one class whose methods all read and change the same
 * state, the streams' indexes, the current line's scanner and string forms (`sc`, `toks`, `shapes`,
 * `keys`, `strengths`) and the undo journal. `add`, the per-line path (the skeleton table, the memo, the
 * scan), goes on to create, merge or evict templates within the same line when the memo misses: cut in
 * two, each half of the class would reach into the other's private state on that path, which the golden
 * digests (test/parsers/drain/golden.test.ts) and bench:parse hold as it is. What stands apart is
 * elsewhere: the merge rules (merge-rules.ts), the saved state's format (state.ts), the undo journal
 * (undo.ts), the skeleton table (skeleton.ts), the scanner (scan.ts).
 */
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type {
  TemplateChange,
  TemplateInfo,
  TemplateMatch,
  TemplateMiner,
  TemplateParam,
} from "../../core/template.js";
import type { UndoLog } from "../../core/undo.js";
import { Cluster, seenIso, seenMs } from "./cluster.js";
import { generalise } from "./generalise.js";
import { fnv1a, mixPosition } from "./hash.js";
import { maskToken, WEAK, WILDCARD } from "./mask.js";
import {
  covaryingMerge,
  covers,
  generaliseAll,
  knownVariantOf,
  MAX_COVARYING,
  repeatsFirstToken,
  sameExcept,
} from "./merge-rules.js";
import { DEFAULT_OPTIONS, type DrainOptions, type ModelOptions } from "./options.js";
import { extractParams, paramSpans } from "./params.js";
import { LineScanner } from "./scan.js";
import { SkeletonEntry } from "./skeleton.js";
import { exportMinerState, type MinerState, parseMinerState, type StreamState } from "./state.js";
import { StreamIndex } from "./stream-index.js";
import { templateIdOf } from "./template-id.js";
import { MinerUndo } from "./undo.js";

/** Memo entries kept per stream before the memo is dropped and rebuilt from traffic. */
const MEMO_LIMIT = 50_000;

const WILD_H1 = fnv1a(WILDCARD, 1);
const WILD_H2 = fnv1a(WILDCARD, 2);

/**
 * Online template miner in the Drain family.
 *
 * 1. Each token is masked to a shape (`blk_<*>`, `<*>:<*>`, …); the shapes form the line's key.
 * 2. A line goes to the cluster with the same key (hash lookup, the common case), or else to the most
 *    specific cluster of the same token count whose key matches it (`<*>` matches anything).
 * 3. Otherwise a new cluster is created. Clusters that differ in exactly one position are siblings;
 *    once a position has shown `mergeThreshold` different values (or one sibling already has `<*>`
 *    there) the siblings merge into one template with `<*>` at that position. This is the online form
 *    of Brain's "a column with many distinct values is a variable, one with few values is part of the
 *    template" rule, and it keeps `from NEW to RUNNING` apart from `from RUNNING to DONE`.
 *    Clusters that differ in the same two or three positions, with a value of their own at each of them
 *    (`alice : … PWD=/home/alice`, `publickey for bob … SHA256:<key of bob>`), are one entity's values
 *    spread over the line: they merge at all those positions once `mergeThreshold` clusters agree.
 * 4. Merged or generalised templates get a new content-derived id; the old id stays resolvable.
 */
export class DrainMiner implements TemplateMiner {
  private readonly opts: ModelOptions;
  /** Whether lines go through the skeleton memo first (`skeleton.ts`). */
  private readonly skeletons: boolean;
  private readonly streams = new Map<string, StreamIndex>();
  private evictions = 0;
  private truncatedLines = 0;
  /**
   * Tokens, shapes, keys and key hashes of the current line as spans of the line: a line whose masked
   * key is in the memo (the common case) is matched without building any string but its parameters.
   */
  private readonly sc: LineScanner;
  /**
   * String forms of the current line, filled by `materialize` only when the memo misses: the slower
   * path that searches, creates and merges templates.
   */
  private readonly toks: string[] = [];
  /** Display shape of each token (`blk_<*>`). */
  private readonly shapes: string[] = [];
  /** Matching key of each token: the shape, or a coarser pattern (any path matches any path). */
  private readonly keys: string[] = [];
  private readonly strengths: Uint8Array;
  /** The last stream looked up: consecutive lines usually come from the same stream. */
  private lastStream: StreamIndex | null = null;
  /** Id of the most populous cluster absorbed by the last merge (the `previousId` of a merged line). */
  private mergedFromId: string | undefined;
  /** Journals a batch's changes so a batch whose store transaction fails can be taken back. */
  private readonly journal = new MinerUndo();
  /**
   * The skeleton entry the last `add` matched its line by, or made from it; null when neither (the line
   * changed a template, or its stream skips the skeleton table). `RawLineMiner` keeps it with the line.
   */
  lastSkeleton: SkeletonEntry | null = null;

  constructor(options: DrainOptions = {}) {
    const { skeletonMemo = true, ...model } = options;
    this.opts = { ...DEFAULT_OPTIONS, ...model };
    this.skeletons = skeletonMemo;
    if (this.opts.maxTokensPerLine < 1) throw new RangeError("maxTokensPerLine must be at least 1");
    if (this.opts.maxTemplatesPerStream < 1) throw new RangeError("maxTemplatesPerStream must be at least 1");
    if (this.opts.mergeThreshold < 2) throw new RangeError("mergeThreshold must be at least 2");
    this.strengths = new Uint8Array(this.opts.maxTokensPerLine);
    this.sc = new LineScanner(this.opts.maxTokensPerLine);
    this.journal.log.atEachBegin(() => {
      const { evictions, truncatedLines } = this;
      return () => {
        this.evictions = evictions;
        this.truncatedLines = truncatedLines;
      };
    });
  }

  /** Begin, commit or roll back a batch here (`Processor` does, around each store transaction). */
  get undo(): UndoLog {
    return this.journal.log;
  }

  add(stream: string, message: string, at?: string): TemplateMatch {
    const st = this.streamOf(stream);
    const when: string | number = at ?? Date.now();
    this.lastSkeleton = null;
    const skeleton = this.skeletons ? st.memo.skeletons.find(message) : null;
    if (skeleton !== null) {
      if (this.holds(st, skeleton)) {
        this.lastSkeleton = skeleton;
        return this.count(st, skeleton.cluster, when, skeleton.params(message));
      }
      st.memo.skeletons.delete(skeleton);
    }
    const sc = this.sc;
    const n = sc.scan(message);
    if (sc.truncated) this.truncatedLines++;
    let entry = st.memo.find(sc);
    let c: Cluster | null = null;
    if (entry) {
      c = entry.cluster.live();
      if (!c) {
        st.memo.delete(entry);
        entry = null;
      }
    }
    let keys: readonly string[] | null = entry ? entry.keys : null;
    if (!c) {
      keys = this.materialize(n);
      c = this.lookup(st, n, keys);
    }
    let change: TemplateChange = "none";
    let previousId: string | undefined;
    let variantOf: string | undefined;
    /** The line matched a template and left it as it was: the next line of its skeleton will too. */
    let unchanged = false;
    if (c) {
      const oldId = c.id;
      if (this.absorb(st, c)) {
        c = this.rename(st, c);
        if (c.id !== oldId) {
          change = "updated";
          previousId = oldId;
        }
      } else unchanged = true;
    } else {
      if (this.journal.recording) this.journal.reshape(st);
      const created = this.newCluster(n, when);
      this.mergedFromId = undefined;
      c = this.insert(st, created);
      if (c === created) {
        change = "created";
        variantOf = knownVariantOf(st, c);
      } else {
        change = "updated";
        previousId = this.mergedFromId;
      }
      this.evictOverflow(st, c);
    }
    if (st.memo.size >= MEMO_LIMIT) {
      st.memo.clear();
      entry = null;
    }
    if (entry) entry.cluster = c;
    else entry = st.memo.add(sc.lineHash, keys ?? this.keys.slice(0, n), c);
    const match = this.count(st, c, when, extractParams(c.paramPieces, c.paramPositions, sc));
    if (unchanged && !sc.truncated && this.skeletons && !st.memo.skeletons.skipped) {
      const made = SkeletonEntry.of(
        st.memo.skeletons.lastHash,
        message,
        st,
        entry,
        c,
        sc.start,
        sc.end,
        paramSpans.at,
        match.params,
      );
      if (made) st.memo.skeletons.add(made);
      this.lastSkeleton = made;
    }
    match.change = change;
    if (previousId !== undefined && previousId !== c.id) match.previousId = previousId;
    if (variantOf !== undefined) match.variantOf = variantOf;
    return match;
  }

  /**
   * `add` for a message known to have `e`'s skeleton (a caller that checked a longer line holding it,
   * `RawLineMiner`): the message is `line` from `offset` on. Null when the entry no longer holds, and
   * the caller adds the message the usual way.
   */
  addKnown(
    stream: string,
    e: SkeletonEntry,
    line: string,
    offset: number,
    at?: string,
  ): TemplateMatch | null {
    const st = this.streamOf(stream);
    if (e.stream !== st || !this.holds(st, e)) return null;
    this.lastSkeleton = e;
    return this.count(st, e.cluster, at ?? Date.now(), e.params(line, offset));
  }

  /**
   * Whether a line of `e`'s skeleton would go where `e` says, as the memo path takes it: the same memo
   * entry (the memo not emptied since), the same live cluster, its template unchanged, and no memo
   * reset due. An entry leaves the memo when its cluster is dead, or with the whole memo.
   */
  private holds(st: StreamIndex, e: SkeletonEntry): boolean {
    const c = e.cluster;
    return (
      e.generation === st.memo.generation &&
      e.memo.cluster === c &&
      !c.dead &&
      c.paramPieces === e.pieces &&
      st.memo.size < MEMO_LIMIT
    );
  }

  /** Counts a line of `c` (journalled for a rollback) and returns its match, unchanged. */
  private count(st: StreamIndex, c: Cluster, when: string | number, params: TemplateParam[]): TemplateMatch {
    if (this.journal.recording) this.journal.touch(st, c);
    c.count++;
    c.lastSeen = when;
    st.touch(c);
    return { templateId: c.id, template: c.template, params, change: "none" };
  }

  match(stream: string, message: string): TemplateMatch | null {
    const st = this.streams.get(stream);
    if (!st) return null;
    const sc = this.sc;
    const n = sc.scan(message);
    const entry = st.memo.find(sc);
    let c: Cluster | null = null;
    if (entry) {
      c = entry.cluster.live();
      if (!c) st.memo.delete(entry);
    }
    if (!c) c = this.lookup(st, n, this.materialize(n));
    if (!c) return null;
    return {
      templateId: c.id,
      template: c.template,
      params: extractParams(c.paramPieces, c.paramPositions, sc),
      change: "none",
    };
  }

  templates(): TemplateInfo[] {
    const out: TemplateInfo[] = [];
    for (const st of this.streams.values()) {
      for (const c of st.inLruOrder()) {
        out.push({
          stream: st.name,
          templateId: c.id,
          template: c.template,
          count: c.count,
          firstSeen: seenIso(c.firstSeen),
          lastSeen: seenIso(c.lastSeen),
        });
      }
    }
    return out;
  }

  resolve(stream: string, templateId: string): string {
    const st = this.streams.get(stream);
    return st ? st.resolve(templateId) : templateId;
  }

  /** The live template text for an id (after `resolve`), or null. */
  templateOf(stream: string, templateId: string): string | null {
    const st = this.streams.get(stream);
    if (!st) return null;
    return st.byId.get(st.resolve(templateId))?.template ?? null;
  }

  exportState(): MinerState {
    return exportMinerState(this.opts, this.streams.values(), this.evictions, this.truncatedLines);
  }

  importState(state: unknown): void {
    const parsed = parseMinerState(state);
    this.streams.clear();
    this.evictions = parsed.counters.evictions;
    this.truncatedLines = parsed.counters.truncatedLines;
    for (const s of parsed.streams) this.importStreamState(s);
  }

  streamNames(): string[] {
    return [...this.streams.keys()];
  }

  exportStream(stream: string): JsonValue | undefined {
    const st = this.streams.get(stream);
    if (!st) return undefined;
    // A stream's templates and lineage are plain JSON (strings, numbers, arrays of them).
    return exportMinerState(this.opts, [st], 0, 0).streams[0] as unknown as JsonValue;
  }

  exportShared(): JsonValue {
    return { counters: { evictions: this.evictions, truncatedLines: this.truncatedLines } };
  }

  importStreams(shared: JsonValue | undefined, streams: readonly JsonValue[]): void {
    const counters = isJsonObject(shared) && isJsonObject(shared.counters) ? shared.counters : {};
    const parsed = parseMinerState({ version: 1, counters, streams });
    if (shared !== undefined) {
      this.evictions = parsed.counters.evictions;
      this.truncatedLines = parsed.counters.truncatedLines;
    }
    for (const s of parsed.streams) {
      this.streams.delete(s.stream);
      this.importStreamState(s);
    }
  }

  private importStreamState(s: StreamState): void {
    const st = this.streamOf(s.stream);
    for (const [from, to] of s.lineage) st.lineage.set(from, to);
    for (const t of s.templates) {
      const c = new Cluster(t.tokens, t.keys, t.id, t.count, t.firstSeen, t.lastSeen);
      // As saved: the merge rules ran when the templates were made. Running them again on the whole set
      // merged siblings that had lived apart (the template that kept them apart may have been evicted).
      this.insert(st, c, false);
    }
  }

  stats(): { templates: number; evictions: number; truncatedLines: number } {
    let templates = 0;
    for (const st of this.streams.values()) templates += st.size;
    return { templates, evictions: this.evictions, truncatedLines: this.truncatedLines };
  }

  // ---------------------------------------------------------------- internals

  private streamOf(stream: string): StreamIndex {
    const last = this.lastStream;
    if (last && last.name === stream && this.streams.get(stream) === last) return last;
    let st = this.streams.get(stream);
    if (!st) {
      st = new StreamIndex(stream);
      this.streams.set(stream, st);
      this.journal.log.push(() => this.streams.delete(stream));
    }
    this.lastStream = st;
    return st;
  }

  /** Fills the string buffers from the scanner; returns a fresh copy of the line's keys (for the memo). */
  private materialize(n: number): string[] {
    const sc = this.sc;
    const out = new Array<string>(n);
    for (let p = 0; p < n; p++) {
      this.toks[p] = sc.text(p);
      this.shapes[p] = sc.shape(p);
      const k = sc.key(p);
      this.keys[p] = k;
      out[p] = k;
      this.strengths[p] = sc.strength[p]!;
    }
    return out;
  }

  /** Exact key, then the most specific template of the same length whose key matches (memo already missed). */
  private lookup(st: StreamIndex, n: number, keys: readonly string[]): Cluster | null {
    const exact = st.byKey.get(keys.join(" "));
    if (exact) return exact;
    const list = st.byLength.get(n);
    if (!list) return null;
    let best: Cluster | null = null;
    for (const c of list) {
      if (best && c.specificity <= best.specificity) continue;
      const k = c.key;
      let ok = true;
      for (let p = 0; p < n; p++) {
        const kp = k[p]!;
        if (kp !== WILDCARD && kp !== keys[p]) {
          ok = false;
          break;
        }
      }
      if (ok) best = c;
    }
    return best;
  }

  /** Widens display tokens that this line does not fit. Returns whether the template changed. */
  private absorb(st: StreamIndex, c: Cluster): boolean {
    let changed = false;
    const tpl = c.tpl;
    const sc = this.sc;
    for (const p of c.watch) {
      const t = tpl[p]!;
      if (t === WILDCARD || sc.textEquals(p, t) || sc.shapeEquals(p, t)) continue;
      const shape = sc.shape(p);
      let next: string;
      if (t.indexOf(WILDCARD) < 0 && maskToken(t) === shape)
        next = shape; // `eth1` then `eth0`: `eth<*>`
      else next = generalise(t, shape);
      if (next !== t) {
        if (!changed && this.journal.recording) this.journal.reshape(st);
        tpl[p] = next;
        changed = true;
      }
    }
    if (changed) c.refresh();
    return changed;
  }

  /** Recomputes text and id after the display tokens changed; merges on an id collision. */
  private rename(st: StreamIndex, c: Cluster): Cluster {
    const oldId = c.id;
    const newId = templateIdOf(st.name, c.template);
    if (newId === oldId) return c;
    const other = st.byId.get(newId);
    if (st.byId.get(oldId) === c) st.byId.delete(oldId);
    c.id = newId;
    st.addLineage(oldId, newId, this.opts.maxLineage);
    if (other && other !== c) return this.mergeGroup(st, [other, c], -1);
    st.byId.set(newId, c);
    st.lineage.delete(newId);
    return c;
  }

  private newCluster(n: number, when: string | number): Cluster {
    const tpl = new Array<string>(n);
    const key = new Array<string>(n);
    for (let p = 0; p < n; p++) {
      key[p] = this.keys[p]!;
      // Weak tokens (`ssh2`, `eth0`) show their literal text until a second value is seen.
      tpl[p] = this.strengths[p] === WEAK ? this.toks[p]! : this.shapes[p]!;
    }
    return new Cluster(tpl, key, "", 0, when, when);
  }

  /**
   * Adds a cluster to every index, then (with `merge`, unless restoring a saved state) applies the merge
   * rules; returns the live cluster that now holds it (itself, or the merged cluster).
   */
  private insert(st: StreamIndex, c: Cluster, merge = true): Cluster {
    const same = st.byKey.get(c.keyString);
    if (same && same !== c) return this.mergeGroup(st, [same, c], -1);
    if (c.id === "") c.id = templateIdOf(st.name, c.template);
    const clash = st.byId.get(c.id);
    if (clash && clash !== c) return this.mergeGroup(st, [clash, c], -1);
    st.byId.set(c.id, c);
    st.lineage.delete(c.id);
    st.byKey.set(c.keyString, c);
    const n = c.key.length;
    let list = st.byLength.get(n);
    if (!list) {
      list = [];
      st.byLength.set(n, list);
    }
    list.push(c);
    st.linkTail(c);
    st.size++;
    return this.registerSiblings(st, c, merge);
  }

  /** Registers the cluster under its one-position-wildcarded keys and merges siblings past the threshold. */
  private registerSiblings(st: StreamIndex, c: Cluster, merge = true): Cluster {
    const key = c.key;
    const n = key.length;
    const h1 = new Array<number>(n);
    const h2 = new Array<number>(n);
    let t1 = 0;
    let t2 = 0;
    for (let p = 0; p < n; p++) {
      const a = mixPosition(fnv1a(key[p]!, 1), p);
      const b = mixPosition(fnv1a(key[p]!, 2), p);
      h1[p] = a;
      h2[p] = b;
      t1 = (t1 + a) >>> 0;
      t2 = (t2 + b) >>> 0;
    }
    let mergeAt = -1;
    let mergeList: Cluster[] | null = null;
    for (let p = 0; p < n; p++) {
      const k1 = (t1 - h1[p]! + mixPosition(WILD_H1, p)) >>> 0;
      const k2 = (t2 - h2[p]! + mixPosition(WILD_H2, p)) >>> 0;
      const skey = `${n}:${p}:${k1}:${k2}`;
      let list = st.siblings.get(skey);
      if (!list) {
        list = [];
        st.siblings.set(skey, list);
      }
      list.push(c);
      c.siblingKeys.push(skey);
      if (merge && mergeList === null && list.length > 1) {
        const group = list.filter((m) => !m.dead && sameExcept(m.key, key, p));
        if (group.length > 1 && this.shouldMerge(group, p, n)) {
          mergeAt = p;
          mergeList = group;
        }
      }
    }
    if (mergeList) return this.mergeGroup(st, mergeList, mergeAt);
    return merge ? this.mergeCovarying(st, c) : c;
  }

  /**
   * Co-varying positions: the clusters of `c`'s length that differ from it in the same 2–3 positions.
   * When at least `mergeThreshold` of them (with `c`) have a distinct value at every one of those
   * positions, the positions carry one entity's values (a user name repeated in a path, a user and their
   * key fingerprint) and the group merges with `<*>` at each. A small vocabulary (`Accepted`/`Failed`)
   * repeats values and never qualifies. The first position takes part only when its value reappears in
   * another differing token (`alice : … PWD=/home/alice`): otherwise it names the event. Runs only when
   * a cluster is created, never on the matching path.
   */
  private mergeCovarying(st: StreamIndex, c: Cluster): Cluster {
    const n = c.key.length;
    const list = st.byLength.get(n);
    const need = this.opts.mergeThreshold;
    if (!list || list.length < need) return c;
    const groups = new Map<string, Cluster[]>();
    const diff: number[] = [];
    for (const m of list) {
      if (m === c || m.dead) continue;
      diff.length = 0;
      for (let p = 0; p < n && diff.length <= MAX_COVARYING; p++) if (m.key[p] !== c.key[p]) diff.push(p);
      if (diff.length < 2 || diff.length > MAX_COVARYING) continue;
      const id = diff.join(",");
      const g = groups.get(id);
      if (g) g.push(m);
      else groups.set(id, [m]);
    }
    for (const [id, members] of groups) {
      if (members.length + 1 < need) continue;
      const positions = id.split(",").map(Number);
      const group = [c, ...members];
      if (!covaryingMerge(group, positions)) continue;
      return this.mergeGroup(st, group, positions);
    }
    return c;
  }

  /**
   * Sibling merge rule for templates that differ only at position `p`:
   * - never when `<*>` would be all that is left (`normal`, `warning` stay apart);
   * - at once when one of them already has `<*>` there, or all differ only in masked shapes
   *   (`rdd_<*>` vs `broadcast_<*>`, an IP vs a host name with digits);
   * - for plain words, once `mergeThreshold` different words were seen, and never for the first token:
   *   like Drain's prefix tree, the first word is taken as part of the event's name, unless the line
   *   repeats it (`alice : … PWD=/home/alice`), which makes it a value.
   */
  private shouldMerge(group: readonly Cluster[], p: number, n: number): boolean {
    let literalsLeft = 0;
    const k = group[0]!.key;
    for (let q = 0; q < n; q++) if (q !== p && k[q] !== WILDCARD) literalsLeft++;
    if (literalsLeft === 0) return false;
    let allMasked = true;
    for (const m of group) {
      const kp = m.key[p]!;
      if (kp === WILDCARD) return true;
      if (kp.indexOf(WILDCARD) < 0) allMasked = false;
    }
    if (allMasked) return true;
    if (p === 0 && !group.every(repeatsFirstToken)) return false;
    return group.length >= this.opts.mergeThreshold;
  }

  /** Replaces `members` by one cluster (with `<*>` at `position`(s) when ≥ 0) and re-inserts it. */
  private mergeGroup(st: StreamIndex, members: Cluster[], position: number | readonly number[]): Cluster {
    const first = members[0]!;
    const n = first.key.length;
    const tpl = new Array<string>(n);
    const key = new Array<string>(n);
    const wild = typeof position === "number" ? [position] : position;
    for (let q = 0; q < n; q++) {
      if (wild.includes(q)) {
        tpl[q] = generaliseAll(members, q);
        key[q] = WILDCARD;
        continue;
      }
      let k = first.key[q]!;
      let sameTpl = true;
      for (let i = 1; i < members.length; i++) {
        const m = members[i]!;
        if (m.key[q] !== k) k = WILDCARD;
        if (m.tpl[q] !== first.tpl[q]) sameTpl = false;
      }
      key[q] = k;
      if (sameTpl) tpl[q] = first.tpl[q]!;
      else if (k !== WILDCARD && k.indexOf(WILDCARD) >= 0) tpl[q] = k;
      else tpl[q] = generaliseAll(members, q);
    }
    let count = 0;
    let firstSeen = first.firstSeen;
    let lastSeen = first.lastSeen;
    let biggest: Cluster | null = null;
    for (const m of members) {
      count += m.count;
      if (seenMs(m.firstSeen) < seenMs(firstSeen)) firstSeen = m.firstSeen;
      if (seenMs(m.lastSeen) > seenMs(lastSeen)) lastSeen = m.lastSeen;
      if (m.count > 0 && (!biggest || m.count > biggest.count)) biggest = m;
    }
    const merged = new Cluster(tpl, key, "", count, firstSeen, lastSeen);
    merged.id = templateIdOf(st.name, merged.template);
    for (const m of members) {
      this.remove(st, m);
      m.dead = true;
      m.mergedInto = merged;
      if (m.id !== "") st.addLineage(m.id, merged.id, this.opts.maxLineage);
    }
    if (biggest && biggest.id !== merged.id) this.mergedFromId = biggest.id;
    const live = this.insert(st, merged);
    if (live !== merged || merged.dead) return live;
    // Clusters the new template covers would keep winning their own lines (the most specific match
    // wins), so fold them in now: Drain's template merging.
    const covered = (st.byLength.get(n) ?? []).filter((c) => c !== merged && covers(merged.key, c.key));
    return covered.length > 0 ? this.mergeGroup(st, [merged, ...covered], -1) : merged;
  }

  /** Takes a cluster out of every index (it may not be in them yet: a just-built cluster). */
  private remove(st: StreamIndex, c: Cluster): void {
    if (st.byKey.get(c.keyString) !== c) return;
    st.byKey.delete(c.keyString);
    if (st.byId.get(c.id) === c) st.byId.delete(c.id);
    const list = st.byLength.get(c.key.length);
    if (list) {
      const i = list.indexOf(c);
      if (i >= 0) {
        list[i] = list[list.length - 1]!;
        list.pop();
      }
      if (list.length === 0) st.byLength.delete(c.key.length);
    }
    for (const skey of c.siblingKeys) {
      const sl = st.siblings.get(skey);
      if (!sl) continue;
      const i = sl.indexOf(c);
      if (i >= 0) {
        sl[i] = sl[sl.length - 1]!;
        sl.pop();
      }
      if (sl.length === 0) st.siblings.delete(skey);
    }
    c.siblingKeys = [];
    st.unlink(c);
    st.size--;
  }

  private evictOverflow(st: StreamIndex, keep: Cluster): void {
    while (st.size > this.opts.maxTemplatesPerStream) {
      const victim = st.head === keep ? keep.next : st.head;
      if (!victim) break;
      this.remove(st, victim);
      victim.dead = true;
      victim.mergedInto = null;
      this.evictions++;
    }
  }
}
