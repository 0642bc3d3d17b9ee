import type { Matrix } from "./matrix.js";
import { type HeapForest, pathLengthSumsJs } from "./score.js";
import { WasmScorer, wasmAvailable } from "./wasm-kernel.js";

export type ScoringKernel = "wasm" | "js";

/** Without WebAssembly (`node --jitless`) the JS loop does the same work, about half as fast. */
let preferred: ScoringKernel = wasmAvailable ? "wasm" : "js";

/** Selects the scoring loop process-wide (benchmarks compare them; tests check they agree). */
export function setScoringKernel(kernel: ScoringKernel): void {
  if (kernel === "wasm" && !wasmAvailable) throw new Error("WebAssembly is not available in this runtime");
  preferred = kernel;
}

export function scoringKernel(): ScoringKernel {
  return preferred;
}

/** Path-length sums for one forest through the preferred kernel; the WebAssembly instance is made on first use. */
export class Scorer {
  readonly #heap: HeapForest;
  #wasm: WasmScorer | undefined;

  constructor(heap: HeapForest) {
    this.#heap = heap;
  }

  pathLengthSums(m: Matrix): Float64Array {
    if (preferred === "js") return pathLengthSumsJs(this.#heap, m);
    this.#wasm ??= new WasmScorer(this.#heap);
    return this.#wasm.pathLengthSums(m);
  }
}
