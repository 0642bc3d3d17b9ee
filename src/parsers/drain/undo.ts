import { UndoLog } from "../../core/undo.js";
import type { Cluster } from "./cluster.js";
import type { StreamIndex } from "./stream-index.js";

/** A live cluster as it was when its stream was first reshaped in a batch. */
interface ClusterCopy {
  cluster: Cluster;
  tpl: string[];
  template: string;
  id: string;
  count: number;
  firstSeen: string | number;
  lastSeen: string | number;
  siblingKeys: string[];
  watch: number[];
  paramPositions: number[];
  paramPieces: (string[] | null)[];
}

/**
 * The miner's undo log for one batch. Almost every line only counts: its cluster's count, last-seen
 * time and LRU place change, and those are remembered the first time the batch touches the cluster
 * (no allocation for the lines after). A line that reshapes a stream (a new template, a widened one, a
 * merge, an eviction) first copies that stream's clusters and indexes once per batch; a rollback puts the
 * copy back into the same objects. The line memo is a cache (a restart starts without it), so a restored
 * stream's memo is emptied rather than copied.
 */
export class MinerUndo {
  readonly log = new UndoLog();
  readonly #copied = new Set<StreamIndex>();
  #epoch = -1;

  get recording(): boolean {
    return this.log.recording;
  }

  /** Before the first count of `c` in this batch: its count, last-seen time and LRU neighbour. */
  touch(st: StreamIndex, c: Cluster): void {
    if (c.undoEpoch === this.log.epoch) return;
    c.undoEpoch = this.log.epoch;
    // Undone in reverse order of first touch, putting each cluster back after the neighbour it had
    // restores the LRU order exactly: that neighbour was untouched then, or is put back before it.
    this.log.push(touchUndo(st, c));
  }

  /** Before the first change of `st`'s templates or indexes in this batch. */
  reshape(st: StreamIndex): void {
    if (this.#epoch !== this.log.epoch) {
      this.#epoch = this.log.epoch;
      this.#copied.clear();
    }
    if (this.#copied.has(st)) return;
    this.#copied.add(st);
    const clusters: ClusterCopy[] = [];
    for (const c of st.inLruOrder())
      clusters.push({
        cluster: c,
        tpl: [...c.tpl],
        template: c.template,
        id: c.id,
        count: c.count,
        firstSeen: c.firstSeen,
        lastSeen: c.lastSeen,
        siblingKeys: [...c.siblingKeys],
        watch: c.watch,
        paramPositions: c.paramPositions,
        paramPieces: c.paramPieces,
      });
    const byId = new Map(st.byId);
    const byKey = new Map(st.byKey);
    const byLength = new Map([...st.byLength].map(([n, list]) => [n, [...list]]));
    const siblings = new Map([...st.siblings].map(([k, list]) => [k, [...list]]));
    const lineage = new Map(st.lineage);
    this.log.push(() => {
      // Clusters the batch created are unreachable once the indexes are back; mark them so nothing
      // that still holds one (a memo entry) keeps using it.
      for (const c of st.inLruOrder()) {
        c.dead = true;
        c.mergedInto = null;
      }
      let prev: Cluster | null = null;
      for (const s of clusters) {
        const c = s.cluster;
        c.tpl = s.tpl;
        c.template = s.template;
        c.id = s.id;
        c.count = s.count;
        c.firstSeen = s.firstSeen;
        c.lastSeen = s.lastSeen;
        c.siblingKeys = s.siblingKeys;
        c.watch = s.watch;
        c.paramPositions = s.paramPositions;
        c.paramPieces = s.paramPieces;
        c.dead = false;
        c.mergedInto = null;
        c.prev = prev;
        c.next = null;
        if (prev) prev.next = c;
        prev = c;
      }
      st.head = clusters[0]?.cluster ?? null;
      st.tail = prev;
      st.size = clusters.length;
      refill(st.byId, byId);
      refill(st.byKey, byKey);
      refill(st.byLength, byLength);
      refill(st.siblings, siblings);
      refill(st.lineage, lineage);
      st.memo.clear();
    });
  }
}

function refill<K, V>(target: Map<K, V>, from: Map<K, V>): void {
  target.clear();
  for (const [k, v] of from) target.set(k, v);
}

/**
 * `touch`'s rollback step. Made here, not in `touch`: a function that makes a closure over its
 * parameters gets a context object on every call, whichever branch it takes, and `touch` runs for every
 * mined line (docs/architecture.md, "Records cross as JSON text, and the collector's share").
 */
function touchUndo(st: StreamIndex, c: Cluster): () => void {
  const { count, lastSeen, prev } = c;
  return () => {
    c.count = count;
    c.lastSeen = lastSeen;
    st.unlink(c);
    st.linkAfter(c, prev);
  };
}
