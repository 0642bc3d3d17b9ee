import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

/**
 * The V8 heap in use right after the latest full (mark-compact) garbage collection: the live heap. Heap
 * used at any other moment swings by 100+ MiB with the collector's cycle under load, so growth of this
 * value from one full collection to the next is what a leak looks like. 0 until the first one.
 *
 * Read when the collection's performance entry is delivered (a few milliseconds after it), so what was
 * allocated in between is counted too: small next to what a full collection frees.
 */
let liveHeapBytes = 0;
let fullCollections = 0;
let observer: PerformanceObserver | null = null;

function observe(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      liveHeapBytes = getHeapStatistics().used_heap_size;
      fullCollections++;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
}

/** Starts watching full collections (once per process) and returns the latest reading. */
export function liveHeap(): { bytes: number; collections: number } {
  observe();
  return { bytes: liveHeapBytes, collections: fullCollections };
}
