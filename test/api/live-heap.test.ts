import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { liveHeap } from "../../src/api/live-heap.js";

describe("liveHeap", () => {
  it("reads the heap in use right after each full garbage collection", async () => {
    liveHeap();
    const before = liveHeap().collections;
    // A full collection on demand: --expose-gc, then `gc` from a fresh context.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    // The collection's performance entry is delivered asynchronously.
    for (let i = 0; i < 50 && liveHeap().collections === before; i++) await sleep(10);
    const after = liveHeap();
    expect(after.collections).toBeGreaterThan(before);
    expect(after.bytes).toBeGreaterThan(1024 * 1024);
    expect(after.bytes).toBeLessThan(process.memoryUsage().heapTotal);
  });
});
