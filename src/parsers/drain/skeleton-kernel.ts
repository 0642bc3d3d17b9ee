/**
 * The WebAssembly half of `skeleton.ts`'s `skeletonInto`: the skeleton and hash of a line's UTF-8,
 * sixteen bytes a step (128-bit SIMD) where the JavaScript loop takes four. Its text is
 * `skeleton-kernel.wat`, compiled by `npm run build:wasm` into `skeleton-kernel.wasm.ts`.
 *
 * On the raw lines of six LogHub datasets the JavaScript loop took about 85 ns a line past the UTF-8
 * copy, the kernel about 20 (a micro-benchmark); the raw-line path ran 1.14x the lines per CPU-second
 * (docs/architecture.md, seventeenth session).
 */
import { WASM_BASE64 } from "./skeleton-kernel.wasm.js";

/** The bits of `skel`'s result that hold the hash. */
export const KERNEL_HASH = 0x3fffffff;
/** Set in `skel`'s result when a byte is 0x80 or over (not ASCII). */
export const KERNEL_HAS_HIGH = 1 << 30;

/**
 * The slice of the WebAssembly JS API used here: TypeScript's `lib` for this project has no DOM, and
 * @types/node declares no WebAssembly values. Undefined under `node --jitless`.
 */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

export interface SkeletonKernel {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  /**
   * The skeleton of the `n` bytes at `from` (16 bytes past them readable, of any value), written at
   * `out` (a multiple of 16), `0x` digits kept: its hash (`KERNEL_HASH`) and whether the bytes are all
   * ASCII (`KERNEL_HAS_HIGH`).
   */
  readonly skel: (from: number, n: number, out: number) => number;
}

const PAGE = 65_536;

/** The kernel, or null where WebAssembly is unavailable (`node --jitless`): the JavaScript loop then. */
export function loadSkeletonKernel(): SkeletonKernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  const module = new wasm.Module(Buffer.from(WASM_BASE64, "base64"));
  const exports = new wasm.Instance(module, {}).exports;
  return {
    memory: exports.mem as SkeletonKernel["memory"],
    skel: exports.skel as SkeletonKernel["skel"],
  };
}

/** Grows the kernel's memory to at least `bytes` (which detaches every view of its old buffer). */
export function ensureKernelMemory(kernel: SkeletonKernel, bytes: number): ArrayBuffer {
  const have = kernel.memory.buffer.byteLength;
  if (bytes > have) kernel.memory.grow(Math.ceil((bytes - have) / PAGE));
  return kernel.memory.buffer;
}
