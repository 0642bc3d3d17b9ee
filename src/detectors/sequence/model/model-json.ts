import { isJsonObject, type JsonValue } from "../../../core/json.js";
import type { NextKeyModelOptions } from "./model-options.js";

/** Bump MODEL_VERSION whenever the serialised shape or the meaning of a field changes. */
export const MODEL_FORMAT = "logwarden/next-key-model";
export const MODEL_VERSION = 2;

export interface ModelJson {
  options: NextKeyModelOptions;
  depth: number;
  keys: string[];
  sessions: number;
  minLength: number;
  maxLength: number;
  keyMin: number[];
  keyMax: number[];
  links: number[];
  counts: number[][];
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function count(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer`);
  return value;
}

export function validateOptions(o: NextKeyModelOptions): NextKeyModelOptions {
  positiveInt(o.historyLength, "historyLength");
  positiveInt(o.topG, "topG");
  if (typeof o.padCandidates !== "boolean") throw new Error("padCandidates must be a boolean");
  if (o.endHistoryLength !== null) positiveInt(o.endHistoryLength, "endHistoryLength");
  if (o.lengthMargin !== null && !(typeof o.lengthMargin === "number" && o.lengthMargin >= 0))
    throw new Error("lengthMargin must be null or a number ≥ 0");
  // Absent in documents written before the option existed: off, as it was then.
  const countMargin = o.countMargin ?? null;
  if (countMargin !== null && !(typeof countMargin === "number" && countMargin >= 0))
    throw new Error("countMargin must be null or a number ≥ 0");
  return {
    historyLength: o.historyLength,
    topG: o.topG,
    padCandidates: o.padCandidates,
    endHistoryLength: o.endHistoryLength,
    lengthMargin: o.lengthMargin,
    countMargin,
  };
}

function intArray(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) throw new Error(`${name} must be an array`);
  return value.map((v, i) => count(v, `${name}[${i}]`));
}

/** Checks the shape written by NextKeyModel.toJSON; throws naming the first bad field. */
export function parseModelJson(json: JsonValue): ModelJson {
  if (!isJsonObject(json) || json.format !== MODEL_FORMAT) throw new Error(`not a ${MODEL_FORMAT} document`);
  if (json.version !== MODEL_VERSION)
    throw new Error(
      `${MODEL_FORMAT} version ${JSON.stringify(json.version)} is not supported (${MODEL_VERSION})`,
    );
  const o = json.options;
  if (!isJsonObject(o)) throw new Error("options must be an object");
  const options = validateOptions(o as unknown as NextKeyModelOptions);
  const depth = positiveInt(json.depth, "depth");
  if (options.historyLength > depth) throw new Error("options.historyLength exceeds depth");
  const keys = json.keys;
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === "string"))
    throw new Error("keys must be an array of strings");
  const rows = json.counts;
  if (!Array.isArray(rows)) throw new Error("counts must be an array");
  const links = intArray(json.links, "links");
  const counts = rows.map((row, i) => intArray(row, `counts[${i}]`));
  // Key ids 0 and 1 are the start and end tokens, so a valid id is below keys.length + 2.
  const badLink = links.some((v, i) => i % 2 === 1 && v >= keys.length + 2);
  const badCount = counts.some((row) => row.some((v, i) => i % 2 === 0 && v >= keys.length + 2));
  if (badLink || badCount) throw new Error("a key id is out of range of keys");
  const keyMin = intArray(json.keyMin, "keyMin");
  const keyMax = intArray(json.keyMax, "keyMax");
  if (keyMin.length !== keys.length || keyMax.length !== keys.length)
    throw new Error("keyMin and keyMax must have one entry per key");
  return {
    options,
    depth,
    keys,
    sessions: count(json.sessions, "sessions"),
    minLength: count(json.minLength, "minLength"),
    maxLength: count(json.maxLength, "maxLength"),
    keyMin,
    keyMax,
    links,
    counts,
  };
}
