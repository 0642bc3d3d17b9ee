import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Splits a V8 CPU profile (`node --cpu-prof`) by pipeline stage: each sample goes to the stage of the
 * innermost frame on its stack that belongs to one (a native `JSON.parse` called by the NDJSON parser is
 * HTTP work, brotli called by the segment codec is storage), else to garbage collection, idle or other.
 * What the benchmark asks for: where the CPU of an ingested line goes, stage by stage.
 */
export const STAGES = ["http+json", "decode", "mine", "detect", "store", "score", "gc", "other"] as const;
export type Stage = (typeof STAGES)[number];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The checkout's built server, whose files are named here by their sources (`dist/x.js` → `src/x.ts`). */
const DIST = new URL("../../dist/", import.meta.url).href;
const SRC = new URL("../../src/", import.meta.url).href;

/** The stage a frame belongs to, or null when it says nothing (natives, Node internals, …). */
function stageOfFrame(frameUrl: string, fn: string): Stage | "startup" | null {
  const url = frameUrl.startsWith(DIST)
    ? SRC + frameUrl.slice(DIST.length).replace(/\.js$/, ".ts")
    : frameUrl;
  if (url.includes("/node_modules/tsx/") || url.includes("/node_modules/esbuild/")) return "startup";
  if (url.startsWith("node:internal/modules")) return "startup";
  if (url.includes("/src/pipeline/processor.ts"))
    return fn === "mine" ? "mine" : fn === "detect" ? "detect" : null;
  if (url.includes("/src/parsers/drain/")) return "mine";
  if (url.includes("/src/service/ingest.ts")) return "score";
  // Records made from a body: decoded here, or on a decode thread and unpacked here (src/api/ingest-decode).
  if (
    url.includes("/src/parsers/") ||
    url.includes("/src/service/ingest-records.ts") ||
    url.includes("/src/service/packed-log-records.ts") ||
    url.includes("/src/service/decoded-ingest-records.ts") ||
    url.includes("/src/api/ingest-decode/")
  )
    return "decode";
  if (url.includes("/src/detectors/") || url.includes("/src/pipeline/suppressions.ts")) return "detect";
  if (url.includes("/src/store/") || url.includes("/node_modules/kysely/") || url.includes("better-sqlite3"))
    return "store";
  if (url.includes("/src/service/scoring.ts") || url.includes("/src/correlate/")) return "score";
  if (
    url.includes("/src/api/") ||
    url.includes("/src/core/json.ts") ||
    url.includes("/node_modules/fastify") ||
    url.includes("/node_modules/@fastify/") ||
    url.includes("/node_modules/find-my-way/") ||
    url.includes("/node_modules/zod/") ||
    url.includes("/node_modules/fastify-type-provider-zod/") ||
    url.includes("/node_modules/pino") ||
    url.startsWith("node:_http") ||
    url.startsWith("node:http") ||
    url.startsWith("node:net")
  )
    return "http+json";
  return null;
}

/** Milliseconds of one profile by stage (idle and start-up left out). */
export function profileStages(path: string): Record<Stage, number> {
  const p = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const stageOfNode = new Map<number, Stage | "startup" | "idle">();
  const resolve = (id: number): Stage | "startup" | "idle" => {
    const known = stageOfNode.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let stage: Stage | "startup" | "idle" | null =
      leaf === "(idle)" ? "idle" : leaf === "(garbage collector)" ? "gc" : null;
    for (let cur: number | undefined = id; stage === null && cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      stage = stageOfFrame(f.url, f.functionName);
    }
    const out = stage ?? "other";
    stageOfNode.set(id, out);
    return out;
  };
  const ms = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (let i = 0; i < p.samples.length; i++) {
    const stage = resolve(p.samples[i]!);
    if (stage === "idle" || stage === "startup") continue;
    ms[stage] += (p.timeDeltas[i] ?? 0) / 1000;
  }
  return ms;
}

/**
 * The profiles one process wrote into `dir` (one per thread: `CPU.<date>.<time>.<pid>.<thread>.<seq>`),
 * summed into the main thread's (thread 0) and the other threads' (sealing, reads).
 */
export function processStages(dir: string): { main: Record<Stage, number>; others: Record<Stage, number> } {
  const sum = () => Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const main = sum();
  const others = sum();
  for (const name of readdirSync(dir)) {
    const m = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(name);
    if (!m) continue;
    const into = m[1] === "0" ? main : others;
    const stages = profileStages(join(dir, name));
    for (const s of STAGES) into[s] += stages[s];
  }
  return { main, others };
}
