/**
 * Next-key counts for every history suffix of length 0..h, stored as a trie read from the most
 * recent key backwards: the root is the empty history, its child for key `a` is the history "…a",
 * that node's child for `b` is "…b a", and so on. Backing off to a shorter history is therefore
 * just stopping the walk earlier, and every lookup is a handful of integer-keyed map reads.
 */

/**
 * Child links live in one map keyed by `node * STRIDE + key`. 2^21 keys and 2^32 nodes keep the
 * product below 2^53, so the number stays an exact integer.
 */
const STRIDE = 2 ** 21;
export const MAX_KEY_ID = STRIDE - 1;

export class HistoryTrie {
  readonly #children = new Map<number, number>();
  /** Per node: next-key id → count. */
  readonly #next: Map<number, number>[] = [new Map()];
  /** Per node: how often the history occurred (sum of its next-key counts). */
  readonly #total: number[] = [0];
  /** Per node: parent and the key that links it, kept so the trie can be serialised. */
  readonly #parent: number[] = [-1];
  readonly #edgeKey: number[] = [-1];
  /** Per node: next-key ids by (count desc, id asc), built lazily and dropped when counts change. */
  #ranked: (number[] | undefined)[] = [];

  get size(): number {
    return this.#total.length;
  }

  child(node: number, key: number): number | undefined {
    return this.#children.get(node * STRIDE + key);
  }

  childOrCreate(node: number, key: number): number {
    const link = node * STRIDE + key;
    const found = this.#children.get(link);
    if (found !== undefined) return found;
    const id = this.#total.length;
    this.#children.set(link, id);
    this.#next.push(new Map());
    this.#total.push(0);
    this.#parent.push(node);
    this.#edgeKey.push(key);
    return id;
  }

  add(node: number, nextKey: number, count = 1): void {
    const counts = this.#next[node]!;
    counts.set(nextKey, (counts.get(nextKey) ?? 0) + count);
    this.#total[node]! += count;
    this.#ranked[node] = undefined;
  }

  total(node: number): number {
    return this.#total[node] ?? 0;
  }

  count(node: number, nextKey: number): number {
    return this.#next[node]?.get(nextKey) ?? 0;
  }

  /** Next-key ids seen after this history, most frequent first; ties go to the older (smaller) id. */
  ranked(node: number): readonly number[] {
    let list = this.#ranked[node];
    if (list === undefined) {
      const counts = this.#next[node]!;
      list = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a - b);
      this.#ranked[node] = list;
    }
    return list;
  }

  /** The key ids on the path from the root, most recent key first. */
  pathOf(node: number): number[] {
    const keys: number[] = [];
    for (let n = node; n > 0; n = this.#parent[n]!) keys.push(this.#edgeKey[n]!);
    return keys;
  }

  /** Flat form: per node (after the root) `[parent, key]`, and per node `[next, count, next, count…]`. */
  toArrays(): { links: number[]; counts: number[][] } {
    const links: number[] = [];
    for (let n = 1; n < this.size; n++) links.push(this.#parent[n]!, this.#edgeKey[n]!);
    const counts = this.#next.map((m) => [...m].flat());
    return { links, counts };
  }

  static fromArrays(links: readonly number[], counts: readonly (readonly number[])[]): HistoryTrie {
    const trie = new HistoryTrie();
    for (let i = 0; i + 1 < links.length; i += 2) {
      const parent = links[i]!;
      // Parents always precede their children, which toArrays guarantees by construction order.
      if (!(parent >= 0 && parent < trie.size)) throw new Error(`bad trie link at node ${i / 2 + 1}`);
      trie.childOrCreate(parent, links[i + 1]!);
    }
    if (counts.length !== trie.size)
      throw new Error(`trie has ${trie.size} nodes but ${counts.length} count rows`);
    counts.forEach((row, node) => {
      for (let j = 0; j + 1 < row.length; j += 2) trie.add(node, row[j]!, row[j + 1]!);
    });
    return trie;
  }
}
