/**
 * Search over sealed segments as a columnar store would run it: prefilter each segment on its metadata
 * and index, decode only the segments that may match, and test their records exactly. Also the brute-force
 * scan (decode every segment) that gives the true answer and checks the prefilter missed nothing.
 */
import type { LogQuery } from "../../src/core/log-store.js";
import {
  decodeSegment,
  readSearchIndex,
  recordMatcher,
  type SearchIndex,
  searchSegment,
  segmentMayMatch,
} from "../../src/store/columnar/index.js";

export interface SearchRun {
  matches: number;
  candidates: number;
  /** Wall ms of `searchSegment` over every segment: read its metadata and index, prefilter, decode what may match. */
  ms: number;
  /** The same in process CPU ms (less sensitive to other work on the machine). */
  cpuMs: number;
  /** Wall ms of the prefilter alone, reading the index blocks from the segments. */
  prefilterMs: number;
  /** Wall ms of the prefilter alone over indexes already read and prepared (a reader that caches them). */
  cachedPrefilterMs: number;
}

export function prefilteredSearch(
  segments: readonly Uint8Array[],
  cached: readonly SearchIndex[],
  query: LogQuery,
): SearchRun {
  let t = performance.now();
  let candidates = 0;
  for (const s of segments) if (segmentMayMatch(readSearchIndex(s), query)) candidates++;
  const prefilterMs = performance.now() - t;
  t = performance.now();
  for (const ix of cached) segmentMayMatch(ix, query);
  const cachedPrefilterMs = performance.now() - t;
  t = performance.now();
  const c0 = process.cpuUsage();
  let matches = 0;
  for (const s of segments) matches += searchSegment(s, query).length;
  const cpu = process.cpuUsage(c0);
  return {
    matches,
    candidates,
    ms: performance.now() - t,
    cpuMs: (cpu.user + cpu.system) / 1000,
    prefilterMs,
    cachedPrefilterMs,
  };
}

export interface ScanResult {
  matches: number;
  /** Segments holding at least one match. */
  matchingSegments: number;
  ms: number;
  /** Segments holding a match that the prefilter excluded: must be 0. */
  missed: number;
}

export function fullScan(segments: readonly Uint8Array[], query: LogQuery): ScanResult {
  const match = recordMatcher(query);
  const t = performance.now();
  let matches = 0;
  let matchingSegments = 0;
  const hits: number[] = [];
  segments.forEach((s, i) => {
    let n = 0;
    for (const r of decodeSegment(s)) if (match(r)) n++;
    matches += n;
    if (n > 0) {
      matchingSegments++;
      hits.push(i);
    }
  });
  const ms = performance.now() - t;
  const missed = hits.filter((i) => !segmentMayMatch(readSearchIndex(segments[i]!), query)).length;
  return { matches, matchingSegments, ms, missed };
}
