/**
 * The slice of the WebAssembly JS API the kernels use (the isolation forest's scoring, the miner's
 * skeletons). TypeScript's `lib` setting for this project has no DOM and @types/node declares no
 * WebAssembly values, so it is typed here, once.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The runtime's WebAssembly; undefined under `node --jitless`, where the kernels' JavaScript loops run. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65_536;

/** Grows `memory` to at least `bytes` (which detaches every view of its old buffer); its buffer then. */
export function growMemoryTo(memory: WasmMemory, bytes: number): ArrayBuffer {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  return memory.buffer;
}
