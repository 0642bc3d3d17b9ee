import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wasmModuleSource } from "../../../scripts/build-wasm.mjs";
import { DrainMiner } from "../../../src/parsers/drain/index.js";
import { LineScanner } from "../../../src/parsers/drain/scan.js";
import { setSkeletonKernel, skeletonOf } from "../../../src/parsers/drain/skeleton.js";
import { RawLineMiner } from "../../../src/parsers/raw-line-miner.js";
import { loghubLines } from "../../helpers/loghub.js";

/**
 * The skeleton kernel (src/parsers/drain/skeleton-kernel.wat) and the JavaScript loop it stands in for
 * must write the same skeleton, one a reference written out here gives, and hash lines of one skeleton
 * alike (or the tables would miss).
 */

const WAT = fileURLToPath(new URL("../../../src/parsers/drain/skeleton-kernel.wat", import.meta.url));
const MODULE = fileURLToPath(new URL("../../../src/parsers/drain/skeleton-kernel.wasm.ts", import.meta.url));

/** The skeleton by its definition: UTF-8, each digit `0`, but a run's one digit before `x`/`X` kept. */
function reference(line: string): string {
  const b = Buffer.from(line, "utf8");
  const isDigit = (i: number) => i >= 0 && i < b.length && b[i]! >= 48 && b[i]! <= 57;
  const isX = (i: number) => i < b.length && (b[i]! | 32) === 120;
  const out = Buffer.from(b);
  for (let i = 0; i < b.length; i++) if (isDigit(i) && !(isX(i + 1) && !isDigit(i - 1))) out[i] = 48;
  return out.toString("latin1");
}

const skeletonText = (line: string) => Buffer.from(skeletonOf(line)).toString("latin1");

/** Lines dense in what the kernel decides on: digits, hex prefixes, non-ASCII, block edges. */
const lines = fc
  .array(fc.constantFrom("0", "1", "7", "9", "x", "X", "a", " ", ":", "é", "€", "😀", "0x1f", "10x"), {
    maxLength: 120,
  })
  .map((parts) => parts.join(""));

afterEach(() => setSkeletonKernel("wasm"));

describe("the skeleton kernel", () => {
  it("is the compiled form of its .wat text (run `npm run build:wasm` after changing it)", async () => {
    expect(readFileSync(MODULE, "utf8")).toBe(await wasmModuleSource(WAT));
  });

  it.each(["wasm", "js"] as const)("(%s) writes the reference skeleton of any line", (which) => {
    setSkeletonKernel(which);
    fc.assert(
      fc.property(lines, (line) => {
        expect(skeletonText(line)).toBe(reference(line));
      }),
      { numRuns: 3000, seed: 1801 },
    );
    // Lengths around the 16-byte blocks, and past the shared buffer's first size (it grows).
    for (const n of [15, 16, 17, 31, 32, 33, 2730, 6000])
      for (const line of ["9".repeat(n), `${"a".repeat(n - 2)}0x`, `${"é".repeat(n >> 1)}7`])
        expect(skeletonText(line)).toBe(reference(line));
  });

  it("finds the lines of a skeleton as the JavaScript loop does: the same matches and as many scans", () => {
    const corpus = ["HDFS", "Linux", "OpenSSH", "HPC"].flatMap((d) => loghubLines(d));
    const run = (which: "wasm" | "js") => {
      setSkeletonKernel(which);
      const scan = vi.spyOn(LineScanner.prototype, "scan");
      try {
        const raw = new RawLineMiner(new DrainMiner());
        const matches = [...corpus, ...corpus].map((line) => raw.add("s", line).match);
        return { matches, scans: scan.mock.calls.length };
      } finally {
        scan.mockRestore();
      }
    };
    const wasm = run("wasm");
    const js = run("js");
    expect(wasm.matches).toEqual(js.matches);
    expect(wasm.scans).toBe(js.scans);
    // The second pass over the corpus is all table hits: no more scans than the first pass made.
    expect(wasm.scans).toBeLessThan(corpus.length);
  });
});
