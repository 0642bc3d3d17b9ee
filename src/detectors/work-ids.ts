import type { ParsedRecord } from "../core/log-record.js";
import type { WorkKind } from "../core/work-kinds.js";

/**
 * The units of work an operational line is about, as users and addresses are what a security line is
 * about: a storage block, a YARN application, container, job or task attempt, a Kubernetes pod. A finding
 * names them (`features.work`) and incidents group findings that share one, so a block's failed writes on
 * three data nodes, or a pod's crash and its restarts, read as one story.
 *
 * Read from the miner's parameters (the variable parts of the line), never the whole body: ids are
 * variables by nature, and a line's parameters are a few short strings.
 */
export interface WorkId {
  kind: WorkKind;
  id: string;
}

/** Most specific first: `container_…` and `attempt_…` hold an application's and a job's numbers. */
const SHAPES: readonly [WorkKind, RegExp][] = [
  ["block", /^blk_-?\d{6,20}$/],
  ["container", /^container_(?:e\d+_)?\d{10,14}_\d{1,6}_\d{1,4}_\d{1,8}$/],
  ["attempt", /^attempt_\d{10,14}_\d{1,6}_[mr]_\d{1,8}_\d{1,4}$/],
  ["application", /^application_\d{10,14}_\d{1,6}$/],
  ["job", /^job_\d{10,14}_\d{1,6}$/],
  // A Deployment's pod: name, ReplicaSet hash, pod suffix (`api-7d9c8b6f5-x2k4q`).
  ["pod", /^[a-z0-9](?:[-a-z0-9]{0,50}[a-z0-9])?-[b-df-hj-np-tv-z2-9]{6,10}-[b-df-hj-np-tv-z2-9]{5}$/],
];

/** What the id is embedded in (`/blk_123`, `blk_123.meta`, `pod/api-…`): trimmed before matching. */
const EDGES = /^[^A-Za-z0-9]*(?:pod\/|pods\/)?|[^A-Za-z0-9]+$/g;

/** The kind of one token, or null. */
export function workKindOf(token: string): WorkKind | null {
  if (token.length < 8 || token.length > 80) return null;
  const t = token.replace(EDGES, "").replace(/\.meta$/, "");
  for (const [kind, shape] of SHAPES) if (shape.test(t)) return kind;
  return null;
}

/** The work ids among a record's parameters (each once, in order), at most `max`. */
export function workIdsOf(record: Pick<ParsedRecord, "params">, max = 4): WorkId[] {
  const out: WorkId[] = [];
  for (const p of record.params) {
    if (out.length >= max) break;
    if (p.type === "ip" || p.type === "num") continue;
    const kind = workKindOf(p.value);
    if (kind === null) continue;
    const id = p.value.replace(EDGES, "").replace(/\.meta$/, "");
    if (!out.some((w) => w.id === id)) out.push({ kind, id });
  }
  return out;
}
