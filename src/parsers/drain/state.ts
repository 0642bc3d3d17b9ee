import { seenIso } from "./cluster.js";
import type { ModelOptions } from "./options.js";
import type { StreamIndex } from "./stream-index.js";

/** Persisted miner state, version 1. Plain JSON: safe to store as a document or a column. */
export interface MinerState {
  version: 1;
  options: ModelOptions;
  counters: { evictions: number; truncatedLines: number };
  streams: StreamState[];
}

export interface StreamState {
  stream: string;
  /** Least recently matched first, so importing in order restores the LRU order. */
  templates: TemplateState[];
  /** `[oldId, newId]` pairs, oldest first. */
  lineage: [string, string][];
}

export interface TemplateState {
  id: string;
  /** Display tokens (literal, shaped like `blk_<*>`, or `<*>`). */
  tokens: string[];
  /** Matching keys, one per token. */
  keys: string[];
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export function exportMinerState(
  options: ModelOptions,
  streams: Iterable<StreamIndex>,
  evictions: number,
  truncatedLines: number,
): MinerState {
  const out: StreamState[] = [];
  for (const st of streams) {
    const templates: TemplateState[] = [];
    for (const c of st.inLruOrder()) {
      templates.push({
        id: c.id,
        tokens: [...c.tpl],
        keys: [...c.key],
        count: c.count,
        firstSeen: seenIso(c.firstSeen),
        lastSeen: seenIso(c.lastSeen),
      });
    }
    out.push({ stream: st.name, templates, lineage: [...st.lineage] });
  }
  return { version: 1, options: { ...options }, counters: { evictions, truncatedLines }, streams: out };
}

function fail(what: string): never {
  throw new TypeError(`invalid template-miner state: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) fail(`${what} must be a string array`);
  return v as string[];
}

/** Validates an untrusted state object (e.g. read back from a database). */
export function parseMinerState(state: unknown): MinerState {
  if (!isRecord(state)) fail("not an object");
  if (state.version !== 1) fail(`unsupported version ${String(state.version)}`);
  const counters = isRecord(state.counters) ? state.counters : {};
  const streamsIn = state.streams;
  if (!Array.isArray(streamsIn)) fail("streams must be an array");
  const streams: StreamState[] = streamsIn.map((s: unknown, i: number) => {
    if (!isRecord(s) || typeof s.stream !== "string") fail(`streams[${i}] needs a stream name`);
    if (!Array.isArray(s.templates)) fail(`streams[${i}].templates must be an array`);
    const templates = s.templates.map((t: unknown, j: number): TemplateState => {
      const where = `streams[${i}].templates[${j}]`;
      if (!isRecord(t) || typeof t.id !== "string") fail(`${where} needs an id`);
      const tokens = strings(t.tokens, `${where}.tokens`);
      const keys = strings(t.keys, `${where}.keys`);
      if (tokens.length !== keys.length) fail(`${where}: tokens and keys differ in length`);
      return {
        id: t.id,
        tokens: [...tokens],
        keys: [...keys],
        count: typeof t.count === "number" ? t.count : 0,
        firstSeen: typeof t.firstSeen === "string" ? t.firstSeen : new Date(0).toISOString(),
        lastSeen: typeof t.lastSeen === "string" ? t.lastSeen : new Date(0).toISOString(),
      };
    });
    const lineageIn = Array.isArray(s.lineage) ? s.lineage : [];
    const lineage = lineageIn.map((pair: unknown): [string, string] => {
      const p = strings(pair, `streams[${i}].lineage entry`);
      if (p.length !== 2) fail(`streams[${i}].lineage entries are [from, to] pairs`);
      return [p[0]!, p[1]!];
    });
    return { stream: s.stream, templates, lineage };
  });
  const options = isRecord(state.options) ? state.options : {};
  return {
    version: 1,
    options: options as ModelOptions,
    counters: {
      evictions: typeof counters.evictions === "number" ? counters.evictions : 0,
      truncatedLines: typeof counters.truncatedLines === "number" ? counters.truncatedLines : 0,
    },
    streams,
  };
}
