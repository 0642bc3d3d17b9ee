import type { JsonValue } from "../../../core/json.js";
import { HistoryTrie, MAX_KEY_ID } from "./history-trie.js";
import { MODEL_FORMAT, MODEL_VERSION, parseModelJson, validateOptions } from "./model-json.js";
import type { NextKeyModelOptions } from "./model-options.js";
import {
  END,
  type ExpectedKey,
  MAX_REASONS,
  type NextKeyViolation,
  type SessionReason,
  type SessionVerdict,
  START,
} from "./verdict.js";

/**
 * Picked on the HDFS training half only (never the test set), by forward chaining: each later fold of
 * the training half is judged by a model trained on the folds before it; of the settings whose
 * held-out false-alarm rate stayed within half the 0.25 % budget, the one that caught the most
 * synthetic anomalies (h = 4 and h = 10 tied; the shorter history is cheaper; g = 13 and 14 tied,
 * the smaller is stricter). g is large because HDFS block sessions interleave three replicas freely,
 * so order says little there; unseen keys, per-key counts (a replica that never reported), the end
 * and the length say most. See bench/detect/hdfs-sessions.ts and docs/benchmarks.md for the
 * measured figures; other logs may want a smaller g.
 */
export const DEFAULT_NEXT_KEY_OPTIONS: Readonly<NextKeyModelOptions> = {
  historyLength: 4,
  topG: 13,
  padCandidates: true,
  endHistoryLength: 1,
  lengthMargin: 0.1,
  countMargin: 0,
};

const BOS = 0;
const EOS = 1;
const UNKNOWN = -1;

/** The trained counts; shared by reference between a model and its `withOptions` views. */
interface Counts {
  depth: number;
  trie: HistoryTrie;
  /** Key id → key; ids 0 and 1 are the start and end tokens. */
  keys: string[];
  ids: Map<string, number>;
  sessions: number;
  minLength: number;
  maxLength: number;
  /** Per key id: fewest and most occurrences in one training session (0 if some session lacked it). */
  keyMin: number[];
  keyMax: number[];
}

interface Lookup {
  /** Trie nodes of the history suffixes of length 0..historyLength that were seen. */
  path: number[];
  historyLength: number;
  /** Accepted next-key ids, and the trie node each was taken from. */
  candidates: number[];
  sources: number[];
}

/**
 * Count-based next-key model with DeepLog's detection rule (Du et al., CCS 2017): a session is
 * normal while every next key is among the g most frequent keys seen after its history of h keys.
 *
 * Each session is read as `START×h, k1 … kn, END`: the start padding lets the first keys be
 * predicted too, and the end token makes a session that stops early (a truncated block write, a
 * crashed job) a prediction error like any other.
 */
export class NextKeyModel {
  readonly options: Readonly<NextKeyModelOptions>;
  #c: Counts;

  constructor(options: Partial<NextKeyModelOptions> = {}) {
    this.options = validateOptions({ ...DEFAULT_NEXT_KEY_OPTIONS, ...options });
    this.#c = {
      depth: this.options.historyLength,
      trie: new HistoryTrie(),
      keys: [START, END],
      ids: new Map(),
      sessions: 0,
      minLength: 0,
      maxLength: 0,
      keyMin: [0, 0],
      keyMax: [0, 0],
    };
  }

  /**
   * A model with other detection settings over the same counts (shared, not copied): lets a
   * benchmark sweep h ≤ depth, g and the checks without retraining.
   */
  withOptions(options: Partial<NextKeyModelOptions>): NextKeyModel {
    const view = new NextKeyModel({ ...this.options, ...options });
    if (view.options.historyLength > this.depth)
      throw new Error(`historyLength ${view.options.historyLength} exceeds the trained depth ${this.depth}`);
    view.#c = this.#c;
    return view;
  }

  /** The longest history the counts hold (the `historyLength` the model was trained with). */
  get depth(): number {
    return this.#c.depth;
  }

  get sessionsTrained(): number {
    return this.#c.sessions;
  }

  /** Shortest and longest training session, in keys; null before training. */
  get lengthRange(): { min: number; max: number } | null {
    return this.#c.sessions === 0 ? null : { min: this.#c.minLength, max: this.#c.maxLength };
  }

  /** Distinct keys seen in training. */
  get vocabulary(): readonly string[] {
    return this.#c.keys.slice(2);
  }

  /** Adds the sessions' counts; may be called again with more sessions. */
  train(sessions: Iterable<readonly string[]>): this {
    const c = this.#c;
    const h = c.depth;
    for (const session of sessions) {
      const seq = this.#encode(session, true);
      for (let i = h; i < seq.length; i++) {
        let node = 0;
        c.trie.add(node, seq[i]!);
        for (let len = 1; len <= h; len++) {
          node = c.trie.childOrCreate(node, seq[i - len]!);
          c.trie.add(node, seq[i]!);
        }
      }
      this.#countKeys(seq.subarray(h, seq.length - 1));
      c.minLength = c.sessions === 0 ? session.length : Math.min(c.minLength, session.length);
      c.maxLength = Math.max(c.maxLength, session.length);
      c.sessions++;
    }
    return this;
  }

  detect(session: readonly string[]): SessionVerdict {
    const c = this.#c;
    if (c.sessions === 0) throw new Error("NextKeyModel.detect called before train");
    const { historyLength: h, endHistoryLength, topG } = this.options;
    const seq = this.#encode(session, false);
    const reasons: SessionReason[] = [];
    let score = 0;
    let violations = 0;
    let firstViolation: NextKeyViolation | null = null;

    const length = this.#checkLength(session.length);
    if (length) {
      reasons.push(length.reason);
      score = length.score;
    }
    for (const bad of this.#checkCounts(seq.subarray(c.depth, seq.length - 1))) {
      if (reasons.length < MAX_REASONS) reasons.push(bad.reason);
      score = Math.max(score, bad.score);
    }
    // The sequence starts with `depth` start tokens; a shorter h simply reads fewer of them.
    for (let i = c.depth; i < seq.length; i++) {
      const observed = seq[i]!;
      const isEnd = i === seq.length - 1;
      const strictEnd = isEnd && endHistoryLength !== null;
      const pad = this.options.padCandidates && !strictEnd;
      const look = this.#lookup(seq, i, strictEnd ? Math.min(endHistoryLength, h) : h, pad);
      const rank = look.candidates.indexOf(observed);
      if (rank >= 0) {
        score = Math.max(score, (0.5 * rank) / topG);
        continue;
      }
      const node = look.path[look.historyLength]!;
      const p = observed === UNKNOWN ? 0 : c.trie.count(node, observed) / c.trie.total(node);
      score = Math.max(score, 0.5 + 0.5 * (1 - p));
      violations++;
      const position = i - c.depth;
      if (violations <= MAX_REASONS) {
        if (observed === UNKNOWN) reasons.push({ kind: "unseen_key", position, key: session[position]! });
        else if (isEnd) reasons.push({ kind: "unexpected_end", position });
        else reasons.push({ kind: "unexpected_key", position, key: session[position]! });
      }
      firstViolation ??= {
        position,
        history: Array.from(seq.subarray(i - look.historyLength, i), (id) => c.keys[id]!),
        observed: isEnd ? END : session[position]!,
        expected: this.#expected(look),
      };
    }
    return { anomalous: score >= 0.5, score, reasons, violations, firstViolation };
  }

  toJSON(): JsonValue {
    const c = this.#c;
    const { links, counts } = c.trie.toArrays();
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      options: { ...this.options },
      depth: c.depth,
      keys: c.keys.slice(2),
      sessions: c.sessions,
      minLength: c.minLength,
      maxLength: c.maxLength,
      keyMin: c.keyMin.slice(2),
      keyMax: c.keyMax.slice(2),
      links,
      counts,
    };
  }

  static fromJSON(json: JsonValue): NextKeyModel {
    const data = parseModelJson(json);
    const model = new NextKeyModel({ ...data.options, historyLength: data.depth });
    const c = model.#c;
    for (const key of data.keys) model.#idOf(key, true);
    c.trie = HistoryTrie.fromArrays(data.links, data.counts);
    c.sessions = data.sessions;
    c.minLength = data.minLength;
    c.maxLength = data.maxLength;
    c.keyMin = [0, 0, ...data.keyMin];
    c.keyMax = [0, 0, ...data.keyMax];
    return model.withOptions(data.options);
  }

  /**
   * Walks back from position i as far as the history was seen (at most `maxLength` keys), takes
   * that history's top-g next keys and, if `pad`, fills up to g from ever shorter histories.
   */
  #lookup(seq: Int32Array, i: number, maxLength: number, pad: boolean): Lookup {
    const { trie } = this.#c;
    const path = [0];
    for (let len = 1; len <= maxLength; len++) {
      const next = trie.child(path[len - 1]!, seq[i - len]!);
      if (next === undefined) break;
      path.push(next);
    }
    const historyLength = path.length - 1;
    const candidates: number[] = [];
    const sources: number[] = [];
    const g = this.options.topG;
    for (let len = historyLength; len >= 0 && candidates.length < g; len--) {
      for (const key of trie.ranked(path[len]!)) {
        if (candidates.length >= g) break;
        if (candidates.includes(key)) continue;
        candidates.push(key);
        sources.push(path[len]!);
      }
      if (!pad) break;
    }
    return { path, historyLength, candidates, sources };
  }

  /** The accepted keys with their probability in the history each was taken from. */
  #expected(look: Lookup): ExpectedKey[] {
    const { trie, keys } = this.#c;
    return look.candidates.map((key, j) => {
      const node = look.sources[j]!;
      return {
        key: keys[key]!,
        probability: trie.count(node, key) / trie.total(node),
        historyLength: look.path.indexOf(node),
      };
    });
  }

  #checkLength(length: number): { reason: SessionReason; score: number } | null {
    const m = this.options.lengthMargin;
    if (m === null) return null;
    const { minLength, maxLength } = this.#c;
    const lo = Math.floor(minLength * (1 - m));
    const hi = Math.ceil(maxLength * (1 + m));
    if (length < lo)
      return {
        reason: { kind: "too_short", length, minLength: lo },
        score: 0.5 + (0.5 * (lo - length)) / lo,
      };
    if (length > hi)
      return {
        reason: { kind: "too_long", length, maxLength: hi },
        score: 0.5 + 0.5 * Math.min(1, (length - hi) / hi),
      };
    return null;
  }

  /** Folds one training session's key counts into the per-key ranges. */
  #countKeys(keys: Int32Array): void {
    const c = this.#c;
    const counts = new Map<number, number>();
    for (const id of keys) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (let id = 2; id < c.keys.length; id++) {
      const n = counts.get(id) ?? 0;
      // A key first seen now was absent from every earlier session, so its minimum is 0 then.
      const first = c.keyMax[id] === undefined;
      c.keyMin[id] = first ? (c.sessions === 0 ? n : 0) : Math.min(c.keyMin[id]!, n);
      c.keyMax[id] = Math.max(c.keyMax[id] ?? 0, n);
    }
  }

  #checkCounts(keys: Int32Array): { reason: SessionReason; score: number }[] {
    const m = this.options.countMargin;
    if (m === null) return [];
    const c = this.#c;
    const counts = new Map<number, number>();
    for (const id of keys) if (id >= 2) counts.set(id, (counts.get(id) ?? 0) + 1);
    const out: { reason: SessionReason; score: number }[] = [];
    for (let id = 2; id < c.keys.length; id++) {
      const n = counts.get(id) ?? 0;
      const lo = Math.floor(c.keyMin[id]! * (1 - m));
      const hi = Math.ceil(c.keyMax[id]! * (1 + m));
      if (n >= lo && n <= hi) continue;
      const score =
        n < lo ? 0.5 + (0.5 * (lo - n)) / lo : 0.5 + 0.5 * Math.min(1, (n - hi) / Math.max(1, hi));
      out.push({ reason: { kind: "key_count", key: c.keys[id]!, count: n, min: lo, max: hi }, score });
    }
    return out;
  }

  #idOf(key: string, create: boolean): number {
    const c = this.#c;
    const found = c.ids.get(key);
    if (found !== undefined) return found;
    if (!create) return UNKNOWN;
    const id = c.keys.length;
    if (id > MAX_KEY_ID) throw new Error(`more than ${MAX_KEY_ID - 1} distinct keys`);
    c.keys.push(key);
    c.ids.set(key, id);
    return id;
  }

  /** START×depth, the keys, END; keys unseen in training become UNKNOWN unless `create`. */
  #encode(session: readonly string[], create: boolean): Int32Array {
    const depth = this.#c.depth;
    const seq = new Int32Array(depth + session.length + 1).fill(BOS, 0, depth);
    session.forEach((key, j) => {
      seq[depth + j] = this.#idOf(key, create);
    });
    seq[seq.length - 1] = EOS;
    return seq;
  }
}
