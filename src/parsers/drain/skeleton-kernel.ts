/**
 * The WebAssembly half of `skeleton.ts`'s `skeletonInto`: the skeleton and hash of a line's UTF-8,
 * sixteen bytes a step (128-bit SIMD) where the JavaScript loop takes four. Its text is
 * `skeleton-kernel.wat`, compiled by `npm run build:wasm` into `skeleton-kernel.wasm.ts`.
 *
 * On the raw lines of six LogHub datasets the JavaScript loop took about 85 ns a line past the UTF-8
 * copy, the kernel about 20 (a micro-benchmark); the raw-line path ran 1.14x the lines per CPU-second
 * (docs/architecture.md, seventeenth session).
 */
import { type WasmMemory, wasmApi } from "../../core/wasm.js";
import { WASM_BASE64 } from "./skeleton-kernel.wasm.js";

/** The bits of `skel`'s result that hold the hash. */
export const KERNEL_HASH = 0x3fffffff;
/** Set in `skel`'s result when a byte is 0x80 or over (not ASCII). */
export const KERNEL_HAS_HIGH = 1 << 30;

export interface SkeletonKernel {
  readonly memory: WasmMemory;
  /**
   * The skeleton of the `n` bytes at `from` (16 bytes past them readable, of any value), written at
   * `out` (a multiple of 16), `0x` digits kept: its hash (`KERNEL_HASH`) and whether the bytes are all
   * ASCII (`KERNEL_HAS_HIGH`).
   */
  readonly skel: (from: number, n: number, out: number) => number;
}

/** The kernel, or null where WebAssembly is unavailable (`node --jitless`): the JavaScript loop then. */
export function loadSkeletonKernel(): SkeletonKernel | null {
  if (!wasmApi) return null;
  const module = new wasmApi.Module(Buffer.from(WASM_BASE64, "base64"));
  const exports = new wasmApi.Instance(module, {}).exports;
  return {
    memory: exports.mem as SkeletonKernel["memory"],
    skel: exports.skel as SkeletonKernel["skel"],
  };
}
